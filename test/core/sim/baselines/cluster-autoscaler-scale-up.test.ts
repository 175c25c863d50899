/**
 * Scale-up of the Cluster Autoscaler model against what the real one counts (ADR 104): pods that fit
 * on the current nodes are not "unschedulable" (FilterOutSchedulable), and nodes still coming up are
 * capacity for the rest (upcoming nodes). Ticks below run in the engine's order: the strategy
 * (HPA, then CA) acts, then the scheduler binds.
 */
import { describe, expect, it } from 'vitest';
import { ClusterAutoscaler } from '../../../../core/sim/baselines/cluster-autoscaler.js';
import { HpaClusterAutoscalerStrategy } from '../../../../core/sim/baselines/strategies.js';
import type { SimCluster } from '../../../../core/sim/cluster.js';
import { prepareScenario, runStrategy, type Strategy, type TickContext } from '../../../../core/sim/engine.js';
import { clusterOf, NODE_TYPES, scenarioOf, segments, typeNamed } from '../builders.js';

const TYPE = typeNamed('m7g.xlarge'); // 7 slots of 500m/1Gi

/** One engine tick without the strategy's replica decisions: CA scans, the scheduler binds, pods start. */
function tick(ca: ClusterAutoscaler, cluster: SimCluster, now: number): void {
  ca.reconcile(now, cluster);
  cluster.schedule(now);
  cluster.advance(now);
}

/** A cluster of `nodes` Ready nodes of TYPE running `pods` pods, as a replay has after its warm start. */
function runningCluster(nodes: number, pods: number): SimCluster {
  const cluster = clusterOf();
  for (let i = 0; i < nodes; i++) cluster.launch(TYPE, 0);
  cluster.setDesired(0, pods);
  cluster.warmStart(0);
  return cluster;
}

describe('ClusterAutoscaler scale-up counts the capacity the scheduler is about to use', () => {
  it('does not launch again on the tick the nodes it launched become Ready', () => {
    const cluster = runningCluster(1, 7); // full
    const ca = new ClusterAutoscaler(TYPE);
    cluster.setDesired(0, 17); // 10 more pods: ceil(10 / 7) = 2 nodes
    const launchesBefore = cluster.launches;
    for (let t = 10; t <= 200; t += 10) tick(ca, cluster, t);
    // The 2 nodes launched at 10 s are Ready at 70 s; the 10 pods bind there in that tick's
    // scheduling pass, which CA's scan must not mistake for pods with nowhere to go.
    expect(cluster.launches - launchesBefore).toBe(2);
    expect(cluster.nodes.length).toBe(3);
    expect(cluster.pendingCount()).toBe(0);
  });

  it('does not launch for new pods that fit on Ready nodes with room', () => {
    const cluster = runningCluster(2, 8); // 14 slots, 6 free
    const ca = new ClusterAutoscaler(TYPE);
    cluster.setDesired(0, 14);
    tick(ca, cluster, 10);
    expect(cluster.nodes.length).toBe(2);
    expect(cluster.pendingCount()).toBe(0);
  });

  it('launches only for the pods that neither fit on Ready nodes nor on upcoming ones', () => {
    const cluster = runningCluster(2, 8); // 6 free
    const ca = new ClusterAutoscaler(TYPE);
    cluster.setDesired(0, 21); // 13 new: 6 fit, 7 need one node
    tick(ca, cluster, 10);
    expect(cluster.nodes.length).toBe(3);
    cluster.setDesired(0, 30); // 9 more: the upcoming node is full, so ceil(9 / 7) = 2 more
    tick(ca, cluster, 20);
    expect(cluster.nodes.length).toBe(5);
    for (let t = 30; t <= 200; t += 10) tick(ca, cluster, t);
    expect(cluster.nodes.length).toBe(5);
    expect(cluster.pendingCount()).toBe(0);
  });

  it('still scales up when pods wait and no node has room', () => {
    const cluster = runningCluster(1, 7);
    const ca = new ClusterAutoscaler(TYPE);
    cluster.setDesired(0, 8);
    tick(ca, cluster, 10);
    expect(cluster.nodes.length).toBe(2);
  });
});

/** Records, after each strategy step, the most replicas asked for so far. */
class Watched implements Strategy {
  maxDesired = 0;
  constructor(private readonly inner: HpaClusterAutoscalerStrategy) {}
  get name(): string {
    return this.inner.name;
  }
  get interruptionHandling() {
    return this.inner.interruptionHandling;
  }
  step(ctx: TickContext): void {
    this.inner.step(ctx);
    this.maxDesired = Math.max(this.maxDesired, ctx.cluster.totalDesired());
  }
}

describe('reactive-hpa-ca on a hand-made trace', () => {
  it('launches no node more than the pods ever asked for, on a demand step', () => {
    // 5 minutes at 20 rps, then 9 minutes at 60 rps: the HPA grows the Deployment in several
    // syncs, CA follows each; no scale-down can happen within 10 minutes of a scale-up.
    const prepared = prepareScenario(scenarioOf(segments([5, 20], [9, 60])));
    const strategy = new Watched(new HpaClusterAutoscalerStrategy(1, TYPE));
    const m = runStrategy(prepared, NODE_TYPES, strategy);
    expect(strategy.maxDesired).toBeGreaterThan(60); // the step did grow the Deployment
    expect(m.terminations).toBe(0);
    // All pods have one shape: ceil(pods / 7) nodes hold them all, so a faithful CA never has more.
    expect(m.launches).toBe(Math.ceil(strategy.maxDesired / TYPE.slots));
  });
});

describe('ClusterAutoscaler scale-down simulates on the room the pending pods leave', () => {
  it('does not count room the pending pods are about to take as a destination for a node\'s pods', () => {
    const cluster = clusterOf();
    for (let i = 0; i < 3; i++) cluster.launch(TYPE, 0);
    cluster.setDesired(0, 11);
    cluster.warmStart(0); // spread: 4 + 4 + 3 pods, 10 slots free
    const ca = new ClusterAutoscaler(TYPE);
    ca.reconcile(10, cluster);
    // With nothing pending, the least-utilized node (3 pods, 43%) fits in the others' 6 free slots.
    expect(cluster.nodes.filter((n) => !Number.isNaN(n.candidateSince))).toHaveLength(1);
    cluster.setDesired(0, 16); // 5 pending pods, which fit on the Ready nodes: no scale-up
    ca.reconcile(20, cluster);
    expect(cluster.nodes).toHaveLength(3);
    // …but they take 5 of the 10 free slots, and 3 pods no longer fit in the 1 left elsewhere.
    expect(cluster.nodes.filter((n) => !Number.isNaN(n.candidateSince))).toHaveLength(0);
  });
});
