import { describe, expect, it } from 'vitest';
import { driftOf } from '../../../core/disruption/drift.js';
import { planDisruption } from '../../../core/disruption/planner.js';
import type { ExistingNode, LaunchTemplate } from '../../../core/model/node.js';
import type { NodePool, NodePoolDisruption } from '../../../core/model/node-pool.js';
import { Labels } from '../../../core/model/labels.js';
import { existingNode, nodePool, pods, smallCatalog } from '../scheduling/builders.js';

const MINUTE = 60_000;
const NOW = Date.parse('2026-12-05T12:00:00Z');
const disruption: NodePoolDisruption = { consolidationPolicy: 'WhenEmpty', consolidateAfterMs: null, expireAfterMs: null, budgets: [{ nodes: '100%' }] };

const template: LaunchTemplate = { labels: { team: 'shop' }, taints: [{ key: 'dedicated', value: 'shop', effect: 'NoSchedule' }], nodeClassRef: { group: 'smartscale.io', kind: 'EC2NodeClass', name: 'default' } };
const pool = (o: Partial<NodePool> = {}) => nodePool({ labels: template.labels, taints: template.taints, nodeClassRef: template.nodeClassRef, disruption, ...o });
const launched = (o: Partial<ExistingNode> = {}) => existingNode({ name: 'n', launchedWith: template, createdAt: NOW - 60 * MINUTE, ...o });

