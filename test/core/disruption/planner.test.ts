import { describe, expect, it } from 'vitest';
import { planDisruption } from '../../../core/disruption/planner.js';
import type { DisruptionInput } from '../../../core/disruption/types.js';
import { Annotations, KARPENTER_DO_NOT_DISRUPT } from '../../../core/model/annotations.js';
import type { ExistingNode } from '../../../core/model/node.js';
import type { NodePoolDisruption } from '../../../core/model/node-pool.js';
import { existingNode, instanceType, nodePool, pod, pods, smallCatalog } from '../scheduling/builders.js';
import { Labels } from '../../../core/model/labels.js';

const MINUTE = 60_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');

const disruption: NodePoolDisruption = { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfterMs: 5 * MINUTE, expireAfterMs: null, budgets: [{ nodes: '100%' }] };

function node(name: string, o: Partial<ExistingNode> & { cpu?: number; memoryGiB?: number } = {}): ExistingNode {
  return existingNode({ name, createdAt: NOW - 60 * MINUTE, lastPodChangeAt: NOW - 60 * MINUTE, pricePerHour: 0.192, ...o });
}

function run(o: Partial<DisruptionInput> & { nodes: readonly ExistingNode[] }, poolDisruption: Partial<NodePoolDisruption> = {}) {
  return planDisruption({
    now: NOW,
    nodePools: [nodePool({ disruption: { ...disruption, ...poolDisruption } })],
    instanceTypes: smallCatalog(),
    pdbs: [],
    predictedPods: [],
    ...o,
  });
}

const busy = (name: string, count = 2, cpu = 1000) => pods(count, { name, cpu, memoryMiB: 1024, labels: { app: name }, nodeName: name });

describe('emptiness', () => {
  it.each<[string, Partial<ExistingNode>, Partial<NodePoolDisruption>, boolean]>([
    ['empty past consolidateAfter is removed', { emptySince: NOW - 10 * MINUTE }, {}, true],
    ['empty for less than consolidateAfter is kept', { emptySince: NOW - 1 * MINUTE }, {}, false],
    ['consolidateAfter Never keeps it', { emptySince: NOW - 10 * MINUTE }, { consolidateAfterMs: null }, false],
    ['WhenEmpty policy still removes empty nodes', { emptySince: NOW - 10 * MINUTE }, { consolidationPolicy: 'WhenEmpty' }, true],
    ['only DaemonSet pods counts as empty', { emptySince: NOW - 10 * MINUTE, pods: [pod({ daemonSet: true, nodeName: 'e' })] }, {}, true],
    ['smartscale.io/do-not-disrupt on the node protects it', { emptySince: NOW - 10 * MINUTE, annotations: { [Annotations.doNotDisrupt]: 'true' } }, {}, false],
    ['karpenter.sh/do-not-disrupt on the node protects it', { emptySince: NOW - 10 * MINUTE, annotations: { [KARPENTER_DO_NOT_DISRUPT]: 'true' } }, {}, false],
    ['a launching node is left alone', { emptySince: NOW - 10 * MINUTE, initialized: false }, {}, false],
    ['a zero budget blocks it', { emptySince: NOW - 10 * MINUTE }, { budgets: [{ nodes: '0' }] }, false],
  ])('%s', (_label, overrides, poolDisruption, removed) => {
    const plan = run({ nodes: [node('e', overrides), node('busy', { pods: busy('busy') })] }, poolDisruption);
    if (removed) {
      expect(plan.decision).toMatchObject({ method: 'Emptiness', reason: 'Empty', nodes: ['e'], savingsPerHour: 0.192 });
    } else {
      expect(plan.decision?.nodes ?? []).not.toContain('e');
    }
  });

  it('removes as many empty nodes as the budget allows, most expensive first', () => {
    const nodes = [node('a', { emptySince: 0, pricePerHour: 0.1 }), node('b', { emptySince: 0, pricePerHour: 0.3 }), node('c', { emptySince: 0, pricePerHour: 0.2 }), node('d', { pods: busy('d') })];
    const plan = run({ nodes }, { budgets: [{ nodes: '50%' }] });
    expect(plan.decision?.nodes).toEqual(['b', 'c']);
    expect(plan.blocked).toContainEqual({ node: 'a', reason: 'disruption budget exhausted' });
  });
});

