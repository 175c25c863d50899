import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REPAIR_SETTINGS,
  planRepairs,
  repairPolicies,
  WELL_KNOWN_REPAIR_POLICIES,
  type ConditionStatus,
  type NodeCondition,
  type RepairNode,
} from '../../../core/disruption/repair.js';

const MIN = 60_000;
const NOW = 1_000 * MIN;

/** Condition `type` with `status` since `minutes` ago. */
const cond = (type: string, status: ConditionStatus, minutes: number, extra: Partial<NodeCondition> = {}): NodeCondition => ({ type, status, since: NOW - minutes * MIN, ...extra });

function node(name: string, overrides: Partial<RepairNode> = {}): RepairNode {
  return { name, claim: `claim-${name}`, nodePool: 'default', initialized: true, conditions: [cond('Ready', 'True', 600)], deleting: false, repairing: false, ...overrides };
}

/** A node not Ready (Ready `ready`, Unknown unless said) for `minutes`. */
function down(name: string, minutes: number, overrides: Partial<RepairNode> & { ready?: ConditionStatus } = {}): RepairNode {
  const { ready = 'Unknown', ...rest } = overrides;
  return node(name, { conditions: [cond('Ready', ready, minutes)], ...rest });
}

/** A node still Ready whose condition `type` has had `status` for `minutes`. */
function sick(name: string, type: string, status: ConditionStatus, minutes: number, extra: Partial<NodeCondition> = {}): RepairNode {
  return node(name, { conditions: [cond('Ready', 'True', 600), cond(type, status, minutes, extra)] });
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
      [...healthy('h', 9), down('unmanaged', 60, { claim: undefined, nodePool: undefined }), down('new', 60, { initialized: false }), node('no-time', { conditions: [{ type: 'Ready', status: 'Unknown' }] }), node('no-condition', { conditions: [] })],
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
    expect(plan.blocked).toEqual([{ kind: 'breaker', nodePool: 'default', nodes: ['a'], message: expect.stringContaining('2 of 5 nodes of the pool are unhealthy') }]);
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
    const booting = (name: string) => node(name, { initialized: false, conditions: [cond('Ready', 'False', 1)] });
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
    const policies = repairPolicies(10 * MIN);
    expect(planRepairs(nodes, NOW, { ...DEFAULT_REPAIR_SETTINGS, policies, maxInFlight: 2 }).repairs.map((r) => r.node)).toEqual(['a', 'b']);
    expect(planRepairs(nodes, NOW, { ...DEFAULT_REPAIR_SETTINGS, policies, maxUnhealthyShare: 0.1 }).repairs).toEqual([]);
  });

  describe('conditions besides Ready', () => {
    const healthyStatus = (s: ConditionStatus): ConditionStatus => (s === 'True' ? 'False' : 'True');

    it.each(WELL_KNOWN_REPAIR_POLICIES.map((p) => [p.conditionType, p.status, p.tolerationMs / MIN] as const))(
      'repairs a Ready node with %s %s after %i min, not before, and not with the healthy status',
      (type, status, tolerationMinutes) => {
        const before = planRepairs([...healthy('h', 9), sick('d', type, status, tolerationMinutes - 1)], NOW);
        expect(before).toEqual({ repairs: [], blocked: [] });
        const after = planRepairs([...healthy('h', 9), sick('d', type, status, tolerationMinutes)], NOW);
        expect(after.repairs).toEqual([expect.objectContaining({ node: 'd', condition: `${type}=${status}`, unhealthyForMs: tolerationMinutes * MIN })]);
        expect(planRepairs([...healthy('h', 9), sick('d', type, healthyStatus(status), 600)], NOW).repairs).toEqual([]);
      },
    );

    it('has Karpenter’s AWS tolerations for the node monitoring agent’s conditions, NPD’s permanent ones too', () => {
      const table = Object.fromEntries(WELL_KNOWN_REPAIR_POLICIES.map((p) => [`${p.conditionType}=${p.status}`, p.tolerationMs / MIN]));
      expect(table).toEqual({
        'AcceleratedHardwareReady=False': 10,
        'ContainerRuntimeReady=False': 30,
        'KernelReady=False': 30,
        'NetworkingReady=False': 30,
        'StorageReady=False': 30,
        'KernelDeadlock=True': 10,
        'ReadonlyFilesystem=True': 10,
        'FrequentKubeletRestart=True': 30,
      });
      // Ready keeps its own toleration (controller.nodeRepairAfter).
      expect(repairPolicies(45 * MIN).filter((p) => p.conditionType === 'Ready')).toEqual([
        { conditionType: 'Ready', status: 'False', tolerationMs: 45 * MIN },
        { conditionType: 'Ready', status: 'Unknown', tolerationMs: 45 * MIN },
      ]);
    });

    it('says which condition, its status, how long, the toleration, and what the detector reported', () => {
      const withReason = sick('d', 'KernelReady', 'False', 42, { reason: 'KernelBug', message: 'kernel oops in nvme driver' });
      const [r] = planRepairs([...healthy('h', 9), withReason], NOW).repairs;
      expect(r.message).toBe('node d has been KernelReady False for 42 min (tolerated: 30 min; KernelBug: kernel oops in nvme driver): replacing it');
      const [bare] = planRepairs([...healthy('h', 9), sick('d', 'KernelDeadlock', 'True', 11)], NOW).repairs;
      expect(bare.message).toBe('node d has been KernelDeadlock True for 11 min (tolerated: 10 min): replacing it');
      const long = sick('d', 'StorageReady', 'False', 31, { reason: 'IODelays', message: 'x'.repeat(5000) });
      const [cut] = planRepairs([...healthy('h', 9), long], NOW).repairs;
      expect(cut.message.length).toBeLessThan(400);
      expect(cut.message).toContain('IODelays: xxx');
      expect(cut.message).toContain('…): replacing it');
    });

    it('leaves a node whose condition is healthy again (its transition time is then the recovery’s)', () => {
      const recovered = node('d', { conditions: [cond('Ready', 'True', 600), cond('KernelReady', 'True', 1)] });
      expect(planRepairs([...healthy('h', 9), recovered], NOW)).toEqual({ repairs: [], blocked: [] });
      // Not counted by the breaker either: the other node is repaired.
      expect(planRepairs([...healthy('h', 3), recovered, down('x', 40)], NOW).repairs.map((r) => r.node)).toEqual(['x']);
    });

    it('reads only the conditions the policies name, and never one without a transition time', () => {
      const unlisted = sick('u', 'SomethingElse', 'False', 600);
      const untimed = node('t', { conditions: [cond('Ready', 'True', 600), { type: 'KernelReady', status: 'False' }] });
      expect(planRepairs([...healthy('h', 9), unlisted, untimed], NOW).repairs).toEqual([]);
      // A user's own condition (with a DNS prefix) counts once it is a policy; the well-known ones no longer do.
      const gpu = sick('g', 'example.com/GPUReady', 'False', 11);
      const policies = repairPolicies(30 * MIN, [{ conditionType: 'example.com/GPUReady', status: 'False', tolerationMs: 10 * MIN }]);
      const plan = planRepairs([...healthy('h', 9), gpu, sick('k', 'KernelReady', 'False', 600)], NOW, { ...DEFAULT_REPAIR_SETTINGS, policies });
      expect(plan.repairs.map((r) => [r.node, r.condition])).toEqual([['g', 'example.com/GPUReady=False']]);
    });

    it('counts nodes unhealthy by any policy in the breaker, within their toleration too', () => {
      const plan = planRepairs([...healthy('h', 3), down('a', 40), sick('b', 'KernelDeadlock', 'True', 2)], NOW);
      expect(plan.repairs).toEqual([]);
      expect(plan.blocked).toEqual([{ kind: 'breaker', nodePool: 'default', nodes: ['a'], message: expect.stringContaining('2 of 5 nodes of the pool are unhealthy') }]);
      // A node with two bad conditions is one unhealthy node: within the one-node floor.
      const twice = node('c', { conditions: [cond('Ready', 'Unknown', 40), cond('NetworkingReady', 'False', 40)] });
      expect(planRepairs([...healthy('h', 3), twice], NOW).repairs.map((r) => r.node)).toEqual(['c']);
    });

    it("a problem detector's condition gets no one-node floor: repaired in pools of 5 or more, not in a smaller one (a detector wrong on every node must not replace a one-node pool for ever)", () => {
      expect(planRepairs([...healthy('h', 4), sick('k', 'KernelReady', 'False', 40)], NOW).repairs.map((r) => r.node)).toEqual(['k']);
      for (const others of [0, 1, 3]) {
        const plan = planRepairs([...healthy('h', others), sick('k', 'KernelReady', 'False', 40)], NOW);
        expect(plan.repairs, `${others + 1} node(s)`).toEqual([]);
        expect(plan.blocked).toEqual([{ kind: 'breaker', nodePool: 'default', nodes: ['k'], message: expect.stringContaining("a problem detector's condition is repaired only where one node is within that") }]);
      }
      // Not Ready as well: the kubelet's word, the one-node floor holds.
      const both = node('k', { conditions: [cond('Ready', 'Unknown', 40), cond('KernelReady', 'False', 40)] });
      expect(planRepairs([both], NOW).repairs.map((r) => r.node)).toEqual(['k']);
    });

    it('repairs for the condition due first, and takes the node due longest first', () => {
      // Ready Unknown 20 min (due in 10), AcceleratedHardwareReady False 12 min (due 2 min ago).
      const both = node('a', { conditions: [cond('Ready', 'Unknown', 20), cond('AcceleratedHardwareReady', 'False', 12)] });
      expect(planRepairs([...healthy('h', 9), both], NOW).repairs.map((r) => [r.node, r.condition, r.unhealthyForMs / MIN])).toEqual([['a', 'AcceleratedHardwareReady=False', 12]]);
      // k: KernelReady False 35 min (due 5 min ago); g: AcceleratedHardwareReady False 20 min (due 10 min ago): g first.
      const plan = planRepairs([...healthy('h', 9), sick('k', 'KernelReady', 'False', 35), sick('g', 'AcceleratedHardwareReady', 'False', 20)], NOW);
      expect(plan.repairs.map((r) => r.node)).toEqual(['g']);
      expect(plan.blocked).toEqual([expect.objectContaining({ kind: 'pacing', nodes: ['k'] })]);
    });
  });
});
