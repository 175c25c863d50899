import { describe, expect, it } from 'vitest';
import { ClusterAutoscaler } from '../../../../core/sim/baselines/cluster-autoscaler.js';
import { clusterOf, typeNamed } from '../builders.js';

const TYPE = typeNamed('m7g.xlarge'); // 7 slots of 500m/1Gi

describe('ClusterAutoscaler (documented defaults)', () => {
  it('scales up from pending pods, counting nodes already coming up', () => {
    const cluster = clusterOf();
    const ca = new ClusterAutoscaler(TYPE);
    cluster.setDesired(0, 10);
    ca.reconcile(0, cluster);
    expect(cluster.nodes.length).toBe(2); // ceil(10 / 7)
    cluster.setDesired(0, 12);
    ca.reconcile(10, cluster);
    expect(cluster.nodes.length).toBe(2); // the 2 upcoming nodes hold 14
  });

  it('removes an unneeded node only after 10 minutes below 50%, and not within 10 minutes of a scale-up', () => {
    const cluster = clusterOf();
    const ca = new ClusterAutoscaler(TYPE);
    cluster.setDesired(0, 14);
    ca.reconcile(0, cluster);
    cluster.warmStart(0);
    expect(cluster.nodes.length).toBe(2);
    cluster.setDesired(0, 4); // both nodes now under 50%; all 4 pods fit on one
    cluster.schedule(0);
    let removedAt = -1;
    for (let t = 10; t <= 1800 && removedAt < 0; t += 10) {
      ca.reconcile(t, cluster);
      cluster.schedule(t);
      if (cluster.nodes.length < 2) removedAt = t;
    }
    // Unneeded from 10 s; eligible 600 s later (scale-down-unneeded-time), and the delay after the
    // scale-up at 0 s has passed by then.
    expect(removedAt).toBe(610);
    expect(cluster.desired(0)).toBe(4);
  });

  it('does not remove a node whose pods do not fit elsewhere', () => {
    const cluster = clusterOf();
    const ca = new ClusterAutoscaler(TYPE);
    cluster.setDesired(0, 13);
    ca.reconcile(0, cluster);
    cluster.warmStart(0);
    // 13 pods over 2 nodes of 7: neither is under 50% long enough with room elsewhere.
    for (let t = 10; t <= 1800; t += 10) ca.reconcile(t, cluster);
    expect(cluster.nodes.length).toBe(2);
    expect(cluster.terminations).toBe(0);
  });
});