describe('forecast-aware', () => {
  it('keeps an empty node the forecast needs, and says within which window the caller predicted', () => {
    // Priced below anything in the catalog, so no replacement can beat it either.
    const nodes = [node('warm', { emptySince: NOW - 30 * MINUTE, cpu: 4, pricePerHour: 0.05 }), node('full', { cpu: 2, pricePerHour: 0.05, pods: busy('full', 2, 1000) })];
    const predictedPods = pods(3, { name: 'web-next', cpu: 1000, predicted: true });
    const plan = run({ nodes, predictedPods });
    expect(plan.decision).toBeUndefined();
    expect(plan.blocked).toContainEqual({ node: 'warm', reason: 'forecast needs this capacity' });
    expect(run({ nodes, predictedPods, predictedWindow: 'lead' }).blocked).toContainEqual({ node: 'warm', reason: 'forecast needs this capacity within the node lead' });
    expect(run({ nodes, predictedPods, predictedWindow: { horizonSeconds: 900 } }).blocked).toContainEqual({ node: 'warm', reason: 'forecast needs this capacity within the forecast horizon (15m)' });
  });

  it('removes only the empty capacity the forecast does not need', () => {
    const nodes = [node('e1', { emptySince: 0, cpu: 4 }), node('e2', { emptySince: 0, cpu: 4 }), node('e3', { emptySince: 0, cpu: 4 })];
    const predictedPods = pods(6, { name: 'web-next', cpu: 1000, predicted: true });
    const plan = run({ nodes, predictedPods });
    expect(plan.decision?.method).toBe('Emptiness');
    expect(plan.decision?.nodes).toHaveLength(1);
  });

  it('pending pods keep capacity too', () => {
    const plan = run({ nodes: [node('e', { emptySince: 0, pricePerHour: 0.05 })], pendingPods: [pod({ cpu: 1000 })], predictedWindow: 'lead' });
    expect(plan.decision).toBeUndefined();
    expect(plan.blocked).toContainEqual({ node: 'e', reason: 'pods waiting for a node need this capacity' });
  });

  it('does not consolidate a node whose room the forecast needs', () => {
    // Two half-full nodes: merging them would fit today, but not with the predicted pods.
    const nodes = [node('n1', { pods: busy('n1', 2, 1000) }), node('n2', { pods: busy('n2', 2, 1000) })];
    expect(run({ nodes }).decision?.method).toMatch(/Consolidation/);
    const predictedPods = pods(4, { name: 'next', cpu: 1000, predicted: true });
    expect(run({ nodes, predictedPods }).decision).toBeUndefined();
  });

  it('predicted pods that need new capacity anyway do not block consolidation', () => {
    const nodes = [node('n1', { pods: busy('n1', 1, 500) }), node('n2', { pods: busy('n2', 1, 500) })];
    const predictedPods = pods(2, { name: 'huge', cpu: 12_000, predicted: true });
    expect(run({ nodes, predictedPods }).decision?.method).toMatch(/Consolidation/);
  });
});

describe('expiration', () => {
  const old = { createdAt: NOW - 31 * 24 * 60 * MINUTE };
  it('replaces an expired node, even though it costs more', () => {
    const plan = run({ nodes: [node('old', { ...old, pricePerHour: 0.05, pods: busy('old', 2, 1500) })] }, { expireAfterMs: 30 * 24 * 60 * MINUTE, consolidateAfterMs: null });
    expect(plan.decision).toMatchObject({ method: 'Expiration', reason: 'Expired', nodes: ['old'] });
    expect(plan.decision!.replacements.flatMap((r) => r.pods).sort()).toEqual(['default/old-0', 'default/old-1']);
    expect(plan.decision!.savingsPerHour).toBeLessThan(0);
  });

  it.each<[string, Partial<DisruptionInput>, Partial<NodePoolDisruption>]>([
    ['not expired yet', {}, { expireAfterMs: 90 * 24 * 60 * MINUTE }],
    ['expireAfter Never', {}, { expireAfterMs: null }],
    ['a PDB allows no eviction', { pdbs: [{ namespace: 'default', name: 'old-pdb', selector: { app: 'old' }, disruptionsAllowed: 0 }] }, { expireAfterMs: 1 }],
    ['the budget excludes Expired', {}, { expireAfterMs: 1, budgets: [{ nodes: '0', reasons: ['Expired'] }] }],
  ])('%s: nothing happens', (_label, input, poolDisruption) => {
    const plan = run({ nodes: [node('old', { ...old, pods: busy('old') })], ...input }, { consolidateAfterMs: null, ...poolDisruption });
    expect(plan.decision).toBeUndefined();
  });
});

