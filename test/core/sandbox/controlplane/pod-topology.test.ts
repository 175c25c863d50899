/**
 * The sandbox scheduler's inter-pod filters (pod-topology.ts): required pod anti-affinity both ways
 * and DoNotSchedule topology spread, as kube-scheduler applies them, through choosePlacement.
 */
import { describe, expect, it } from 'vitest';
import { choosePlacement } from '../../../../core/sandbox/controlplane/placement.js';
import { scheduledPod, topologyFilter } from '../../../../core/sandbox/controlplane/pod-topology.js';

const ready = [{ type: 'Ready', status: 'True' }];
const node = (name: string, zone: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, ...labels } },
  spec: {},
  status: { allocatable: { cpu: '8', memory: '32Gi', pods: '110' }, conditions: ready },
});
const pod = (name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}, namespace = 'default') => ({
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m', memory: '128Mi' } } }], ...spec },
});
const anti = (app: string, topologyKey: string, extra: Record<string, unknown> = {}) => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchLabels: { app } }, ...extra }] } } });
const spread = (app: string, topologyKey: string, maxSkew = 1, extra: Record<string, unknown> = {}) => ({ topologySpreadConstraints: [{ topologyKey, maxSkew, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } }, ...extra }] });

const nodes = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b')];
const labelsOf = (name: string) => nodes.find((n) => n.metadata.name === name)!.metadata.labels;
const place = (p: ReturnType<typeof pod>, nodeName: string, terminating = false, nodeLabels = labelsOf(nodeName)) =>
  scheduledPod({ ...p, metadata: { ...p.metadata, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } }, nodeName, nodeLabels);

function choose(p: ReturnType<typeof pod>, placed: ReturnType<typeof place>[]) {
  return choosePlacement(p, nodes, new Map(), { topology: topologyFilter(p, nodes, placed) });
}

describe('sandbox scheduler: required pod anti-affinity', () => {
  it('keeps the pod off the domains running a pod its term selects (hostname, then zone)', () => {
    const placed = [place(pod('w0', { app: 'web' }), 'a1')];
    expect(choose(pod('w1', { app: 'web' }, anti('web', 'kubernetes.io/hostname')), placed).node).not.toBe('a1');
    expect(choose(pod('w1', { app: 'web' }, anti('web', 'topology.kubernetes.io/zone')), placed).node).toBe('b1');
    const both = [...placed, place(pod('w2', { app: 'web' }), 'b1')];
    const none = choose(pod('w3', { app: 'web' }, anti('web', 'topology.kubernetes.io/zone')), both);
    expect(none.node).toBeUndefined();
    expect(none.rejections).toEqual({ PodAntiAffinity: 3 });
  });

  it('is symmetric: a placed pod whose term selects the newcomer keeps it out of its domain', () => {
    const placed = [place(pod('db', { app: 'db' }, anti('web', 'topology.kubernetes.io/zone')), 'a1')];
    expect(choose(pod('w', { app: 'web' }), placed).node).toBe('b1');
    // A pod the term does not select is not kept out.
    expect(['a1', 'a2']).toContain(choose(pod('x', { app: 'batch' }), placed).node);
  });

  it('looks in the pod\'s own namespace unless the term lists others (or selects all)', () => {
    const elsewhere = [place(pod('w0', { app: 'web' }, {}, 'other'), 'a1')];
    expect(choose(pod('w1', { app: 'web' }, anti('web', 'kubernetes.io/hostname')), elsewhere).node).toBe('a1');
    expect(choose(pod('w1', { app: 'web' }, anti('web', 'kubernetes.io/hostname', { namespaces: ['other'] })), elsewhere).node).not.toBe('a1');
    expect(choose(pod('w1', { app: 'web' }, anti('web', 'kubernetes.io/hostname', { namespaceSelector: {} })), elsewhere).node).not.toBe('a1');
    // A namespaceSelector with labels: the namespaces whose labels it selects.
    const p = pod('w1', { app: 'web' }, anti('web', 'kubernetes.io/hostname', { namespaceSelector: { matchLabels: { env: 'prod' } } }));
    const labelsOfNs = (env: string) => (ns: string): Record<string, string> => (ns === 'other' ? { env } : {});
    expect(choosePlacement(p, [nodes[0]], new Map(), { topology: topologyFilter(p, nodes, elsewhere, labelsOfNs('prod')) }).node).toBeUndefined();
    expect(choosePlacement(p, [nodes[0]], new Map(), { topology: topologyFilter(p, nodes, elsewhere, labelsOfNs('dev')) }).node).toBe('a1');
  });
});

