import { describe, expect, it } from 'vitest';
import { daemonSetRunsOn, daemonSetShare, typesByPoolLessDaemonSets } from '../../../core/model/daemonset-overhead.js';
import { Labels } from '../../../core/model/labels.js';
import { GIB, MIB } from '../../../core/model/quantity.js';
import { solve } from '../../../core/scheduling/solver.js';
import { instanceType, nodePool, pods } from '../scheduling/builders.js';

const m5 = instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096 });
const g4 = instanceType({ name: 'g4dn.xlarge', cpu: 4, memoryGiB: 16, price: 0.526, gpus: 1 });

const daemonSetOverhead = (...args: Parameters<typeof daemonSetShare>) => daemonSetShare(...args).requests;

function daemonSet(name: string, spec: Record<string, unknown> = {}, cpu = '100m', memory = '128Mi') {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'kube-system' },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory } } }], ...spec } } },
  };
}

describe('DaemonSet overhead of a new node', () => {
  it('sums the requests (and a pod slot) of every DaemonSet that runs there', () => {
    const overhead = daemonSetOverhead([daemonSet('kube-proxy'), daemonSet('aws-node', {}, '25m', '64Mi')], nodePool(), m5);
    expect(overhead).toEqual({ milliCpu: 125, memoryBytes: 192 * MIB, pods: 2, gpus: 0 });
  });

  it('a pool taint the DaemonSet does not tolerate keeps it off; one it tolerates (or a startup taint) does not', () => {
    const tainted = nodePool({ taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }], startupTaints: [{ key: 'node.cilium.io/agent-not-ready', effect: 'NoExecute' }] });
    expect(daemonSetRunsOn(daemonSet('plain'), tainted, m5)).toBe(false);
    expect(daemonSetRunsOn(daemonSet('tolerant', { tolerations: [{ operator: 'Exists' }] }), tainted, m5)).toBe(true);
    expect(daemonSetRunsOn(daemonSet('cilium'), nodePool({ startupTaints: tainted.startupTaints }), m5)).toBe(true);
  });

  it('node selectors and affinity are judged on the type’s labels, the pool’s labels and its requirements', () => {
    const gpuOnly = daemonSet('nvidia', { nodeSelector: { [Labels.instanceGpuCount]: '1' } });
    expect(daemonSetRunsOn(gpuOnly, nodePool(), g4)).toBe(true);
    expect(daemonSetRunsOn(gpuOnly, nodePool(), m5)).toBe(false);
    const labelled = daemonSet('team-agent', { nodeSelector: { team: 'payments' } });
    expect(daemonSetRunsOn(labelled, nodePool({ labels: { team: 'payments' } }), m5)).toBe(true);
    expect(daemonSetRunsOn(labelled, nodePool(), m5)).toBe(false); // the node will not have the label
    const spotOnly = daemonSet('spot-handler', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: Labels.capacityType, operator: 'In', values: ['spot'] }] }] } } } });
    expect(daemonSetRunsOn(spotOnly, nodePool({ requirements: [{ key: Labels.capacityType, operator: 'In', values: ['on-demand'] }] }), m5)).toBe(false);
    expect(daemonSetRunsOn(spotOnly, nodePool({ requirements: [{ key: Labels.capacityType, operator: 'In', values: ['spot', 'on-demand'] }] }), m5)).toBe(true);
    // Zone, OS, hostname: every node has them at run time.
    const zonal = daemonSet('zonal', { nodeSelector: { [Labels.zone]: 'us-east-1a', 'kubernetes.io/os': 'linux' } });
    expect(daemonSetRunsOn(zonal, nodePool(), m5)).toBe(true);
    // Terms are ORed.
    const either = daemonSet('either', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, { matchExpressions: [{ key: Labels.arch, operator: 'In', values: ['amd64'] }] }] } } } });
    expect(daemonSetRunsOn(either, nodePool(), m5)).toBe(true);
  });

  it('per pool, the types offer their allocatable less the overhead; deleted DaemonSets and bad quantities count nothing', () => {
    const deleting = { ...daemonSet('old'), metadata: { name: 'old', namespace: 'kube-system', deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const broken = daemonSet('broken', {}, 'lots');
    const byPool = typesByPoolLessDaemonSets([nodePool()], [m5], undefined, [daemonSet('agent', {}, '1', '1Gi'), deleting, broken])!;
    const view = byPool.get('default')![0];
    expect(view.allocatable.milliCpu).toBe(m5.allocatable.milliCpu - 1000);
    // The broken DaemonSet's unreadable list counts as zero; its pod still takes a slot.
    expect(view.allocatable.memoryBytes).toBe(m5.allocatable.memoryBytes - GIB);
    expect(view.allocatable.pods).toBe(m5.allocatable.pods - 2);
    expect(m5.allocatable.milliCpu).toBe(1900); // the shared type is not changed
    expect(typesByPoolLessDaemonSets([nodePool()], [m5], undefined, [])).toBeUndefined();
  });

  it('reads each DaemonSet once per pass, not once per pool and type, with the same answer per type', () => {
    // A catalog has ~1,345 types and a cluster ~20 DaemonSets: judged type by type, every pass
    // of the provisioner and of the disruption loop re-read every DaemonSet for every type and pool.
    const types = Array.from({ length: 300 }, (_, i) => instanceType({ name: `c${i % 7}.x${i}`, cpu: 2 + (i % 5), memoryGiB: 8, price: 0.1, gpus: i % 10 === 0 ? 1 : 0, arch: i % 3 === 0 ? 'arm64' : 'amd64' }));
    const sets = [
      daemonSet('nvidia', { nodeSelector: { [Labels.instanceGpuCount]: '1' } }, '50m', '64Mi'),
      daemonSet('arm-agent', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: Labels.arch, operator: 'In', values: ['arm64'] }] }] } } } }, '20m', '32Mi'),
      daemonSet('kube-proxy', { tolerations: [{ operator: 'Exists' }] }),
    ];
    let reads = 0;
    const counted = sets.map((ds) => new Proxy(ds, { get: (target, key, receiver) => (key === 'spec' && reads++, Reflect.get(target, key, receiver)) }));
    const pools = [nodePool(), nodePool({ name: 'tainted', taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }] })];
    const byPool = typesByPoolLessDaemonSets(pools, types, undefined, counted)!;
    expect(reads).toBeLessThanOrEqual(sets.length * 4);
    for (const pool of pools) {
      byPool.get(pool.name)!.forEach((view, i) => {
        const overhead = daemonSetOverhead(sets, pool, types[i]);
        expect(view.allocatable.milliCpu).toBe(types[i].allocatable.milliCpu - overhead.milliCpu);
        expect(view.allocatable.pods).toBe(types[i].allocatable.pods - overhead.pods);
      });
    }
    // The groups differ: a GPU arm64 node runs all three on the plain pool, only kube-proxy on the tainted one.
    expect(daemonSetOverhead(sets, pools[0], types[0]).pods).toBe(3);
    expect(daemonSetOverhead(sets, pools[1], types[0]).pods).toBe(1);
    expect(daemonSetOverhead(sets, pools[0], types[1]).pods).toBe(1);
  });

  it('the solver buys a node the pods fit on next to the DaemonSets', () => {
    // Three 600m pods fit an m5.large's 1900m alone, not next to a 300m agent.
    const types = [m5, instanceType({ name: 'm5.xlarge', cpu: 4, memoryGiB: 16, price: 0.192 })];
    const pool = nodePool();
    const input = { pods: pods(3, { cpu: 600, memoryMiB: 256 }), existingNodes: [], nodePools: [pool], instanceTypes: types };
    expect(solve(input).newNodeClaims.map((c) => c.instanceType)).toEqual(['m5.large']);
    const byPool = typesByPoolLessDaemonSets([pool], types, undefined, [daemonSet('agent', {}, '300m', '256Mi')])!;
    const planned = solve({ ...input, instanceTypesByPool: byPool }).newNodeClaims;
    const slots = planned.reduce((n, c) => n + c.pods.length, 0);
    expect(slots).toBe(3);
    expect(planned.map((c) => c.instanceType)).not.toEqual(['m5.large']);
  });
});

