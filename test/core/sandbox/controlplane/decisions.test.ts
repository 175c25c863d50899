import { describe, expect, it } from 'vitest';
import { GIB } from '../../../../core/model/quantity.js';
import { resources } from '../../../../core/model/resources.js';
import { resolveIntOrPercent, rollingStep, templateHash } from '../../../../core/sandbox/controlplane/deployment-controller.js';
import { choosePlacement, podRequests, unschedulableMessage } from '../../../../core/sandbox/controlplane/placement.js';
import { ScaledClock } from '../../../../core/sandbox/clock.js';
import { budgetState } from '../../../../core/sandbox/budget.js';

const readyCondition = [{ type: 'Ready', status: 'True' }];

function node(name: string, opts: { cpu?: string; memory?: string; labels?: Record<string, string>; taints?: any[]; ready?: boolean; unschedulable?: boolean } = {}) {
  return {
    metadata: { name, labels: opts.labels ?? {} },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: { allocatable: { cpu: opts.cpu ?? '2', memory: opts.memory ?? '4Gi', pods: '110' }, conditions: opts.ready === false ? [] : readyCondition },
  };
}

function pod(cpu: string, extra: Record<string, any> = {}) {
  return { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' } } }], ...extra } };
}

describe('scheduler placement', () => {
  it('sums container requests and counts one pod slot', () => {
    expect(podRequests({ spec: { containers: [{ resources: { requests: { cpu: '250m', memory: '1Gi' } } }, { resources: { requests: { cpu: '1' } } }] } })).toEqual(resources({ milliCpu: 1250, memoryBytes: GIB, pods: 1 }));
  });

  it('a limit stands in for a missing request per resource, as the real API server defaults a Pod', () => {
    // Requests for cpu only, a limit for memory: the memory limit counts (it used to be lost).
    expect(podRequests({ spec: { containers: [{ resources: { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '1Gi' } } }] } })).toEqual(resources({ milliCpu: 250, memoryBytes: GIB, pods: 1 }));
  });

  it.each([
    ['fits the least allocated node', pod('500m'), [node('a'), node('b')], new Map([['a', resources({ milliCpu: 1000 })]]), 'b'],
    ['skips nodes without room', pod('1500m'), [node('a'), node('b', { cpu: '1' })], new Map([['a', resources({ milliCpu: 1000 })]]), undefined],
    ['honours nodeSelector', pod('100m', { nodeSelector: { zone: 'b' } }), [node('a', { labels: { zone: 'a' } }), node('b', { labels: { zone: 'b' } })], new Map(), 'b'],
    ['avoids untolerated NoSchedule taints', pod('100m'), [node('a', { taints: [{ key: 'gpu', effect: 'NoSchedule' }] }), node('b', { cpu: '1' })], new Map(), 'b'],
    ['uses tolerated taints', pod('100m', { tolerations: [{ key: 'gpu', operator: 'Exists' }] }), [node('a', { taints: [{ key: 'gpu', effect: 'NoSchedule' }] })], new Map(), 'a'],
    ['skips NotReady and cordoned nodes', pod('100m'), [node('a', { ready: false }), node('b', { unschedulable: true })], new Map(), undefined],
    [
      'honours required node affinity',
      pod('100m', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['arm64'] }] }] } } } }),
      [node('a', { labels: { arch: 'amd64' } }), node('b', { labels: { arch: 'arm64' } })],
      new Map(),
      'b',
    ],
    [
      'ORs the terms; an empty term matches no node (not every node)',
      pod('100m', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}, { matchExpressions: [{ key: 'arch', operator: 'In', values: ['arm64'] }] }] } } } }),
      [node('a', { labels: { arch: 'amd64' } }), node('b', { labels: { arch: 'arm64' } })],
      new Map(),
      'b',
    ],
    [
      'only empty terms: no node',
      pod('100m', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [] }] } } } }),
      [node('a'), node('b')],
      new Map(),
      undefined,
    ],
    [
      'matchFields on metadata.name picks the node by name',
      pod('100m', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }] } } } }),
      [node('a'), node('b')],
      new Map(),
      'b',
    ],
  ])('%s', (_name, p, nodes, used, expected) => {
    expect(choosePlacement(p, nodes, used as Map<string, any>).node).toBe(expected);
  });

  it('explains why a pod fits nowhere', () => {
    const r = choosePlacement(pod('4'), [node('a'), node('b', { taints: [{ key: 'x', effect: 'NoExecute' }] })], new Map());
    expect(unschedulableMessage(2, r.rejections)).toBe('0/2 nodes are available: 1 Insufficient resources, 1 node(s) had untolerated taint(s).');
  });
});