describe('consolidation', () => {
  it('deletes a node whose pods fit on the others (single node)', () => {
    const nodes = [node('big', { cpu: 8, pricePerHour: 0.384, pods: busy('big', 2, 1000) }), node('small', { cpu: 4, pods: busy('small', 1, 500) })];
    const plan = run({ nodes });
    expect(plan.decision).toMatchObject({ method: 'SingleNodeConsolidation', reason: 'Underutilized', nodes: ['small'], replacements: [], savingsPerHour: 0.192 });
  });

  it('replaces several nodes with one cheaper node (multi node)', () => {
    const nodes = ['a', 'b', 'c'].map((n) => node(n, { cpu: 4, pricePerHour: 0.192, pods: busy(n, 1, 500) }));
    const plan = run({ nodes });
    expect(plan.decision?.method).toBe('MultiNodeConsolidation');
    expect(plan.decision?.nodes).toHaveLength(3);
    expect(plan.decision?.replacements).toHaveLength(1);
    expect(plan.decision!.savingsPerHour).toBeCloseTo(0.576 - plan.decision!.replacements[0].offering.pricePerHour, 6);
    expect(plan.decision!.savingsPerHour).toBeGreaterThan(0);
  });

  it('an on-demand node replaced by a node priced as spot: the replacement may launch as spot only (no dearer on-demand fall-back)', () => {
    const types = [instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096, capacityTypes: ['spot', 'on-demand'] }), instanceType({ name: 'm5.2xlarge', cpu: 8, memoryGiB: 32, price: 0.384, capacityTypes: ['spot', 'on-demand'] })];
    const pool = nodePool({ requirements: [{ key: Labels.capacityType, operator: 'In', values: ['spot', 'on-demand'] }], disruption });
    const big = node('big', { cpu: 8, memoryGiB: 32, capacityType: 'on-demand', instanceType: 'm5.2xlarge', pricePerHour: 0.384, pods: busy('big', 1, 500) });
    const d = planDisruption({ now: NOW, nodePools: [pool], instanceTypes: types, pdbs: [], predictedPods: [], nodes: [big] }).decision!;
    expect(d).toMatchObject({ method: 'SingleNodeConsolidation', nodes: ['big'] });
    expect(d.replacements[0].offering.capacityType).toBe('spot');
    expect(d.replacements[0].requirements.filter((q) => q.key === Labels.capacityType)).toEqual([{ key: Labels.capacityType, operator: 'In', values: ['spot'] }]);
  });

  it.each<[string, Partial<DisruptionInput>, (nodes: ExistingNode[]) => ExistingNode[], Partial<NodePoolDisruption>]>([
    ['a PDB with no disruptions allowed', { pdbs: [{ namespace: 'default', name: 'p', selector: { app: 'small' }, disruptionsAllowed: 0 }] }, (n) => n, {}],
    [
      'a pod with do-not-disrupt',
      {},
      (n) => n.map((x) => (x.name === 'small' ? { ...x, pods: x.pods.map((p) => ({ ...p, annotations: { [Annotations.doNotDisrupt]: 'true' } })) } : x)),
      {},
    ],
    ['the WhenEmpty policy', {}, (n) => n, { consolidationPolicy: 'WhenEmpty' }],
    ['pods changed too recently', {}, (n) => n.map((x) => ({ ...x, lastPodChangeAt: NOW - MINUTE })), {}],
  ])('is blocked by %s', (_label, input, edit, poolDisruption) => {
    const nodes = edit([node('big', { cpu: 8, pricePerHour: 0.384, pods: busy('big', 6, 1000) }), node('small', { cpu: 4, pods: busy('small', 1, 500) })]);
    const plan = run({ nodes, ...input }, poolDisruption);
    expect(plan.decision?.nodes ?? []).not.toContain('small');
  });

  it('a PDB that allows enough evictions does not block', () => {
    const nodes = [node('big', { cpu: 8, pricePerHour: 0.384, pods: busy('big', 2, 1000) }), node('small', { cpu: 4, pods: busy('small', 1, 500) })];
    const plan = run({ nodes, pdbs: [{ namespace: 'default', name: 'p', selector: { app: 'small' }, disruptionsAllowed: 1 }] });
    expect(plan.decision?.nodes).toEqual(['small']);
  });

  it('does nothing when no cheaper arrangement exists', () => {
    const nodes = [node('a', { cpu: 2, pricePerHour: 0.077, pods: busy('a', 1, 1800) }), node('b', { cpu: 2, pricePerHour: 0.077, pods: busy('b', 1, 1800) })];
    expect(run({ nodes }).decision).toBeUndefined();
  });

  it('emptiness comes before consolidation', () => {
    const nodes = [node('e', { emptySince: 0 }), node('a', { pods: busy('a', 1, 500) }), node('b', { pods: busy('b', 1, 500) })];
    expect(run({ nodes }).decision?.method).toBe('Emptiness');
  });

  it('leaves nodes it does not manage alone', () => {
    const plan = run({ nodes: [node('foreign', { nodePool: undefined, emptySince: 0 })] });
    expect(plan.decision).toBeUndefined();
  });
});

