/**
 * What the disruption loop hands the planner: a node without a NodeClaim (one that only carries a
 * pool's label, like a Karpenter node during a migration) is a place for pods but never a candidate
 * — only a claim's deletion removes a node, so a decision naming it would be chosen every pass and
 * never carried out, holding back every other one.
 */
import { describe, expect, it } from 'vitest';
import { plannerNodes } from '../../../core/controllers/disruption.js';
import { planDisruption } from '../../../core/disruption/planner.js';
import type { NodePoolDisruption } from '../../../core/model/node-pool.js';
import { existingNode, nodePool, pods, smallCatalog } from '../scheduling/builders.js';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const disruption: NodePoolDisruption = { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfterMs: 0, expireAfterMs: null, budgets: [{ nodes: '100%' }] };

describe('plannerNodes', () => {
  const foreign = existingNode({ name: 'karpenter-node', createdAt: NOW - 3_600_000, emptySince: NOW - 3_600_000 }); // pool label, no claim, empty
  const ours = existingNode({ name: 'ours', createdAt: NOW - 3_600_000, lastPodChangeAt: NOW - 3_600_000, pods: pods(1, { name: 'ours', cpu: 500, memoryMiB: 512, nodeName: 'ours' }) });
  const plan = (nodes: typeof foreign[]) => planDisruption({ now: NOW, nodes, nodePools: [nodePool({ disruption })], instanceTypes: smallCatalog(), pdbs: [], predictedPods: [] });

  it('a claimless node keeps no pool: never a decision, still a place for pods', () => {
    // As the loop passed it before: the empty claimless node is the decision, every pass.
    expect(plan([foreign, ours]).decision).toMatchObject({ method: 'Emptiness', nodes: ['karpenter-node'] });
    const nodes = plannerNodes([foreign, ours], new Map([['ours', {}]]), new Map());
    expect(nodes.find((n) => n.name === 'karpenter-node')?.nodePool).toBeUndefined();
    // Now our node's pod moves onto it and our node goes.
    expect(plan(nodes).decision).toMatchObject({ method: 'SingleNodeConsolidation', nodes: ['ours'], replacements: [] });
  });

  it('nodes being drained are left out', () => {
    expect(plannerNodes([foreign, ours], new Map([['ours', {}]]), new Map([['ours', {}]])).map((n) => n.name)).toEqual(['karpenter-node']);
  });
});
