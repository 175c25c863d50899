import { describe, expect, it } from 'vitest';
import { Labels } from '../../../core/model/labels.js';
import type { Requirement } from '../../../core/model/requirements.js';
import { DEFAULT_STORAGE_CLASS_ANNOTATION, MAX_TERMS, volumeLookupFrom, volumeTopology } from '../../../core/model/volume-topology.js';

const ZONE = Labels.zone;
const zoneIn = (...zones: string[]): Requirement => ({ key: ZONE, operator: 'In', values: zones });

const claim = (name: string, spec: Record<string, unknown>, namespace = 'app') => ({ metadata: { name, namespace }, spec });
const pv = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec });
const zonalPv = (name: string, ...zones: string[]) => pv(name, { csi: { driver: 'ebs.csi.aws.com' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.ebs.csi.aws.com/zone', operator: 'In', values: zones }] }] } } });
const storageClass = (name: string, zones?: string[], isDefault = false, created = '2026-01-01T00:00:00Z') => ({
  metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { [DEFAULT_STORAGE_CLASS_ANNOTATION]: 'true' } } : {}) },
  provisioner: 'ebs.csi.aws.com',
  volumeBindingMode: 'WaitForFirstConsumer',
  ...(zones ? { allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.ebs.csi.aws.com/zone', values: zones }] }] } : {}),
});
const withClaim = (claimName: string, volume = 'data') => ({ containers: [{ name: 'c' }], volumes: [{ name: volume, persistentVolumeClaim: { claimName } }] });

const lookup = volumeLookupFrom({
  claims: [
    claim('bound-a', { volumeName: 'pv-a' }),
    claim('bound-b', { volumeName: 'pv-b' }),
    claim('bound-local', { volumeName: 'pv-local' }),
    claim('bound-missing', { volumeName: 'pv-gone' }),
    claim('unbound-gp3', { storageClassName: 'gp3-ab' }),
    claim('unbound-open', { storageClassName: 'gp3-any' }),
    claim('unbound-default', {}),
    claim('unbound-static', { storageClassName: '' }),
    claim('unbound-unknown-class', { storageClassName: 'nope' }),
    claim('web-0-scratch', { volumeName: 'pv-b' }),
  ],
  volumes: [
    zonalPv('pv-a', 'us-east-1a'),
    zonalPv('pv-b', 'us-east-1b'),
    pv('pv-local', {
      local: { path: '/mnt/ssd' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: Labels.hostname, operator: 'In', values: ['node-7'] }, { key: ZONE, operator: 'In', values: ['us-east-1c'] }] }] } },
    }),
  ],
  storageClasses: [storageClass('gp3-ab', ['us-east-1a', 'us-east-1b']), storageClass('gp3-any'), storageClass('old-default', ['us-east-1c'], true, '2025-01-01T00:00:00Z'), storageClass('new-default', ['us-east-1d'], true, '2026-06-01T00:00:00Z')],
});

