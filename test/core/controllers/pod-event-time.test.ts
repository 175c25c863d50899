/**
 * When a node's pods last changed, as the disruption planner is handed it after a restart or a
 * change of leader (ADR 103): the claim's recorded `status.lastPodEventTime`, the pods' own times,
 * and what this process watched — and the pod-event-time loop that records it, throttled.
 *
 * A ClusterState over an in-memory API (lists served, watch events pushed by the test, status
 * patches recorded), the real snapshot and the real planner.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterState } from '../../../core/controllers/cluster-state.js';
import { ControllerMetrics } from '../../../core/controllers/metrics.js';
import { coldStartPodChange, lastPodChange, persistedPodEventTime, podEventTimeToPersist, PodEventTimeLoop, POD_EVENT_WRITE_THROTTLE_MS, readTime, rfc3339Up } from '../../../core/controllers/pod-event-time.js';
import { nodeSnapshot } from '../../../core/controllers/snapshot.js';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { KubeApiError, type KubeClient, type KubeObject, type ResourceRef, type WatchEvent } from '../../../core/kube/client.js';
import { planDisruption } from '../../../core/disruption/planner.js';
import { ManualClock } from '../../../core/model/clock.js';
import type { NodePoolDisruption } from '../../../core/model/node-pool.js';
import { nodePool } from '../scheduling/builders.js';
import { loadManifest } from '../../manifests/load.js';
import { crdSchema, validateSchema } from '../../manifests/schema.js';

const MIN = 60_000;
const START = Date.parse('2026-12-05T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const disruption: NodePoolDisruption = { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfterMs: 5 * MIN, expireAfterMs: null, budgets: [{ nodes: '100%' }] };

/** An API server in memory: lists what the test put in, pushes the watch events the test sends, records status patches. */
class MemoryApi implements KubeClient {
  readonly lists = new Map<string, KubeObject[]>();
  readonly watchers = new Map<string, (event: WatchEvent) => void>();
  readonly patches: Array<{ plural: string; name: string; body: any; subresource?: string }> = [];
  failPatches = false;

  put(plural: string, ...objects: KubeObject[]): void {
    this.lists.set(plural, [...(this.lists.get(plural) ?? []), ...objects]);
  }

  send(plural: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void {
    this.watchers.get(plural)!({ type, object });
  }

  async list<T extends KubeObject>(res: ResourceRef) {
    return { items: (this.lists.get(res.plural) ?? []) as T[], resourceVersion: '1' };
  }

  watch<T extends KubeObject>(res: ResourceRef, _options: unknown, onEvent: (event: WatchEvent<T>) => void) {
    this.watchers.set(res.plural, onEvent as (event: WatchEvent) => void);
    return { stop: () => this.watchers.delete(res.plural) };
  }

  async patch<T extends KubeObject>(res: ResourceRef, name: string, _namespace: string | undefined, body: unknown, _kind: unknown, options?: { subresource?: string }): Promise<T> {
    if (this.failPatches) throw new KubeApiError(500, 'InternalError', 'the API server is unwell');
    this.patches.push({ plural: res.plural, name, body, subresource: options?.subresource });
    return {} as T;
  }

  get = () => Promise.reject(new Error('not used'));
  create = () => Promise.reject(new Error('not used'));
  replace = () => Promise.reject(new Error('not used'));
  delete = () => Promise.reject(new Error('not used'));
  postSubresource = () => Promise.reject(new Error('not used'));
}

function nodeObject(name: string, createdAt: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, creationTimestamp: iso(createdAt), resourceVersion: '1', labels: { 'karpenter.sh/nodepool': 'default', 'node.kubernetes.io/instance-type': 'm5.xlarge' } },
    spec: { providerID: `sim:///${name}` },
    status: { allocatable: { cpu: '4', memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function claimObject(node: string, createdAt: number, lastPodEventTime?: string): KubeObject {
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodeClaim',
    metadata: { name: `claim-${node}`, creationTimestamp: iso(createdAt), resourceVersion: '1' },
    spec: { nodePool: 'default', instanceTypeOptions: ['m5.xlarge'], requirements: [], taints: [], labels: {} },
    status: {
      providerID: `sim:///${node}`,
      instanceType: 'm5.xlarge',
      pricePerHour: '0.192',
      nodeName: node,
      conditions: [{ type: 'Initialized', status: 'True', lastTransitionTime: iso(createdAt) }],
      ...(lastPodEventTime ? { lastPodEventTime } : {}),
    },
  };
}

function podObject(name: string, node: string, createdAt: number, options: { doNotDisrupt?: boolean; phase?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: iso(createdAt), resourceVersion: '1', ...(options.doNotDisrupt ? { annotations: { 'smartscale.io/do-not-disrupt': 'true' } } : {}) },
    spec: { nodeName: node, containers: [{ name: 'app', resources: { requests: { cpu: '500m', memory: '512Mi' } } }] },
    status: {
      phase: options.phase ?? 'Running',
      startTime: iso(createdAt),
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: iso(createdAt) }],
    },
  };
}

