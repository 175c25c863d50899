import { describe, expect, it } from 'vitest';
import { PlannerDisruption } from '../../../core/sim/disruption.js';
import { DEFAULT_POD } from '../../../core/sim/scenario.js';
import { clusterOf, NODE_TYPES, typeNamed } from './builders.js';

/** Three 7-slot nodes holding 7 pods in all, so two could go. */
function halfEmptyCluster() {
  const cluster = clusterOf();
  for (let i = 0; i < 3; i++) cluster.launch(typeNamed('m7g.xlarge'), 0);
  cluster.setDesired(0, 7);
  cluster.warmStart(0);
  return cluster;
}

function drive(disruption: PlannerDisruption, cluster: ReturnType<typeof clusterOf>, predicted: number, until: number, slack?: number[]) {
  for (let t = 0; t <= until; t += 10) {
    disruption.reconcile(t, cluster, predicted, slack);
    cluster.schedule(t);
    cluster.advance(t);
  }
}

describe('PlannerDisruption (the production planner on the simulated cluster)', () => {
  it('consolidates nodes whose pods fit elsewhere, after the 15 s validation', () => {
    const cluster = halfEmptyCluster();
    const disruption = new PlannerDisruption(NODE_TYPES, DEFAULT_POD, ['app']);
    drive(disruption, cluster, 0, 10);
    expect(cluster.nodes.length).toBe(3);
    drive(disruption, cluster, 0, 300);
    expect(cluster.nodes.length).toBe(1);
    expect(disruption.decisions).toBeGreaterThan(0);
    expect(cluster.desired(0)).toBe(7);
  });

  it('keeps the free capacity the forecast needs within the horizon', () => {
    const cluster = halfEmptyCluster();
    const disruption = new PlannerDisruption(NODE_TYPES, DEFAULT_POD, ['app']);
    drive(disruption, cluster, 14, 300); // 7 running + 14 predicted = all 21 slots
    expect(cluster.nodes.length).toBe(3);
    expect(cluster.terminations).toBe(0);
  });

  it('plans as if slack pods did not exist: nodes they fill still consolidate', () => {
    // The same 7 pods, plus 14 slack pods filling every slot: with them visible nothing can go.
    const full = () => {
      const cluster = halfEmptyCluster();
      cluster.setDesired(0, 21);
      cluster.schedule(0);
      cluster.advance(100);
      return cluster;
    };
    const seen = full();
    drive(new PlannerDisruption(NODE_TYPES, DEFAULT_POD, ['app']), seen, 0, 300);
    expect(seen.nodes.length).toBe(3);
    // Told which are slack, and with the slack refilled to the slots left after each removal (as
    // the strategy does), it consolidates to one node as it did without them.
    const slack = full();
    const disruption = new PlannerDisruption(NODE_TYPES, DEFAULT_POD, ['app']);
    for (let t = 0; t <= 300; t += 10) {
      const slots = slack.nodes.reduce((n, node) => n + node.type.slots, 0);
      slack.setDesired(0, slots);
      disruption.reconcile(t, slack, 0, [slots - 7]);
      slack.schedule(t);
      slack.advance(t);
    }
    expect(slack.nodes.length).toBe(1);
    expect(slack.desired(0)).toBe(7);
  });

  it('reuses a node\'s snapshot between plans only while its pods are unchanged', () => {
    const cluster = clusterOf(2);
    for (let i = 0; i < 3; i++) cluster.launch(typeNamed('m7g.xlarge'), 0);
    cluster.setDesired(0, 6);
    cluster.setDesired(1, 3);
    cluster.warmStart(0);
    const disruption = new PlannerDisruption(NODE_TYPES, DEFAULT_POD, ['web', 'api']);
    const first = disruption.snapshot(cluster);
    expect(disruption.snapshot(cluster)).toEqual(first);
    expect(disruption.snapshot(cluster).every((n, i) => n === first[i])).toBe(true);

    cluster.setDesired(1, 1); // removes two api pods from some node(s)
    const second = disruption.snapshot(cluster);
    const fresh = new PlannerDisruption(NODE_TYPES, DEFAULT_POD, ['web', 'api']).snapshot(cluster);
    expect(second).toEqual(fresh);
    const apiPods = (nodes: typeof first) => nodes.flatMap((n) => n.pods).filter((p) => p.labels.app === 'api').length;
    expect(apiPods(first)).toBe(3);
    expect(apiPods(second)).toBe(1);
    const changed = second.filter((n, i) => n !== first[i]);
    expect(changed.length).toBeGreaterThan(0);
    for (const n of changed) expect(n.pods.length).toBeLessThan(first.find((f) => f.name === n.name)!.pods.length);
  });
});