describe('volume topology: where a pod’s persistent volumes let it run', () => {
  it('no volumes, or volumes that are not claims: the pod’s own terms, unchanged', () => {
    expect(volumeTopology('app', 'p', { containers: [] }, undefined, lookup)).toEqual({ ok: true, terms: undefined });
    const own = [[zoneIn('us-east-1a')]];
    expect(volumeTopology('app', 'p', { volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'cfg', configMap: { name: 'x' } }] }, own, lookup)).toEqual({ ok: true, terms: own });
  });

  it('a bound claim: its volume’s zone, with the EBS CSI key read as the well-known zone', () => {
    expect(volumeTopology('app', 'p', withClaim('bound-a'), undefined, lookup)).toEqual({ ok: true, terms: [[zoneIn('us-east-1a')]] });
  });

  it('the volume’s requirement is ANDed with each of the pod’s own terms', () => {
    const own: Requirement[][] = [[{ key: Labels.arch, operator: 'In', values: ['arm64'] }], [{ key: Labels.capacityType, operator: 'In', values: ['spot'] }]];
    const out = volumeTopology('app', 'p', withClaim('bound-b'), own, lookup);
    expect(out).toEqual({ ok: true, terms: [[...own[0], zoneIn('us-east-1b')], [...own[1], zoneIn('us-east-1b')]] });
  });

  it('an unbound claim: its StorageClass’s allowed topologies; none = anywhere', () => {
    expect(volumeTopology('app', 'p', withClaim('unbound-gp3'), undefined, lookup)).toEqual({ ok: true, terms: [[zoneIn('us-east-1a', 'us-east-1b')]] });
    expect(volumeTopology('app', 'p', withClaim('unbound-open'), undefined, lookup)).toEqual({ ok: true, terms: undefined });
  });

  it('an unbound claim of an Immediate class (the API default) waits for its volume, as kube-scheduler makes it', () => {
    const immediate = { ...storageClass('gp2-ab', ['us-east-1a', 'us-east-1b']), volumeBindingMode: 'Immediate' };
    const { volumeBindingMode: _mode, ...unset } = storageClass('gp2-any');
    const look = volumeLookupFrom({ claims: [claim('imm', { storageClassName: 'gp2-ab' }), claim('imm-unset', { storageClassName: 'gp2-any' }), claim('imm-bound', { storageClassName: 'gp2-ab', volumeName: 'pv-a' })], volumes: [zonalPv('pv-a', 'us-east-1a')], storageClasses: [immediate, unset] });
    const out = volumeTopology('app', 'p', withClaim('imm'), undefined, look);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.problem).toMatch(/app\/imm is unbound and its StorageClass gp2-ab binds Immediate/);
    expect(volumeTopology('app', 'p', withClaim('imm-unset'), undefined, look).ok).toBe(false);
    // Once bound, the volume's zone, whatever the class.
    expect(volumeTopology('app', 'p', withClaim('imm-bound'), undefined, look)).toEqual({ ok: true, terms: [[zoneIn('us-east-1a')]] });
  });

  it('an unbound claim without a class takes the default class (the newest when several are marked)', () => {
    expect(volumeTopology('app', 'p', withClaim('unbound-default'), undefined, lookup)).toEqual({ ok: true, terms: [[zoneIn('us-east-1d')]] });
  });

  it('a local volume’s hostname is left out, its zone kept', () => {
    expect(volumeTopology('app', 'p', withClaim('bound-local'), undefined, lookup)).toEqual({ ok: true, terms: [[zoneIn('us-east-1c')]] });
  });

  it('two volumes in different zones: no node can run the pod (an empty intersection the planner cannot satisfy)', () => {
    const spec = { volumes: [{ name: 'a', persistentVolumeClaim: { claimName: 'bound-a' } }, { name: 'b', persistentVolumeClaim: { claimName: 'bound-b' } }] };
    expect(volumeTopology('app', 'p', spec, undefined, lookup)).toEqual({ ok: true, terms: [[zoneIn('us-east-1a'), zoneIn('us-east-1b')]] });
  });

  it('a generic ephemeral volume: the pod’s claim <pod>-<volume>; for a template, the claim template’s class', () => {
    const spec = { volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'gp3-ab' } } } }] };
    expect(volumeTopology('app', 'web-0', spec, undefined, lookup)).toEqual({ ok: true, terms: [[zoneIn('us-east-1b')]] });
    expect(volumeTopology('app', 'web', spec, undefined, lookup, true)).toEqual({ ok: true, terms: [[zoneIn('us-east-1a', 'us-east-1b')]] });
  });

  it('what is missing is a problem, named, not a plan', () => {
    const problem = (claimName: string) => {
      const out = volumeTopology('app', 'p', withClaim(claimName), undefined, lookup);
      return out.ok ? undefined : out.problem;
    };
    expect(problem('no-such-claim')).toBe('PersistentVolumeClaim app/no-such-claim not found');
    expect(problem('bound-missing')).toMatch(/bound to PersistentVolume pv-gone, which is not found/);
    expect(problem('unbound-unknown-class')).toMatch(/StorageClass nope not found/);
    expect(problem('unbound-static')).toMatch(/storageClassName ""/);
    const noDefault = volumeLookupFrom({ claims: [claim('c', {})], volumes: [], storageClasses: [storageClass('plain')] });
    const out = volumeTopology('app', 'p', withClaim('c'), undefined, noDefault);
    expect(out).toEqual({ ok: false, problem: expect.stringMatching(/no default one/) });
  });

  it('a PersistentVolume with several terms gives one alternative per term; the product is capped', () => {
    const terms = Array.from({ length: 10 }, (_, i) => ({ matchExpressions: [{ key: ZONE, operator: 'In', values: [`z${i}`] }] }));
    const many = volumeLookupFrom({
      claims: [claim('x', { volumeName: 'wide' }), claim('y', { volumeName: 'wide' })],
      volumes: [pv('wide', { nodeAffinity: { required: { nodeSelectorTerms: terms } } })],
      storageClasses: [],
    });
    const one = volumeTopology('app', 'p', withClaim('x'), undefined, many);
    expect(one.ok && one.terms?.length).toBe(10);
    const spec = { volumes: [{ name: 'a', persistentVolumeClaim: { claimName: 'x' } }, { name: 'b', persistentVolumeClaim: { claimName: 'y' } }] };
    const both = volumeTopology('app', 'p', spec, undefined, many);
    expect(both.ok && both.terms?.length).toBe(MAX_TERMS);
  });

  it('malformed objects are read defensively: bad expressions are skipped, never thrown on', () => {
    const odd = volumeLookupFrom({
      claims: [claim('odd', { volumeName: 'weird' })],
      volumes: [pv('weird', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'Near', values: ['a'] }, null, 'x', { key: ZONE, operator: 'In', values: ['us-east-1a', 7] }] }] } } })],
      storageClasses: [],
    });
    expect(volumeTopology('app', 'p', withClaim('odd'), undefined, odd)).toEqual({ ok: true, terms: [[zoneIn('us-east-1a')]] });
    expect(volumeTopology('app', 'p', { volumes: 'nope' }, undefined, odd)).toEqual({ ok: true, terms: undefined });
    expect(volumeTopology('app', 'p', { volumes: [null, 3, { name: 'v', persistentVolumeClaim: { claimName: 5 } }] }, undefined, odd)).toEqual({ ok: true, terms: undefined });
  });
});