describe('host ports DaemonSets bind on a new node (ADR 114)', () => {
  const exporter = daemonSet('node-exporter', { hostNetwork: true, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'e', ports: [{ containerPort: 9100 }], resources: { requests: { cpu: '10m' } } }] });
  const gpuProbe = daemonSet('gpu-probe', { nodeSelector: { [Labels.instanceGpuCount]: '1' }, containers: [{ name: 'p', ports: [{ containerPort: 80, hostPort: 5555 }] }] });

  it('ride on the pool’s view of each type the DaemonSets run on, with their requests', () => {
    const byPool = typesByPoolLessDaemonSets([nodePool()], [m5, g4], undefined, [exporter, gpuProbe])!;
    const [m5View, g4View] = byPool.get('default')!;
    expect(m5View.daemonSetHostPorts).toEqual([{ protocol: 'TCP', port: 9100, ip: '0.0.0.0' }]);
    expect(g4View.daemonSetHostPorts).toEqual([{ protocol: 'TCP', port: 9100, ip: '0.0.0.0' }, { protocol: 'TCP', port: 5555, ip: '0.0.0.0' }]);
    expect(m5View.allocatable.milliCpu).toBe(m5.allocatable.milliCpu - 10);
    // A DaemonSet with ports and no requests still marks its ports (its pod slot is its only overhead).
    const onlyPorts = typesByPoolLessDaemonSets([nodePool()], [g4], undefined, [gpuProbe])!.get('default')![0];
    expect(onlyPorts.daemonSetHostPorts).toEqual([{ protocol: 'TCP', port: 5555, ip: '0.0.0.0' }]);
    // A pool whose taint the probe does not tolerate: no ports from it.
    const tainted = nodePool({ name: 't', taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] });
    expect(typesByPoolLessDaemonSets([tainted], [g4], undefined, [gpuProbe])!.get('t')![0]).not.toHaveProperty('daemonSetHostPorts');
  });

  it('so the planner does not plan a GPU pod that binds 5555 onto the only GPU type, and says why', () => {
    const types = typesByPoolLessDaemonSets([nodePool()], [g4], undefined, [exporter, gpuProbe])!;
    const gpuPods = pods(1, { name: 'trainer', gpus: 1, hostPorts: [{ protocol: 'TCP', port: 5555, ip: '0.0.0.0' }] });
    const result = solve({ pods: gpuPods, existingNodes: [], nodePools: [nodePool()], instanceTypes: [g4], instanceTypesByPool: types });
    expect(result.newNodeClaims).toEqual([]);
    expect(result.unplaceable[0].message).toMatch(/binds host port TCP\/0\.0\.0\.0\/5555/);
  });
});
