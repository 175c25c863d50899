/** The pure part of registration: which labels a claim's Node must carry, what to patch, and startup taints. */
import { describe, expect, it } from 'vitest';
import { labelChanges, missingTaints, registrationLabels, remainingStartupTaints } from '../../../core/controllers/claims.js';
import { existingNodeFromObject, nodeClaimFromObject } from '../../../core/controllers/objects.js';
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

describe('startup taints (pure parts)', () => {
  const AGENT = { key: 'example.com/agent-not-ready', value: 'true', effect: 'NoSchedule' as const };
  const DEDICATED = { key: 'dedicated', value: 'web', effect: 'NoSchedule' as const };
  const withStartup: NodeClaim = { ...claim([]), spec: { ...claim([]).spec, taints: [DEDICATED], startupTaints: [AGENT] } };
  const nodeObject = (taints: object[]) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', labels: {} },
    spec: { providerID: 'sim:///a/i-1', taints },
    status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '2', memory: '4Gi', pods: '17' } },
  });

  it('registration adds the claim’s taints only, never a startup taint the node no longer has', () => {
    expect(missingTaints([], withStartup.spec.taints)).toEqual([DEDICATED]);
    expect(missingTaints([DEDICATED], withStartup.spec.taints)).toEqual([]);
  });

  it('remainingStartupTaints: those still on the node, by key and effect', () => {
    expect(remainingStartupTaints([AGENT, DEDICATED], withStartup)).toEqual([AGENT]);
    expect(remainingStartupTaints([{ ...AGENT, effect: 'NoExecute' }], withStartup)).toEqual([]);
    expect(remainingStartupTaints([DEDICATED], withStartup)).toEqual([]);
    expect(remainingStartupTaints([AGENT], claim([]))).toEqual([]);
  });

  it('the planner sees the node without its startup taints, not initialized until they are gone', () => {
    const starting = existingNodeFromObject(nodeObject([AGENT, DEDICATED]), { pods: [], claim: withStartup });
    expect(starting.taints).toEqual([DEDICATED]);
    expect(starting.initialized).toBe(false);
    const ready = existingNodeFromObject(nodeObject([DEDICATED]), { pods: [], claim: withStartup });
    expect(ready.taints).toEqual([DEDICATED]);
    expect(ready.initialized).toBe(true);
    // Without a claim (a node smartscale did not launch) every taint counts.
    expect(existingNodeFromObject(nodeObject([AGENT]), { pods: [] }).taints).toEqual([AGENT]);
  });

  it('a NodeClaim object round-trips its startup taints; a claim without them has none', () => {
    const object = { metadata: { name: 'demo-abcde' }, spec: { nodePool: 'demo', taints: [DEDICATED], startupTaints: [AGENT] }, status: {} };
    expect(nodeClaimFromObject(object as never).spec.startupTaints).toEqual([AGENT]);
    expect(nodeClaimFromObject({ metadata: { name: 'x' }, spec: { nodePool: 'demo' } } as never).spec.startupTaints).toBeUndefined();
  });
});
