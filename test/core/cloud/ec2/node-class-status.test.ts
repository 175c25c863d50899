/**
 * An EC2NodeClass's status (`Ec2CloudProvider.nodeClassStatus` against the in-memory EC2, and the
 * pure `nodeClassStatusFor` that turns a report into the object's status).
 */
import { describe, expect, it } from 'vitest';
import { instanceProfileName } from '../../../../core/cloud/ec2/instance-profiles.js';
import { NodeClassError, type EC2NodeClass } from '../../../../core/cloud/ec2/node-class.js';
import type { NodeClassReport } from '../../../../core/cloud/provider.js';
import { nodeClassStatusFor } from '../../../../core/controllers/node-class-status.js';
import { harness, nodeClass } from './builders.js';

function provider(classes: Map<string, EC2NodeClass | Error>) {
  return harness({
    nodeClasses: (name) => {
      const c = classes.get(name);
      if (c instanceof Error) throw c;
      return c;
    },
  });
}

describe('Ec2CloudProvider.nodeClassStatus', () => {
  it('ready: every matched subnet with its zone (full ones too), the groups with names, the newest image per architecture, the profile', async () => {
    const { provider: p } = provider(new Map([['default', nodeClass()]]));
    const report = await p.nodeClassStatus('default');
    expect(report).toEqual({
      ready: true,
      reason: 'Ready',
      message: '4 subnet(s) in us-east-1a, us-east-1b, us-east-1c; 1 security group(s); images ami-0a1 (amd64), ami-0b1 (arm64)',
      fields: {
        subnets: [
          { id: 'subnet-0a1', zone: 'us-east-1a' },
          { id: 'subnet-0a2', zone: 'us-east-1a' },
          { id: 'subnet-0b1', zone: 'us-east-1b' },
          { id: 'subnet-0c1', zone: 'us-east-1c' },
        ],
        securityGroups: [{ id: 'sg-0001', name: 'nodes' }],
        amis: [
          { id: 'ami-0a1', name: 'al2023-x86', architecture: 'amd64' },
          { id: 'ami-0b1', name: 'al2023-arm', architecture: 'arm64' },
        ],
        instanceProfile: 'SmartscaleNodeProfile',
      },
    });
  });

  it('a class with a role shows the instance profile smartscale manages for it', async () => {
    const withRole = nodeClass({ instanceProfile: undefined, role: 'KarpenterNodeRole-demo' });
    const { provider: p } = provider(new Map([['default', withRole]]));
    expect((await p.nodeClassStatus('default'))?.fields.instanceProfile).toBe(instanceProfileName('demo', 'KarpenterNodeRole-demo'));
  });

  it('not ready, with the reason: a selector matching nothing, an invalid spec; a class that does not exist: undefined', async () => {
    const classes = new Map<string, EC2NodeClass | Error>([
      ['typo', nodeClass({ amiSelectorTerms: [{ tags: { 'smartscale.io/discovery': 'demoo' } }] })],
      ['bad', new NodeClassError('bad', 'spec: must set exactly one of role and instanceProfile')],
    ]);
    const { provider: p } = provider(classes);
    expect(await p.nodeClassStatus('typo')).toEqual({ ready: false, reason: 'ResolutionFailed', message: expect.stringContaining('amiSelectorTerms match no available'), fields: {} });
    expect(await p.nodeClassStatus('bad')).toEqual({ ready: false, reason: 'InvalidSpec', message: 'EC2NodeClass bad: spec: must set exactly one of role and instanceProfile', fields: {} });
    expect(await p.nodeClassStatus('missing')).toBeUndefined();
  });
});

describe('nodeClassStatusFor', () => {
  const ready: NodeClassReport = { ready: true, reason: 'Ready', message: 'ok', fields: { subnets: [{ id: 's-1', zone: 'a' }], instanceProfile: 'p' } };
  const broken: NodeClassReport = { ready: false, reason: 'ResolutionFailed', message: 'no image', fields: {} };
  const object = (status?: object) => ({ metadata: { name: 'default', generation: 3 }, ...(status ? { status } : {}) });
  const T0 = Date.parse('2026-12-05T10:00:00Z');

  it('writes the fields and a Ready condition with the generation; nothing when the object already says it', () => {
    const first = nodeClassStatusFor(object(), ready, T0)!;
    expect(first).toEqual({ ...ready.fields, conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'ok', lastTransitionTime: '2026-12-05T10:00:00Z', observedGeneration: 3 }] });
    expect(nodeClassStatusFor(object(first), ready, T0 + 60_000)).toBeUndefined();
  });

  it('a change of readiness moves the transition time and drops the resolved fields; a new message alone keeps the time', () => {
    const first = nodeClassStatusFor(object(), ready, T0)!;
    const down = nodeClassStatusFor(object(first), broken, T0 + 60_000)!;
    expect(down).toEqual({ conditions: [{ type: 'Ready', status: 'False', reason: 'ResolutionFailed', message: 'no image', lastTransitionTime: '2026-12-05T10:01:00Z', observedGeneration: 3 }] });
    const again = nodeClassStatusFor(object(down), { ...broken, message: 'still no image' }, T0 + 120_000)!;
    expect(again.conditions[0]).toMatchObject({ message: 'still no image', lastTransitionTime: '2026-12-05T10:01:00Z' });
  });

  it('keeps conditions of other types someone else wrote', () => {
    const other = { type: 'ValidationSucceeded', status: 'True' };
    const next = nodeClassStatusFor(object({ conditions: [other] }), ready, T0)!;
    expect(next.conditions).toEqual([other, expect.objectContaining({ type: 'Ready' })]);
  });
});