describe('spot-to-spot consolidation (Karpenter’s rules)', () => {
  // 20 general-purpose types, each sold as spot at 30% of on-demand; the spot pool allows spot only.
  const types = Array.from({ length: 20 }, (_, i) => instanceType({ name: `m${i + 5}.xlarge`, cpu: 4, memoryGiB: 16, price: 0.1 + i * 0.01, capacityTypes: ['spot'], spotPrice: 0.03 + i * 0.002 }));
  const big = instanceType({ name: 'm5.8xlarge', cpu: 32, memoryGiB: 128, price: 1.536, capacityTypes: ['spot'], spotPrice: 0.6 });
  const spotPool = nodePool({ requirements: [{ key: Labels.capacityType, operator: 'In', values: ['spot'] }], disruption });
  const spotNode = (name: string, price = 0.6) => node(name, { cpu: 32, memoryGiB: 128, capacityType: 'spot', instanceType: 'm5.8xlarge', pricePerHour: price, pods: busy(name, 2, 500) });
  const plan = (nodes: ExistingNode[], catalog = [...types, big], o: Partial<DisruptionInput> = {}) =>
    planDisruption({ now: NOW, nodePools: [spotPool], instanceTypes: catalog, pdbs: [], predictedPods: [], nodes, ...o });

  it('off by default: an underused spot node is not replaced by a cheaper spot node', () => {
    expect(plan([spotNode('s1')]).decision).toBeUndefined();
  });

  it('on: replaced from the 15 cheapest of the cheaper spot types, the claim narrowed to them', () => {
    const d = plan([spotNode('s1')], undefined, { spotToSpotConsolidation: true }).decision!;
    expect(d).toMatchObject({ method: 'SingleNodeConsolidation', nodes: ['s1'] });
    const [r] = d.replacements;
    expect(r.offering.capacityType).toBe('spot');
    expect(r.instanceTypeOptions).toHaveLength(15);
    expect(r.instanceTypeOptions.map((o) => o.instanceType)).toEqual(types.slice(0, 15).map((t) => t.name));
    const allowed = r.requirements.find((q) => q.key === Labels.instanceType && q.operator === 'In');
    expect(new Set(allowed?.values)).toEqual(new Set(types.slice(0, 15).map((t) => t.name)));
  });

  it('on, in a pool that also allows on-demand: the replacement is pinned to spot (no dearer on-demand fall-back)', () => {
    const both = types.map((t, i) => instanceType({ name: t.name, cpu: 4, memoryGiB: 16, price: 0.1 + i * 0.01, capacityTypes: ['spot', 'on-demand'], spotPrice: 0.03 + i * 0.002 }));
    const mixed = instanceType({ name: 'm5.8xlarge', cpu: 32, memoryGiB: 128, price: 1.536, capacityTypes: ['spot', 'on-demand'], spotPrice: 0.6 });
    const anyPool = nodePool({ requirements: [{ key: Labels.capacityType, operator: 'In', values: ['spot', 'on-demand'] }], disruption });
    const d = plan([spotNode('s1')], [...both, mixed], { spotToSpotConsolidation: true, nodePools: [anyPool] }).decision!;
    expect(d).toMatchObject({ method: 'SingleNodeConsolidation', nodes: ['s1'] });
    const capacity = d.replacements[0].requirements.filter((q) => q.key === Labels.capacityType);
    expect(capacity).toEqual([{ key: Labels.capacityType, operator: 'In', values: ['spot'] }]);
  });

  it("on, but the node's own type is among the 15 cheapest spot options: kept", () => {
    // The node runs m9.xlarge (5th cheapest) at a price above all 20 types: a move would only chase the price.
    const own = node('s1', { cpu: 4, memoryGiB: 16, capacityType: 'spot', instanceType: 'm9.xlarge', pricePerHour: 0.6, pods: busy('s1', 2, 500) });
    expect(plan([own], undefined, { spotToSpotConsolidation: true }).decision).toBeUndefined();
    const other = node('s1', { cpu: 4, memoryGiB: 16, capacityType: 'spot', instanceType: 'm24.xlarge', pricePerHour: 0.6, pods: busy('s1', 2, 500) });
    expect(plan([other], undefined, { spotToSpotConsolidation: true }).decision).toMatchObject({ nodes: ['s1'] });
  });

  it('on, but fewer than 15 cheaper types: kept', () => {
    expect(plan([spotNode('s1')], [...types.slice(0, 14), big], { spotToSpotConsolidation: true }).decision).toBeUndefined();
  });

  it('never several spot nodes into one spot node (where on-demand nodes would be)', () => {
    // Two nodes, each too full to take the other's pods; one 64-CPU spot node would hold both for less.
    const huge = instanceType({ name: 'm5.16xlarge', cpu: 64, memoryGiB: 256, price: 3.072, capacityTypes: ['spot', 'on-demand'], spotPrice: 0.9 });
    const full = (name: string, capacityType: 'spot' | 'on-demand') => node(name, { cpu: 32, memoryGiB: 128, capacityType, instanceType: 'm5.8xlarge', pricePerHour: 0.6, pods: busy(name, 2, 10_000) });
    const anyPool = nodePool({ requirements: [{ key: Labels.capacityType, operator: 'In', values: ['spot', 'on-demand'] }], disruption });
    const run2 = (capacityType: 'spot' | 'on-demand') =>
      planDisruption({ now: NOW, nodePools: [anyPool], instanceTypes: [huge], pdbs: [], predictedPods: [], nodes: [full('a', capacityType), full('b', capacityType)], spotToSpotConsolidation: true }).decision;
    expect(run2('on-demand')).toMatchObject({ method: 'MultiNodeConsolidation', nodes: ['a', 'b'] });
    expect(run2('spot')).toBeUndefined();
  });

  it('a spot node whose pods fit on the other nodes is still removed (no replacement, no spot-to-spot rule)', () => {
    const roomy = node('roomy', { cpu: 32, memoryGiB: 128, capacityType: 'on-demand', pricePerHour: 1.5, pods: [] , nodePool: undefined });
    const d = plan([spotNode('s1'), roomy]).decision;
    expect(d).toMatchObject({ nodes: ['s1'], replacements: [] });
  });
});
