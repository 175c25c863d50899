import { describe, expect, it } from 'vitest';
import { Consolidator, provision } from '../../../../core/sim/baselines/karpenter.js';
import { DEFAULT_POD } from '../../../../core/sim/scenario.js';
import { SolverPlanner } from '../../../../core/sim/planner.js';
import { clusterOf, NODE_TYPES, typeNamed } from '../builders.js';

const planner = new SolverPlanner(NODE_TYPES, DEFAULT_POD);

describe('Karpenter model', () => {
  it('provisions cheapest-fit nodes through the production solver, after the 1 s batch idle window', () => {
    const cluster = clusterOf();
    cluster.setDesired(0, 40);
    const launched = provision(100, cluster, planner, 1);
    expect(launched).toBeGreaterThan(0);
    const slots = cluster.nodes.reduce((s, n) => s + n.type.slots, 0);
    expect(slots).toBeGreaterThanOrEqual(40);
    for (const n of cluster.nodes) expect(n.readyAt).toBe(100 + 1 + 60);
    // Pods already covered by launching nodes launch nothing more.
    expect(provision(110, cluster, planner, 1)).toBe(0);
  });

  it('deletes underutilized nodes whose pods fit elsewhere after the 15 s validation, one per pass (10% budget, rounded up)', () => {
    const cluster = clusterOf();
    for (let i = 0; i < 3; i++) cluster.launch(typeNamed('m7g.xlarge'), 0);
    cluster.setDesired(0, 14);
    cluster.warmStart(0);
    cluster.setDesired(0, 7); // doubled-up pods go first: 7 pods left on… at most 2 nodes
    const consolidator = new Consolidator(planner);
    const counts: number[] = [];
    for (let t = 0; t <= 60; t += 10) {
      consolidator.reconcile(t, cluster);
      cluster.schedule(t);
      counts.push(cluster.nodes.length);
    }
    expect(counts[0]).toBe(3);
    expect(counts[1]).toBe(3); // candidate since 0, validated at 15 s
    expect(counts.at(-1)).toBe(1); // ceil(10% of 3) = 1 node per pass; 7 pods end on one node
    expect(cluster.desired(0)).toBe(7);
  });

  it('does not disrupt while pods are pending or nodes are launching', () => {
    const cluster = clusterOf();
    cluster.launch(typeNamed('m7g.xlarge'), 0);
    cluster.launch(typeNamed('m7g.xlarge'), 0); // both still launching until 60 s
    const consolidator = new Consolidator(planner);
    for (let t = 0; t < 60; t += 10) consolidator.reconcile(t, cluster);
    expect(cluster.nodes.length).toBe(2);
  });
});
