import { describe, expect, it } from 'vitest';
import { clusterOf, typeNamed } from './builders.js';

describe('SimCluster', () => {
  it('binds pods to Ready nodes only, and makes them ready after the pod start delay', () => {
    const cluster = clusterOf();
    const node = cluster.launch(typeNamed('m7g.xlarge'), 0);
    cluster.setDesired(0, 3);
    cluster.schedule(30);
    expect(node.pods).toBe(0); // still launching until 60 s
    cluster.schedule(60);
    expect(node.pods).toBe(3);
    cluster.advance(79);
    expect(cluster.ready(0)).toBe(0);
    cluster.advance(80);
    expect(cluster.ready(0)).toBe(3);
  });

  it('lets a real pod preempt a placeholder; the placeholder goes pending (overprovisioning)', () => {
    const cluster = clusterOf();
    const node = cluster.launch(typeNamed('m7g.xlarge'), 0); // 7 slots
    cluster.setPlaceholders(7);
    cluster.warmStart(0);
    expect(node.placeholders).toBe(7);
    cluster.setDesired(0, 2);
    cluster.schedule(100);
    expect(node.pods).toBe(2);
    expect(node.placeholders).toBe(5);
    expect(cluster.pendingCount(true)).toBe(2); // the displaced placeholders want a node
    expect(cluster.pendingCount(false)).toBe(0);
    cluster.advance(120);
    expect(cluster.ready(0)).toBe(2);
  });

  it('evicts pods when a node terminates; their ReplicaSet recreates them pending, and billing stops', () => {
    const cluster = clusterOf();
    const a = cluster.launch(typeNamed('m7g.xlarge'), 0);
    cluster.launch(typeNamed('m7g.xlarge'), 0);
    cluster.setDesired(0, 4);
    cluster.warmStart(0);
    const before = cluster.costPerHour;
    const evicted = a.pods;
    cluster.terminate(a);
    expect(cluster.desired(0)).toBe(4);
    expect(cluster.ready(0)).toBe(4 - evicted);
    expect(cluster.pendingCount(false)).toBe(evicted);
    expect(cluster.costPerHour).toBeCloseTo(before - a.pricePerHour, 9);
    expect(cluster.terminations).toBe(1);
  });
});