describe('driftOf', () => {
  it('a node launched from the pool as it is has not drifted; taint order does not matter', () => {
    expect(driftOf(launched(), pool())).toBeUndefined();
    const two = [{ key: 'a', effect: 'NoSchedule' as const }, { key: 'b', value: 'x', effect: 'NoExecute' as const }];
    expect(driftOf(launched({ launchedWith: { ...template, taints: two } }), pool({ taints: [...two].reverse() }))).toBeUndefined();
  });

  it.each<[string, Partial<NodePool>, string]>([
    ['labels changed', { labels: { team: 'checkout' } }, "the NodePool's labels changed"],
    ['a label added', { labels: { team: 'shop', tier: 'web' } }, "the NodePool's labels changed"],
    ['a taint removed', { taints: [] }, "the NodePool's taints changed"],
    ['a taint value changed', { taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }] }, "the NodePool's taints changed"],
    ['another node class', { nodeClassRef: { group: 'smartscale.io', kind: 'EC2NodeClass', name: 'gpu' } }, 'the NodePool refers to another node class'],
  ])('drifted when %s', (_label, change, why) => {
    expect(driftOf(launched(), pool(change))).toBe(why);
  });

  it('drifted when the requirements no longer admit a label the node carries', () => {
    const narrowed = pool({ requirements: [{ key: Labels.instanceType, operator: 'In', values: ['c6i.large'] }] });
    expect(driftOf(launched(), narrowed)).toBe("its node.kubernetes.io/instance-type=m5.xlarge no longer meets the NodePool's requirements (In c6i.large)");
    const noSpot = pool({ requirements: [{ key: Labels.capacityType, operator: 'NotIn', values: ['spot'] }] });
    expect(driftOf(launched({ labels: { [Labels.capacityType]: 'spot' } }), noSpot)).toContain('no longer meets');
    expect(driftOf(launched({ labels: { [Labels.capacityType]: 'on-demand' } }), noSpot)).toBeUndefined();
  });

  it('a requirement on a label the node does not carry says nothing (never guessed as drift)', () => {
    const pinned = pool({ requirements: [{ key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c'] }] });
    expect(driftOf(launched(), pinned)).toBeUndefined();
  });

  it('drifted when the cloud says so (a Drifted condition on its claim), even with the pool unchanged', () => {
    const why = 'ImageDrift: the instance runs ami-1; the node class now selects ami-2';
    expect(driftOf(launched({ cloudDrift: why }), pool())).toBe(why);
    // Only for nodes smartscale launched: without a claim there is nothing to replace it by.
    expect(driftOf(launched({ launchedWith: undefined, cloudDrift: why }), pool())).toBeUndefined();
  });

  it('never a node smartscale did not launch (no claim to drain it by), whatever its labels', () => {
    const narrowed = pool({ labels: { team: 'other' }, requirements: [{ key: Labels.instanceType, operator: 'In', values: ['c6i.large'] }] });
    expect(driftOf(launched({ launchedWith: undefined }), narrowed)).toBeUndefined();
  });

  it('startup taints added to the pool do not drift running nodes (they only apply while a node starts)', () => {
    expect(driftOf(launched(), pool({ startupTaints: [{ key: 'cni-not-ready', effect: 'NoSchedule' }] }))).toBeUndefined();
  });
});

describe('the planner replaces drifted nodes', () => {
  // No taint in the template here: the pods must fit on a replacement from the changed pool.
  const untainted: LaunchTemplate = { ...template, taints: [] };
  const pool = (o: Partial<NodePool> = {}) => nodePool({ labels: untainted.labels, taints: [], nodeClassRef: untainted.nodeClassRef, disruption, ...o });
  const busy = pods(2, { name: 'n', cpu: 1000, memoryMiB: 1024, labels: { app: 'n' }, nodeName: 'n' });
  const plan = (p: NodePool, o: { pdbs?: Parameters<typeof planDisruption>[0]['pdbs'] } = {}) =>
    planDisruption({ now: NOW, nodes: [launched({ pods: busy, launchedWith: untainted })], nodePools: [p], instanceTypes: smallCatalog(), pdbs: o.pdbs ?? [], predictedPods: [] });

  it('one at a time, replacement first, saying why', () => {
    const decision = plan(pool({ labels: { team: 'checkout' } })).decision;
    expect(decision).toMatchObject({ method: 'Drift', reason: 'Drifted', nodes: ['n'], message: "drifted: the NodePool's labels changed" });
    expect(decision!.replacements.flatMap((r) => r.pods).sort()).toEqual(busy.map((p) => `default/${p.name}`).sort());
  });

  it('not while a PDB or the pool budget for Drifted forbids it', () => {
    const changed = { labels: { team: 'checkout' } };
    const pdb = plan(pool(changed), { pdbs: [{ namespace: 'default', name: 'n-pdb', selector: { app: 'n' }, disruptionsAllowed: 0 }] });
    expect(pdb.decision).toBeUndefined();
    expect(pdb.blocked).toContainEqual({ node: 'n', reason: 'drifted, but PodDisruptionBudget default/n-pdb allows no more evictions' });
    const budget = plan(pool({ ...changed, disruption: { ...disruption, budgets: [{ nodes: '0', reasons: ['Drifted'] }, { nodes: '100%' }] } }));
    expect(budget.decision).toBeUndefined();
    expect(budget.blocked).toContainEqual({ node: 'n', reason: 'drifted, but the disruption budget is exhausted' });
  });

  it('nothing when the pool is unchanged', () => {
    expect(plan(pool()).decision).toBeUndefined();
  });

  it('the replacement, once up and still empty, is not removed as empty (consolidateAfter 0); the drifted node is drained onto it', () => {
    const changed = pool({ labels: { team: 'checkout' }, disruption: { ...disruption, consolidateAfterMs: 0 } });
    const replacement = existingNode({ name: 'r', launchedWith: { ...untainted, labels: { team: 'checkout' } }, replaces: ['n'], createdAt: NOW - MINUTE, emptySince: NOW - MINUTE });
    const withReplacement = planDisruption({ now: NOW, nodes: [launched({ pods: busy, launchedWith: untainted }), replacement], nodePools: [changed], instanceTypes: smallCatalog(), pdbs: [], predictedPods: [] });
    expect(withReplacement.decision).toMatchObject({ method: 'Drift', nodes: ['n'], replacements: [] });
    expect(withReplacement.blocked).toContainEqual({ node: 'r', reason: 'replacement for n: kept until it is drained' });
    // Once n is gone, the replacement is an ordinary node again.
    const after = planDisruption({ now: NOW, nodes: [replacement], nodePools: [changed], instanceTypes: smallCatalog(), pdbs: [], predictedPods: [] });
    expect(after.decision).toMatchObject({ method: 'Emptiness', nodes: ['r'] });
  });

  it("a drifted node's pods are not planned onto another drifted node (they would move twice)", () => {
    const changed = pool({ labels: { team: 'checkout' } });
    const a = launched({ name: 'a', createdAt: NOW - 90 * MINUTE, pods: pods(1, { name: 'a', cpu: 500, memoryMiB: 512, nodeName: 'a' }), launchedWith: untainted });
    const b = launched({ name: 'b', createdAt: NOW - 60 * MINUTE, pods: pods(1, { name: 'b', cpu: 500, memoryMiB: 512, nodeName: 'b' }), launchedWith: untainted });
    const decision = planDisruption({ now: NOW, nodes: [a, b], nodePools: [changed], instanceTypes: smallCatalog(), pdbs: [], predictedPods: [] }).decision;
    expect(decision).toMatchObject({ method: 'Drift', nodes: ['a'] });
    expect(decision!.replacements.flatMap((r) => r.pods)).toEqual(a.pods.map((p) => `default/${p.name}`));
  });
});