let state: ClusterState | undefined;
afterEach(() => {
  state?.stop();
  state = undefined;
});

/** A controller starting now on what `api` holds (its informers list it). */
async function restart(api: MemoryApi, clock: ManualClock): Promise<ClusterState> {
  state = new ClusterState({ client: api, clock, staleAfterMs: 0 });
  await state.start();
  return state;
}

/** The planner's decision on a fresh snapshot, at the clock's time. */
function decide(s: ClusterState, clock: ManualClock) {
  const snap = nodeSnapshot(s, []);
  return planDisruption({ now: clock.now(), nodes: snap.nodes, nodePools: [nodePool({ disruption })], instanceTypes: [], pdbs: [], predictedPods: [] }).decision;
}

/**
 * Node `a` (2 h old, one pod 2 h old) and node `b` (one do-not-disrupt pod, room for a's pod):
 * once `a` is consolidation-ready its pod moves to `b` and `a` goes.
 */
function consolidatable(aRecorded?: string, aPodCreated = START - 120 * MIN): MemoryApi {
  const api = new MemoryApi();
  api.put('nodes', nodeObject('a', START - 120 * MIN), nodeObject('b', START - 120 * MIN));
  api.put('nodeclaims', claimObject('a', START - 120 * MIN, aRecorded), claimObject('b', START - 120 * MIN));
  api.put('pods', podObject('on-a', 'a', aPodCreated), podObject('pinned', 'b', START - 120 * MIN, { doNotDisrupt: true }));
  return api;
}

/** The loop on a controller started now over `consolidatable()`; `change` binds a new pod to node a. */
async function running(recorded?: string) {
  const clock = new ManualClock(START);
  const api = consolidatable(recorded);
  const s = await restart(api, clock);
  const metrics = new ControllerMetrics();
  const loop = new PodEventTimeLoop({ client: api, state: s, clock, controllerMetrics: metrics, events: new RecordingControllerEvents() });
  const change = (name: string) => api.send('pods', 'ADDED', podObject(name, 'a', clock.now()));
  return { clock, api, loop, change, metrics };
}

