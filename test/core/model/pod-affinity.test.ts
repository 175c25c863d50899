import { describe, expect, it } from 'vitest';
import { Labels } from '../../../core/model/labels.js';
import { labelSelectorMatches, podAffinityTopology, type PlacedPod } from '../../../core/model/pod-affinity.js';

const node = (name: string, zone: string) => ({ [Labels.hostname]: name, [Labels.zone]: zone });
const placed: PlacedPod[] = [
  { namespace: 'shop', labels: { app: 'cache' }, nodeLabels: node('n1', 'us-east-1a') },
  { namespace: 'shop', labels: { app: 'cache' }, nodeLabels: node('n2', 'us-east-1c') },
  { namespace: 'other', labels: { app: 'cache' }, nodeLabels: node('n3', 'us-east-1b') },
  { namespace: 'shop', labels: { app: 'db', tier: 'data' }, nodeLabels: node('n4', 'us-east-1b') },
];
const affinity = (...terms: Record<string, unknown>[]) => ({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } } });
const near = (app: string, topologyKey: string, extra: Record<string, unknown> = {}) => ({ topologyKey, labelSelector: { matchLabels: { app } }, ...extra });

describe('label selectors (full)', () => {
  it.each([
    [{ matchLabels: { app: 'db' } }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'cache'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Near' }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] }, false],
    [{ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, false],
    [{ matchExpressions: [{ key: 'toString', operator: 'NotIn', values: ['x'] }] }, true],
    [{}, true],
    [null, false],
  ])('%j on {app: db, tier: data} → %s', (selector, expected) => {
    expect(labelSelectorMatches(selector, { app: 'db', tier: 'data' })).toBe(expected);
  });
});

describe('required pod affinity as node requirements', () => {
  it('no pod affinity: the pod’s own terms', () => {
    expect(podAffinityTopology('shop', {}, { containers: [] }, undefined, placed)).toEqual({ ok: true, terms: undefined });
  });

  it('a zone term: the zones its matches run in, in its own namespace only by default', () => {
    expect(podAffinityTopology('shop', { app: 'web' }, affinity(near('cache', Labels.zone)), undefined, placed)).toEqual({ ok: true, terms: [[{ key: Labels.zone, operator: 'In', values: ['us-east-1a', 'us-east-1c'] }]] });
    const anyNs = podAffinityTopology('shop', { app: 'web' }, affinity(near('cache', Labels.zone, { namespaceSelector: {} })), undefined, placed);
    expect(anyNs).toEqual({ ok: true, terms: [[{ key: Labels.zone, operator: 'In', values: ['us-east-1a', 'us-east-1b', 'us-east-1c'] }]] });
    const listed = podAffinityTopology('shop', { app: 'web' }, affinity(near('cache', Labels.zone, { namespaces: ['other'] })), undefined, placed);
    expect(listed).toEqual({ ok: true, terms: [[{ key: Labels.zone, operator: 'In', values: ['us-east-1b'] }]] });
  });

  it('a hostname term: only the nodes its matches run on; several terms AND, with each of the pod’s own terms', () => {
    const own = [[{ key: Labels.arch, operator: 'In' as const, values: ['amd64'] }], [{ key: Labels.arch, operator: 'In' as const, values: ['arm64'] }]];
    const out = podAffinityTopology('shop', { app: 'web' }, affinity(near('cache', Labels.hostname), near('db', Labels.zone)), own, placed);
    const extra = [
      { key: Labels.hostname, operator: 'In', values: ['n1', 'n2'] },
      { key: Labels.zone, operator: 'In', values: ['us-east-1b'] },
    ];
    expect(out).toEqual({ ok: true, terms: [[...own[0], ...extra], [...own[1], ...extra]] });
  });

  it('nothing matches: the first pod of a self-attracting group goes anywhere; any other is a problem', () => {
    expect(podAffinityTopology('shop', { app: 'queue' }, affinity(near('queue', Labels.zone)), undefined, placed)).toEqual({ ok: true, terms: undefined, firstOfGroup: [Labels.zone], group: expect.any(String) });
    const out = podAffinityTopology('shop', { app: 'web' }, affinity(near('search', Labels.zone)), undefined, placed);
    expect(out).toEqual({ ok: false, problem: 'no running pod matches its required pod affinity (topology key topology.kubernetes.io/zone)' });
  });

  it('the first-of-a-group pass needs no term matched anywhere and every term matched by the pod itself (kube-scheduler)', () => {
    // One term satisfied (cache runs), the other only by the pod itself: kube-scheduler refuses it.
    const half = podAffinityTopology('shop', { app: 'queue' }, affinity(near('cache', Labels.zone), near('queue', Labels.zone)), undefined, placed);
    expect(half).toEqual({ ok: false, problem: 'no running pod matches its required pod affinity (topology key topology.kubernetes.io/zone)' });
    // Nothing matched anywhere, but the pod matches only one of its two terms: refused too.
    const partly = podAffinityTopology('shop', { app: 'queue' }, affinity(near('queue', Labels.zone), near('search', Labels.hostname)), undefined, placed);
    expect(partly.ok).toBe(false);
    // Nothing matched anywhere and the pod matches both: the first of its group.
    const both = podAffinityTopology('shop', { app: 'queue', tier: 'q' }, affinity(near('queue', Labels.zone), { topologyKey: Labels.hostname, labelSelector: { matchLabels: { tier: 'q' } } }), undefined, placed);
    expect(both).toEqual({ ok: true, terms: undefined, firstOfGroup: [Labels.hostname, Labels.zone].sort(), group: expect.any(String), nodeGroup: expect.any(String) });
    // The group is the terms in the namespace: the same terms elsewhere, or other terms, are another group.
    const again = podAffinityTopology('shop', { app: 'queue', tier: 'q', v: '2' }, affinity(near('queue', Labels.zone), { topologyKey: Labels.hostname, labelSelector: { matchLabels: { tier: 'q' } } }), undefined, placed);
    const elsewhere = podAffinityTopology('lab', { app: 'queue', tier: 'q' }, affinity(near('queue', Labels.zone), { topologyKey: Labels.hostname, labelSelector: { matchLabels: { tier: 'q' } } }), undefined, placed);
    expect(again.ok && both.ok && again.group === both.group).toBe(true);
    expect(elsewhere.ok && both.ok && elsewhere.group !== both.group).toBe(true);
    // The group is keyed on the zone terms: a pod listing only the zone term is in it too.
    const zoneOnly = podAffinityTopology('shop', { app: 'queue', tier: 'q' }, affinity(near('queue', Labels.zone)), undefined, placed);
    expect(zoneOnly.ok && both.ok && zoneOnly.group === both.group).toBe(true);
  });

  it('a namespaceSelector with labels: the namespaces whose labels it selects, with those listed; without namespace labels to read, a problem, not a guess', () => {
    const term = near('cache', Labels.zone, { namespaceSelector: { matchLabels: { team: 'a' } } });
    expect(podAffinityTopology('shop', { app: 'web' }, affinity(term), undefined, placed).ok).toBe(false);
    const teams: Record<string, Record<string, string>> = { shop: { team: 'b' }, other: { team: 'a' } };
    const lookup = (ns: string) => teams[ns];
    // Only "other" has team=a: its cache's zone, not the pod's own namespace's.
    expect(podAffinityTopology('shop', { app: 'web' }, affinity(term), undefined, placed, lookup)).toEqual({ ok: true, terms: [[{ key: Labels.zone, operator: 'In', values: ['us-east-1b'] }]] });
    // Listed namespaces join those selected.
    const both = podAffinityTopology('shop', { app: 'web' }, affinity({ ...term, namespaces: ['shop'] }), undefined, placed, lookup);
    expect(both).toEqual({ ok: true, terms: [[{ key: Labels.zone, operator: 'In', values: ['us-east-1a', 'us-east-1b', 'us-east-1c'] }]] });
    // A selector no namespace matches: nothing to run near.
    expect(podAffinityTopology('shop', { app: 'web' }, affinity(near('cache', Labels.zone, { namespaceSelector: { matchLabels: { team: 'z' } } })), undefined, placed, lookup).ok).toBe(false);
  });

  it('in flight: a zone term nothing placed satisfies is a question for the pods planned with it; any other key is still a problem', () => {
    const inFlight = { namespaces: ['shop', 'other', 'lab'] };
    // Without `inFlight`: as before.
    expect(podAffinityTopology('shop', { app: 'web' }, affinity(near('search', Labels.zone)), undefined, placed).ok).toBe(false);
    const own = [[{ key: Labels.arch, operator: 'In' as const, values: ['amd64'] }]];
    const out = podAffinityTopology('shop', { app: 'web' }, affinity(near('search', Labels.zone), near('db', Labels.zone)), own, placed, undefined, inFlight);
    // The satisfied term narrows the node terms as ever; the other is asked in the pod's namespace.
    expect(out).toEqual({
      ok: true,
      terms: [[...own[0], { key: Labels.zone, operator: 'In', values: ['us-east-1b'] }]],
      awaits: [{ topologyKey: Labels.zone, namespaces: ['shop'], labelSelector: { matchLabels: { app: 'search' } } }],
    });
    // Namespaces as the term reads them: listed, all, or selected by label among the cluster's.
    const teams: Record<string, Record<string, string>> = { shop: { team: 'b' }, other: { team: 'a' }, lab: { team: 'a' } };
    const scoped = (extra: Record<string, unknown>) => {
      const r = podAffinityTopology('shop', { app: 'web' }, affinity(near('search', Labels.zone, extra)), undefined, placed, (ns) => teams[ns], inFlight);
      return r.ok ? r.awaits?.[0].namespaces : r.problem;
    };
    expect(scoped({ namespaces: ['lab'] })).toEqual(['lab']);
    expect(scoped({ namespaceSelector: {} })).toBe('all');
    expect(scoped({ namespaceSelector: { matchLabels: { team: 'a' } } })).toEqual(['lab', 'other']);
    // A hostname term only a placed pod can satisfy (a planned node has no name yet).
    const host = podAffinityTopology('shop', { app: 'web' }, affinity(near('search', Labels.zone), near('search', Labels.hostname)), undefined, placed, undefined, inFlight);
    expect(host).toEqual({ ok: false, problem: 'no running pod matches its required pod affinity (topology key topology.kubernetes.io/zone)' });
    // The first of a self-attracting group is still that, not a question.
    expect(podAffinityTopology('shop', { app: 'queue' }, affinity(near('queue', Labels.zone)), undefined, placed, undefined, inFlight)).toEqual({ ok: true, terms: undefined, firstOfGroup: [Labels.zone], group: expect.any(String) });
  });
});
