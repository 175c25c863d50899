/** The pure part of registration: which labels a claim's Node must carry, and what to patch. */
import { describe, expect, it } from 'vitest';
import { labelChanges, missingTaints, registrationLabels } from '../../../core/controllers/claims.js';
import { Labels } from '../../../core/model/labels.js';
import type { NodeClaim } from '../../../core/model/node-claim.js';
import type { Requirement } from '../../../core/model/requirements.js';

function claim(requirements: Requirement[], status: Partial<NodeClaim['status']> = {}, labels: Record<string, string> = {}): NodeClaim {
  return {
    name: 'demo-abcde',
    createdAt: 0,
    spec: { nodePool: 'demo', requirements, requests: { milliCpu: 0, memoryBytes: 0, pods: 0, gpus: 0 }, instanceTypeOptions: ['t3.medium'], taints: [], labels },
    status: { conditions: [], ...status },
  };
}

describe('registrationLabels', () => {
  it.each([
    {
      what: 'the launch decides type, zone and capacity type over requirements allowing several',
      claim: claim([{ key: Labels.capacityType, operator: 'In', values: ['on-demand', 'spot'] }, { key: Labels.zone, operator: 'In', values: ['a', 'b'] }], { instanceType: 't3.medium', zone: 'b', capacityType: 'spot' }),
      type: { [Labels.instanceFamily]: 't3', [Labels.instanceType]: 't3.medium' } as Record<string, string>,
      want: { [Labels.capacityType]: 'spot', [Labels.zone]: 'b', [Labels.instanceType]: 't3.medium', [Labels.instanceFamily]: 't3', [Labels.nodePool]: 'demo' },
    },
    {
      what: 'requirements pinned to one value and the pool labels; never the hostname',
      claim: claim([{ key: 'team', operator: 'In', values: ['blue'] }, { key: Labels.hostname, operator: 'In', values: ['x'] }, { key: 'tier', operator: 'NotIn', values: ['a'] }], {}, { env: 'prod' }),
      type: {} as Record<string, string>,
      want: { team: 'blue', env: 'prod', [Labels.nodePool]: 'demo' },
    },
    {
      what: 'what the launch decided wins over a type label of another spelling',
      claim: claim([], { instanceType: 'm6i.large' }),
      type: { [Labels.instanceType]: 'stale' } as Record<string, string>,
      want: { [Labels.instanceType]: 'm6i.large', [Labels.nodePool]: 'demo' },
    },
  ])('$what', ({ claim: c, type, want }) => {
    expect(registrationLabels(c, type)).toEqual(want);
  });
});

describe('labelChanges', () => {
  it('patches what is missing, reports what differs, leaves what agrees', () => {
    expect(labelChanges({ a: '1', b: '2' }, { a: '1', b: '3', c: '4' })).toEqual({ missing: { c: '4' }, conflicting: [{ key: 'b', node: '2', claim: '3' }] });
  });
});

describe('missingTaints', () => {
  it('a taint counts as present by key and effect', () => {
    const node = [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' as const }];
    const want = [
      { key: 'dedicated', value: 'other', effect: 'NoSchedule' as const },
      { key: 'dedicated', value: 'web', effect: 'NoExecute' as const },
    ];
    expect(missingTaints(node, want)).toEqual([want[1]]);
  });
});