describe('the last pod change after a restart', () => {
  it('is the time the claim records: the node waits consolidateAfter from it, not from its creation nor from the restart', async () => {
    const clock = new ManualClock(START);
    const s = await restart(consolidatable(iso(START - 1 * MIN)), clock);
    expect(nodeSnapshot(s, []).nodes.find((n) => n.name === 'a')?.lastPodChangeAt).toBe(START - 1 * MIN);
    expect(decide(s, clock)).toBeUndefined();
    clock.advance(4 * MIN - 1);
    expect(decide(s, clock)).toBeUndefined();
    // consolidateAfter (5 min) after the recorded change, 4 min after the restart.
    clock.advance(1);
    expect(decide(s, clock)).toMatchObject({ nodes: ['a'], replacements: [] });
  });

  it('with nothing recorded, is no earlier than the newest pod on the node: a pod created a minute ago holds it', async () => {
    const clock = new ManualClock(START);
    const s = await restart(consolidatable(undefined, START - 1 * MIN), clock);
    expect(nodeSnapshot(s, []).nodes.find((n) => n.name === 'a')?.lastPodChangeAt).toBe(START - 1 * MIN);
    expect(decide(s, clock)).toBeUndefined();
    clock.advance(4 * MIN);
    expect(decide(s, clock)).toMatchObject({ nodes: ['a'] });
  });

  it('with nothing recorded and old pods, is the pods\' time (the node is ready at once), not the restart', async () => {
    const clock = new ManualClock(START);
    const s = await restart(consolidatable(), clock);
    expect(nodeSnapshot(s, []).nodes.find((n) => n.name === 'a')?.lastPodChangeAt).toBe(START - 120 * MIN);
    expect(decide(s, clock)).toMatchObject({ nodes: ['a'] });
  });

  it('a pod change watched after the restart counts over an older record', async () => {
    const clock = new ManualClock(START);
    const api = consolidatable(iso(START - 10 * MIN));
    const s = await restart(api, clock);
    expect(decide(s, clock)).toMatchObject({ nodes: ['a'] });
    clock.advance(30_000);
    api.send('pods', 'ADDED', podObject('another', 'a', START - 120 * MIN)); // its own times are old: the event is what counts
    expect(s.lastPodChangeAt('a')).toBe(START + 30_000);
    expect(decide(s, clock)).toBeUndefined();
    clock.advance(5 * MIN);
    expect(decide(s, clock)).toMatchObject({ nodes: ['a'] });
  });

  it('the first list is no pod change; a pod finishing or terminating later is one', async () => {
    const clock = new ManualClock(START);
    const api = consolidatable();
    const s = await restart(api, clock);
    expect(s.lastPodChangeAt('a')).toBeUndefined();
    expect(s.lastPodChangeAt('b')).toBeUndefined();
    clock.advance(1_000);
    api.send('pods', 'MODIFIED', { ...podObject('on-a', 'a', START - 120 * MIN, { phase: 'Succeeded' }), metadata: { ...podObject('on-a', 'a', 0).metadata, resourceVersion: '2' } });
    expect(s.lastPodChangeAt('a')).toBe(START + 1_000);
    clock.advance(1_000);
    const pinned = podObject('pinned', 'b', START - 120 * MIN, { doNotDisrupt: true });
    api.send('pods', 'MODIFIED', { ...pinned, metadata: { ...pinned.metadata, resourceVersion: '2', deletionTimestamp: iso(clock.now()) } });
    expect(s.lastPodChangeAt('b')).toBe(START + 1_000 * 2);
    // A status change of a running pod is none.
    clock.advance(1_000);
    api.send('pods', 'MODIFIED', { ...pinned, metadata: { ...pinned.metadata, resourceVersion: '3', deletionTimestamp: iso(clock.now()) }, status: { ...pinned.status, podIP: '10.0.0.9' } });
    expect(s.lastPodChangeAt('b')).toBe(START + 1_000 * 2);
  });
});

describe('since when a node is empty, after a restart', () => {
  function emptyNode(recorded?: string): MemoryApi {
    const api = new MemoryApi();
    api.put('nodes', nodeObject('a', START - 120 * MIN));
    api.put('nodeclaims', claimObject('a', START - 120 * MIN, recorded));
    return api;
  }

  it('is its last recorded pod change: removed consolidateAfter after it, neither at once nor consolidateAfter after the restart', async () => {
    const clock = new ManualClock(START);
    const s = await restart(emptyNode(iso(START - 3 * MIN)), clock);
    expect(nodeSnapshot(s, []).nodes[0].emptySince).toBe(START - 3 * MIN);
    expect(decide(s, clock)).toBeUndefined();
    clock.advance(2 * MIN);
    expect(decide(s, clock)).toMatchObject({ method: 'Emptiness', nodes: ['a'] });
  });

  it('with nothing recorded, starts when the controller first sees it empty (as before)', async () => {
    const clock = new ManualClock(START);
    const s = await restart(emptyNode(), clock);
    expect(nodeSnapshot(s, []).nodes[0].emptySince).toBe(START);
    clock.advance(5 * MIN - 1);
    expect(decide(s, clock)).toBeUndefined();
    clock.advance(1);
    expect(decide(s, clock)).toMatchObject({ method: 'Emptiness' });
  });
});

