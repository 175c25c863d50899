import { describe, expect, it } from 'vitest';
import { DEFAULT_REPAIR_SETTINGS, planRepairs, type RepairNode } from '../../../core/disruption/repair.js';

const MIN = 60_000;
const NOW = 1_000 * MIN;

function node(name: string, overrides: Partial<RepairNode> = {}): RepairNode {
  return { name, claim: `claim-${name}`, nodePool: 'default', initialized: true, ready: 'True', readySince: NOW - 600 * MIN, deleting: false, repairing: false, ...overrides };
}

/** A node not Ready (status `ready`) for `minutes`. */
function down(name: string, minutes: number, overrides: Partial<RepairNode> = {}): RepairNode {
  return node(name, { ready: 'Unknown', readySince: NOW - minutes * MIN, ...overrides });
}

const healthy = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => node(`${prefix}${i}`));

describe('planRepairs', () => {
  it('leaves healthy nodes, and unhealthy ones within the toleration, alone', () => {
    expect(planRepairs([...healthy('h', 5)], NOW)).toEqual({ repairs: [], blocked: [] });
    expect(planRepairs([...healthy('h', 9), down('d', 29)], NOW)).toEqual({ repairs: [], blocked: [] });
  });

  it('repairs a node not Ready (False or Unknown) for the toleration, saying how long', () => {
    for (const ready of ['False', 'Unknown'] as const) {
      const plan = planRepairs([...healthy('h', 9), down('d', 30, { ready })], NOW);
      expect(plan.repairs).toEqual([expect.objectContaining({ node: 'd', claim: 'claim-d', nodePool: 'default', unhealthyForMs: 30 * MIN })]);
      expect(plan.repairs[0].message).toContain('30 min');
      expect(plan.blocked).toEqual([]);
    }
  });

  it('never repairs nodes it did not launch, nodes never Ready, or nodes without a transition time', () => {
    const plan = planRepairs(
      [...healthy('h', 9), down('unmanaged', 60, { claim: undefined, nodePool: undefined }), down('new', 60, { initialized: false }), down('no-time', 60, { readySince: undefined }), down('no-condition', 60, { ready: undefined })],
      NOW,
    );
    expect(plan.repairs).toEqual([]);
  });

  it('repairs the one unhealthy node of a small pool (Karpenter’s 20% breaker never would)', () => {
    const plan = planRepairs([...healthy('h', 2), down('d', 45)], NOW);
    expect(plan.repairs.map((r) => r.node)).toEqual(['d']);
  });

  it('blocks a pool with more than 20% (at least one) of its nodes unhealthy, counting those within the toleration too', () => {
    const plan = planRepairs([...healthy('h', 3), down('a', 40), down('b', 5)], NOW);
    expect(plan.repairs).toEqual([]);
    expect(plan.blocked).toEqual([{ kind: 'breaker', nodePool: 'default', nodes: ['a'], message: expect.stringContaining('2 of 5 nodes of the pool are not Ready') }]);
  });

  it('judges each pool alone, within a breaker over all of them', () => {
    const other = (n: RepairNode) => ({ ...n, nodePool: 'other' });
    const plan = planRepairs([...healthy('h', 14), down('a', 40), ...healthy('o', 1).map(other), other(down('x', 40)), other(down('y', 40))], NOW);
    expect(plan.repairs.map((r) => r.node)).toEqual(['a']);
    expect(plan.blocked.map((b) => [b.kind, b.nodePool])).toEqual([['breaker', 'other']]);
    // Every node unreachable (a control plane cut off): each small pool is within its own one-node
    // floor, but not the cluster: nothing is repaired.
    const pools = ['p1', 'p2', 'p3'].map((p) => ({ ...down(`${p}-n`, 40), nodePool: p }));
    const cut = planRepairs(pools, NOW);
    expect(cut.repairs).toEqual([]);
    expect(cut.blocked).toEqual([{ kind: 'breaker', nodePool: '*', nodes: ['p1-n', 'p2-n', 'p3-n'], message: expect.stringContaining('3 of 3 nodes in all pools') }]);
    // With a pool of 14 healthy nodes beside them, 3 of 17 is within 20%: each repaired.
    expect(planRepairs([...healthy('h', 14), ...pools], NOW).repairs.map((r) => r.node)).toEqual(['p1-n', 'p2-n', 'p3-n']);
    // With 9 beside them, 3 of 12 is not: held.
    expect(planRepairs([...healthy('h', 9), ...pools], NOW).repairs).toEqual([]);
  });

  it('does not count booting nodes (never Ready yet) as unhealthy', () => {
    const booting = (name: string) => node(name, { initialized: false, ready: 'False', readySince: NOW - MIN });
    const plan = planRepairs([...healthy('h', 3), down('d', 40), booting('b1'), booting('b2')], NOW);
    expect(plan.repairs.map((r) => r.node)).toEqual(['d']);
  });

  it('repairs one node of a pool at a time, the longest unhealthy first; the rest wait', () => {
    const plan = planRepairs([...healthy('h', 8), down('b', 40), down('a', 50)], NOW);
    expect(plan.repairs.map((r) => r.node)).toEqual(['a']);
    expect(plan.blocked).toEqual([{ kind: 'pacing', nodePool: 'default', nodes: ['b'], message: expect.stringContaining('1 node(s) wait') }]);
  });

  it('counts a repair in progress (its claim deleting) against the pool, and not as a live node', () => {
    const inFlight = down('r', 90, { deleting: true, repairing: true });
    const plan = planRepairs([...healthy('h', 9), inFlight, down('d', 40)], NOW);
    expect(plan.repairs).toEqual([]);
    expect(plan.blocked[0].nodes).toEqual(['d']);
    // A claim deleted for another reason (consolidation, a user) does not hold repairs back.
    const consolidating = down('c', 90, { deleting: true });
    expect(planRepairs([...healthy('h', 9), consolidating, down('d', 40)], NOW).repairs.map((r) => r.node)).toEqual(['d']);
  });

  it('follows the settings', () => {
    const nodes = [...healthy('h', 8), down('a', 12), down('b', 11)];
    expect(planRepairs(nodes, NOW, { ...DEFAULT_REPAIR_SETTINGS, toleranceMs: 10 * MIN, maxInFlight: 2 }).repairs.map((r) => r.node)).toEqual(['a', 'b']);
    expect(planRepairs(nodes, NOW, { ...DEFAULT_REPAIR_SETTINGS, toleranceMs: 10 * MIN, maxUnhealthyShare: 0.1 }).repairs).toEqual([]);
  });
});