describe('sandbox scheduler: DoNotSchedule topology spread', () => {
  it('places where the skew stays within maxSkew, counting only matching pods of the namespace', () => {
    // Zone a runs two, zone b none: with maxSkew 1 only b is allowed.
    const placed = [place(pod('w0', { app: 'web' }), 'a1'), place(pod('w1', { app: 'web' }), 'a2'), place(pod('o', { app: 'other' }), 'b1')];
    expect(choose(pod('w2', { app: 'web' }, spread('web', 'topology.kubernetes.io/zone')), placed).node).toBe('b1');
    // maxSkew 3: zone a is allowed too (2 + 1 − 0 = 3); no node is turned away.
    const skew3 = choose(pod('w2', { app: 'web' }, spread('web', 'topology.kubernetes.io/zone', 3)), placed);
    expect(skew3.node).toBeDefined();
    expect(skew3.rejections).toEqual({});
  });

  it('hostname spread: a node without any of them sets the minimum at 0; terminating pods do not count', () => {
    const placed = [place(pod('w0', { app: 'web' }), 'a1'), place(pod('w1', { app: 'web' }), 'a2')];
    expect(choose(pod('w2', { app: 'web' }, spread('web', 'kubernetes.io/hostname')), placed).node).toBe('b1');
    const leaving = [place(pod('w0', { app: 'web' }), 'a1', true), place(pod('w1', { app: 'web' }), 'b1')];
    // a1's only pod is terminating: a1 holds 0 (as a2 does), so a1 may take one more.
    const p = pod('w2', { app: 'web' }, spread('web', 'kubernetes.io/hostname'));
    expect(choosePlacement(p, [nodes[0]], new Map(), { topology: topologyFilter(p, nodes, leaving) }).node).toBe('a1');
    // Counted, it would hold 1 with a minimum of 0: refused.
    const counted = [place(pod('w0', { app: 'web' }), 'a1'), place(pod('w1', { app: 'web' }), 'b1')];
    expect(choosePlacement(p, [nodes[0]], new Map(), { topology: topologyFilter(p, nodes, counted) }).node).toBeUndefined();
  });

  it('a node without the key is out; ScheduleAnyway does not filter', () => {
    const bare = { ...node('bare', 'x'), metadata: { name: 'bare', labels: {} } };
    const all = [...nodes, bare];
    const p = pod('w', { app: 'web' }, spread('web', 'topology.kubernetes.io/zone'));
    const result = choosePlacement(p, [bare], new Map(), { topology: topologyFilter(p, all, []) });
    expect(result.rejections).toEqual({ TopologySpread: 1 });
    const soft = pod('w', { app: 'web' }, spread('web', 'topology.kubernetes.io/zone', 1, { whenUnsatisfiable: 'ScheduleAnyway' }));
    expect(choosePlacement(soft, [bare], new Map(), { topology: topologyFilter(soft, all, []) }).node).toBe('bare');
  });

  it('domains are the nodes the pod may run on (its node selector), and minDomains counts missing ones as 0', () => {
    const placed = [place(pod('w0', { app: 'web' }), 'a1')];
    // Only zone a nodes are allowed: the domain set is {a}; a1 holds 1, so the skew stays 0 anywhere in a.
    const pinned = pod('w1', { app: 'web' }, { nodeSelector: { 'topology.kubernetes.io/zone': 'a' }, ...spread('web', 'topology.kubernetes.io/zone') });
    expect(['a1', 'a2']).toContain(choose(pinned, placed).node);
    // One in each zone: without minDomains the minimum is 1 and either zone takes the next…
    const even = [place(pod('w0', { app: 'web' }), 'a1'), place(pod('w9', { app: 'web' }), 'b1')];
    expect(choose(pod('w1', { app: 'web' }, spread('web', 'topology.kubernetes.io/zone')), even).node).toBeDefined();
    // …with minDomains 3 and 2 zones the minimum is 0: both zones are at 1 + 1 − 0 = 2 > 1, refused.
    const wide = choose(pod('w1', { app: 'web' }, spread('web', 'topology.kubernetes.io/zone', 1, { minDomains: 3 })), even);
    expect(wide.node).toBeUndefined();
    expect(wide.rejections).toEqual({ TopologySpread: 3 });
  });

  it('counts only pods on nodes the pod may run on, and matchLabelKeys narrow the selector to its own values', () => {
    // A same-label pod on a node of another pool (which the pod's selector rules out) in zone a.
    const otherPool = { ...node('x1', 'a', { pool: 'other' }) };
    const all = [...nodes.map((n) => ({ ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, pool: 'main' } } })), otherPool];
    const p = pod('w', { app: 'web' }, { nodeSelector: { pool: 'main' }, ...spread('web', 'topology.kubernetes.io/zone') });
    const placed = [place(pod('elsewhere', { app: 'web' }), 'x1', false, otherPool.metadata.labels)];
    // Not counted: zone a holds 0 for this pod, so a node in zone a is allowed.
    expect(choosePlacement(p, [all[0]], new Map(), { topology: topologyFilter(p, all, placed) }).node).toBe('a1');
    // matchLabelKeys [version]: the old version's pods in zone a do not count against the new one.
    const v2 = pod('n', { app: 'web', version: '2' }, spread('web', 'topology.kubernetes.io/zone', 1, { matchLabelKeys: ['version'] }));
    const old = [place(pod('o1', { app: 'web', version: '1' }), 'a1'), place(pod('o2', { app: 'web', version: '1' }), 'a2')];
    expect(choosePlacement(v2, [nodes[0]], new Map(), { topology: topologyFilter(v2, nodes, old) }).node).toBe('a1');
    const plain = pod('n', { app: 'web', version: '2' }, spread('web', 'topology.kubernetes.io/zone'));
    expect(choosePlacement(plain, [nodes[0]], new Map(), { topology: topologyFilter(plain, nodes, old) }).node).toBeUndefined();
  });
});