describe('what is watched of a node goes with it', () => {
  it('a deleted node leaves no record: a new node of the same name is neither empty since the old one was nor changed by its pods', async () => {
    const clock = new ManualClock(START);
    const api = new MemoryApi();
    api.put('nodes', nodeObject('a', START - 120 * MIN));
    const s = await restart(api, clock);
    expect(s.emptySince('a', true)).toBe(START);
    clock.advance(1_000);
    api.send('pods', 'ADDED', podObject('p', 'a', START));
    expect(s.lastPodChangeAt('a')).toBe(START + 1_000);
    // The node goes (emptiness), then its pod; an hour later a node with the same name registers.
    api.send('nodes', 'DELETED', nodeObject('a', START - 120 * MIN));
    clock.advance(1_000);
    api.send('pods', 'DELETED', podObject('p', 'a', START));
    clock.advance(60 * MIN);
    api.send('nodes', 'ADDED', { ...nodeObject('a', clock.now()), metadata: { ...nodeObject('a', clock.now()).metadata, resourceVersion: '5' } });
    expect(s.lastPodChangeAt('a')).toBeUndefined();
    expect(s.emptySince('a', true)).toBe(clock.now());
  });
});

describe('reading the times', () => {
  const now = START;

  it.each([
    ['a time', iso(now - 5_000), now - 5_000],
    ['a time a little ahead (another clock): now', iso(now + 30_000), now],
    ['a time far ahead: not believed', iso(now + 3_600_000), undefined],
    ['not a time', 'yesterday', undefined],
    ['not a string', 12345, undefined],
    ['absent', undefined, undefined],
  ])('%s', (_what, value, expected) => {
    expect(readTime(value, now)).toBe(expected);
    expect(persistedPodEventTime({ metadata: {}, status: { lastPodEventTime: value } }, now)).toBe(expected);
  });

  it('a pod\'s newest time among creation, scheduling and start', () => {
    const p = podObject('p', 'a', now - 10 * MIN);
    p.status.startTime = iso(now - 2 * MIN);
    p.status.conditions = [{ type: 'PodScheduled', status: 'True', lastTransitionTime: iso(now - 3 * MIN) }];
    expect(coldStartPodChange([p, podObject('q', 'a', now - 60 * MIN)], now)).toBe(now - 2 * MIN);
    expect(coldStartPodChange([], now)).toBeUndefined();
    expect(coldStartPodChange([{ metadata: { name: 'bare' } }], now)).toBeUndefined();
  });

  it('combines what was seen, what was recorded and the pods', () => {
    const pods = [podObject('p', 'a', now - 1 * MIN)];
    expect(lastPodChange({ seen: now - 5 * MIN, persisted: now - 2 * MIN, pods, now })).toBe(now - 2 * MIN);
    expect(lastPodChange({ seen: now - 2 * MIN, persisted: now - 5 * MIN, pods, now })).toBe(now - 2 * MIN);
    expect(lastPodChange({ persisted: now - 5 * MIN, pods, now })).toBe(now - 1 * MIN);
    expect(lastPodChange({ persisted: now - 5 * MIN, pods: [], now })).toBe(now - 5 * MIN);
    expect(lastPodChange({ pods: [], now })).toBeUndefined();
  });

  it('records to the second, never earlier than the change', () => {
    expect(rfc3339Up(Date.parse('2026-12-05T12:00:00.001Z'))).toBe('2026-12-05T12:00:01Z');
    expect(rfc3339Up(Date.parse('2026-12-05T12:00:00.000Z'))).toBe('2026-12-05T12:00:00Z');
  });
});