describe('deployment rollout arithmetic', () => {
  it('hashes equal templates equally', () => {
    expect(templateHash({ a: 1 })).toBe(templateHash({ a: 1 }));
    expect(templateHash({ a: 1 })).not.toBe(templateHash({ a: 2 }));
    expect(templateHash({ a: 1 })).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });

  it.each([
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    [2, 10, true, 2],
    ['0%', 3, true, 0],
  ])('%s of %i (round up %s) = %i', (v, total, up, expected) => {
    expect(resolveIntOrPercent(v, total, up)).toBe(expected);
  });

  it('a pure scale sets the new ReplicaSet to the desired count at once', () => {
    expect(rollingStep(7, 1, 1, { spec: 3, available: 3 }, []).newReplicas).toBe(7);
  });

  it('a rollout surges the new ReplicaSet and drains the old one within maxUnavailable', () => {
    const first = rollingStep(4, 1, 1, { spec: 0, available: 0 }, [{ name: 'old', spec: 4, available: 4 }]);
    expect(first.newReplicas).toBe(1);
    expect(first.oldReplicas.get('old')).toBe(3);
    const later = rollingStep(4, 1, 1, { spec: 2, available: 2 }, [{ name: 'old', spec: 2, available: 2 }]);
    expect(later.newReplicas).toBe(3);
    expect(later.oldReplicas.get('old')).toBe(1);
    const done = rollingStep(4, 1, 1, { spec: 4, available: 4 }, [{ name: 'old', spec: 1, available: 1 }]);
    expect(done.oldReplicas.get('old')).toBe(0);
  });

  it('never has fewer than desired - maxUnavailable available while rolling', () => {
    // No surge: the old ReplicaSet gives one pod up first, the new one takes the room next pass.
    const step = rollingStep(4, 0, 1, { spec: 0, available: 0 }, [{ name: 'old', spec: 4, available: 4 }]);
    expect(step.oldReplicas.get('old')).toBe(3);
    expect(step.newReplicas).toBe(0);
    const next = rollingStep(4, 0, 1, { spec: 0, available: 0 }, [{ name: 'old', spec: 3, available: 3 }]);
    expect(next.newReplicas).toBe(1);
    expect(next.oldReplicas.get('old')).toBe(3);
  });
});

describe('disruption budgets', () => {
  const readyPod = (name: string, ready = true) => ({ metadata: { name, labels: { app: 'a' } }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
  it.each([
    [{ minAvailable: 1 }, 1],
    [{ minAvailable: 2 }, 0],
    [{ minAvailable: '50%' }, 0],
    [{ maxUnavailable: 1 }, 0],
    [{ maxUnavailable: 2 }, 1],
    [{ maxUnavailable: '0%' }, 0],
    [{ minAvailable: 3 }, 0],
  ])('%j over 3 pods, 1 unready → %i disruptions allowed', (spec, allowed) => {
    const state = budgetState({ spec: { ...spec, selector: { matchLabels: { app: 'a' } } } }, [readyPod('a'), readyPod('b'), readyPod('c', false)]);
    expect(state.disruptionsAllowed).toBe(allowed);
    expect(state.currentHealthy).toBe(2);
  });
});

describe('ScaledClock', () => {
  it('runs `speed` times faster than the real clock it reads', () => {
    let real = 1000;
    const clock = new ScaledClock(60, 0, () => real);
    real += 1000;
    expect(clock.now()).toBe(60_000);
    expect(() => new ScaledClock(0)).toThrow(RangeError);
  });

  it('sleeps in simulated time', async () => {
    const clock = new ScaledClock(1000);
    const started = Date.now();
    await clock.sleep(5000);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