describe('the pod-event-time loop', () => {
  it.each([
    ['nothing seen', undefined, START, undefined, START + 60_000, undefined],
    ['nothing recorded', START, undefined, undefined, START, START],
    ['not newer than the record', START - 1, START, undefined, START + 60_000, undefined],
    ['newer, within the window from the recorded time', START + 5_000, START, undefined, START + 10_000, undefined],
    ['newer, past the window from the recorded time', START + 5_000, START, undefined, START + 10_001, START + 5_000],
    ['newer, within the window from our own last write', START + 5_000, START, START + 3_000, START + 12_000, undefined],
    ['newer, past the window from our own last write', START + 5_000, START, START + 3_000, START + 13_001, START + 5_000],
  ])('decides what to write: %s', (_what, seen, recorded, lastWriteAt, now, expected) => {
    expect(podEventTimeToPersist(seen, recorded, lastWriteAt, now, 10_000)).toBe(expected);
  });

  it('writes nothing for what it only listed at start-up', async () => {
    const { api, loop } = await running();
    await loop.reconcile();
    expect(api.patches).toEqual([]);
  });

  it('records a change on the claim\'s status; a change within the throttle window is not written then, but once the window has passed', async () => {
    const { clock, api, loop, change, metrics } = await running(iso(START - 60 * MIN));
    clock.advance(1_000);
    change('p1');
    await loop.reconcile();
    expect(api.patches).toEqual([{ plural: 'nodeclaims', name: 'claim-a', body: { status: { lastPodEventTime: rfc3339Up(START + 1_000) } }, subresource: 'status' }]);
    // The cache has not seen the write yet: no second write of the same time.
    await loop.reconcile();
    expect(api.patches).toHaveLength(1);
    // Churn within the window: nothing written.
    clock.advance(4_000);
    change('p2');
    await loop.reconcile();
    clock.advance(5_000);
    change('p3');
    await loop.reconcile();
    expect(api.patches).toHaveLength(1);
    // Past it (no change since): the burst's last change.
    clock.advance(POD_EVENT_WRITE_THROTTLE_MS - 9_000 + 1);
    await loop.reconcile();
    expect(api.patches.map((p) => p.body.status.lastPodEventTime)).toEqual([rfc3339Up(START + 1_000), rfc3339Up(START + 10_000)]);
    // And nothing more while nothing changes.
    clock.advance(60_000);
    await loop.reconcile();
    expect(api.patches).toHaveLength(2);
    expect(metrics.value('actions', { loop: 'pod-event-time', action: 'recorded' })).toBe(2);
    // Node b saw no change: never written.
    expect(api.patches.every((p) => p.name === 'claim-a')).toBe(true);
  });

  it('a new leader, having written nothing yet, counts the window from the recorded time', async () => {
    const { clock, api, loop, change } = await running(iso(START - 5_000));
    change('p1');
    await loop.reconcile();
    expect(api.patches).toEqual([]);
    clock.advance(5_001);
    await loop.reconcile();
    expect(api.patches.map((p) => p.body.status.lastPodEventTime)).toEqual([rfc3339Up(START)]);
  });

  it('a recorded time newer than what it saw is left alone', async () => {
    const { clock, api, loop, change } = await running(iso(START + 5_000));
    clock.advance(1_000);
    change('p1');
    await loop.reconcile();
    expect(api.patches).toEqual([]);
  });

  it('a failed write fails the pass and is tried again on the next', async () => {
    const { clock, api, loop, change, metrics } = await running();
    clock.advance(1_000);
    change('p1');
    api.failPatches = true;
    await expect(loop.reconcile()).rejects.toThrow('unwell');
    expect(metrics.value('actions', { loop: 'pod-event-time', action: 'write-failed' })).toBe(1);
    api.failPatches = false;
    await loop.reconcile();
    expect(api.patches.map((p) => p.name)).toEqual(['claim-a']);
  });
});

describe('the NodeClaim CRD', () => {
  it('keeps the recorded time (an API server prunes status fields its schema lacks)', async () => {
    const { clock, api, loop, change } = await running();
    clock.advance(1_000);
    change('p1');
    await loop.reconcile();
    const claim = claimObject('a', START - 120 * MIN);
    const patched = { ...claim, status: { ...claim.status, ...api.patches[0].body.status } };
    const checked = validateSchema(crdSchema(loadManifest('crds/nodeclaims.yaml')[0]), patched);
    expect(checked.errors).toEqual([]);
    expect((checked.value as KubeObject).status.lastPodEventTime).toBe(rfc3339Up(START + 1_000));
    expect(persistedPodEventTime(checked.value as KubeObject, clock.now())).toBe(START + 1_000);
  });
});
