/**
 * The interruption loop's handling of the queue itself (a cluster without claims: these paths act
 * on none): a long poll cut short by a stop, a lease lost during a poll, backlogs read in one pass.
 * With the runner: stopping and losing the lead cancel a pass that is waiting.
 */
import { describe, expect, it } from 'vitest';
import type { InterruptionBatch, InterruptionQueue } from '../../../core/cloud/interruption.js';
import { InterruptionLoop } from '../../../core/controllers/interruption.js';
import { nodeClaimFromObject } from '../../../core/controllers/objects.js';
import { clientWith } from './support.js';
import { LoopRunner } from '../../../core/controllers/loop.js';
import { ControllerMetrics } from '../../../core/controllers/metrics.js';
import { ManualClock } from '../../../core/model/clock.js';

/** A queue whose receives answer from a script; an empty script waits until aborted (a long poll). */
class ScriptedQueue implements InterruptionQueue {
  receives = 0;
  acknowledged: string[][] = [];
  constructor(private readonly script: InterruptionBatch[]) {}
  receive(signal?: AbortSignal): Promise<InterruptionBatch> {
    this.receives++;
    const next = this.script.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => signal?.addEventListener('abort', () => resolve({ messages: [], rejected: [] })));
  }
  async acknowledge(receipts: readonly string[]): Promise<void> {
    this.acknowledged.push([...receipts]);
  }
}

const rejected = (n: number, from = 0): InterruptionBatch => ({ messages: [], rejected: Array.from({ length: n }, (_, i) => ({ receipt: `r${from + i}`, why: 'not JSON' })) });
const spot: InterruptionBatch = { messages: [{ receipt: 's1', kind: 'SpotInterruption', instanceIds: ['i-0123456789abcdef0'], at: 0, detail: 'spot instance terminate in two minutes' }], rejected: [] };

function loop(queue: InterruptionQueue, isLeader = () => true) {
  const metrics = new ControllerMetrics();
  // Only the paths that touch no claim run here: a cluster without claims; anything else read throws.
  const known: Record<string, unknown> = { claims: () => [], config: () => ({ cluster: { mode: 'optimize' } }) };
  const state = new Proxy({}, { get: (_, key) => { if (typeof key === 'string' && key in known) return known[key]; throw new Error(`the state's ${String(key)} must not be read`); } });
  return { metrics, loop: new InterruptionLoop({ queue, isLeader, controllerMetrics: metrics, state: state as never, client: undefined as never, clock: new ManualClock(0), unavailable: undefined as never, events: { emit: () => {} } }) };
}

describe('InterruptionLoop and its queue', () => {
  it('reads again at once while batches come back full, and acknowledges what it rejected', async () => {
    const queue = new ScriptedQueue([rejected(10), rejected(10, 10), rejected(3, 20)]);
    const { loop: l, metrics } = loop(queue);
    await l.reconcile();
    expect(queue.receives).toBe(3);
    expect(queue.acknowledged.map((a) => a.length)).toEqual([10, 10, 3]);
    expect(metrics.value('actions', { loop: 'interruption', action: 'rejected' })).toBe(23);
  });

  it('a lease lost during the poll: the batch is neither handled nor acknowledged (the queue gives it to the new leader)', async () => {
    let leading = true;
    const queue = new ScriptedQueue([spot]);
    const original = queue.receive.bind(queue);
    queue.receive = async (signal) => {
      const batch = await original(signal);
      leading = false;
      return batch;
    };
    const { loop: l } = loop(queue, () => leading);
    await l.reconcile();
    expect(queue.acknowledged).toEqual([]);
  });

  it('cancel ends a waiting poll at once, acknowledging nothing', async () => {
    const queue = new ScriptedQueue([]);
    const { loop: l } = loop(queue);
    const pass = l.reconcile();
    await Promise.resolve();
    l.cancel();
    await pass;
    expect(queue.acknowledged).toEqual([]);
  });

  it('the runner cancels it when stopping and when the lead is lost: neither waits out a 20 s poll', async () => {
    const clock = new ManualClock(0);
    const queue = new ScriptedQueue([]);
    const { loop: l } = loop(queue);
    const runner = new LoopRunner({ clock, metrics: new ControllerMetrics(), isLeader: () => true, onError: () => {} }).add(l);
    runner.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(queue.receives).toBe(1);
    runner.leadershipLost();
    await new Promise((r) => setTimeout(r, 10));
    // Cancelled: the pass ended; the next one (after the 1 s interval) polls again.
    clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 10));
    expect(queue.receives).toBe(2);
    const stopped = runner.stop();
    await expect(Promise.race([stopped.then(() => 'stopped'), new Promise((r) => setTimeout(() => r('still waiting'), 500))])).resolves.toBe('stopped');
  });
});

describe('an interruption for an instance the cache does not map yet', () => {
  // A claim launched moments ago: the API has its provider ID, the informer's copy not yet.
  const claimObject = {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodeClaim',
    metadata: { name: 'spot-new', resourceVersion: '1', creationTimestamp: '2026-12-05T12:00:00Z' },
    spec: { nodePool: 'spot', instanceTypeOptions: ['m6i.large'], requirements: [], resources: { requests: {} } },
    status: {},
  };
  const instance = { name: 'spot-new', createdAt: 0, spec: { nodePool: 'spot', requirements: [], requests: { milliCpu: 0, memoryBytes: 0, pods: 0, gpus: 0 }, instanceTypeOptions: ['m6i.large'], taints: [], labels: {} }, status: { providerId: 'aws:///us-east-1a/i-0123456789abcdef0', instanceType: 'm6i.large', zone: 'us-east-1a', capacityType: 'spot' as const, conditions: [] } };

  function setup(list?: () => Promise<never[]>) {
    const metrics = new ControllerMetrics();
    let stored: any = structuredClone(claimObject);
    const deleted: string[] = [];
    const client = clientWith('unexpected call', {
      get: async () => structuredClone(stored),
      replace: async (_res: unknown, o: any) => (stored = { ...o, metadata: { ...o.metadata, resourceVersion: String(Number(o.metadata.resourceVersion) + 1) } }),
      delete: async (_res: unknown, name: string) => (deleted.push(name), true),
    } as never);
    const claims: Array<{ object: any; claim: ReturnType<typeof nodeClaimFromObject> }> = [{ object: claimObject, claim: nodeClaimFromObject(claimObject as never) }];
    const state = { claims: () => claims, config: () => ({ cluster: { mode: 'optimize' } }) };
    const marked: string[] = [];
    const unavailable = { markUnavailable: (ref: { instanceType: string; zone: string }) => marked.push(`${ref.instanceType}/${ref.zone}`) };
    let lists = 0;
    const cloud = { list: list ?? (async () => (lists++, [instance as never])) };
    const clock = new ManualClock(Date.parse('2026-12-05T12:00:30Z'));
    const at = clock.now();
    const queue = new ScriptedQueue([
      { messages: [{ receipt: 'a', kind: 'SpotInterruption', instanceIds: ['i-0123456789abcdef0'], at, detail: 'spot instance terminate in two minutes' }], rejected: [] },
      { messages: [{ receipt: 'b', kind: 'StateChange', instanceIds: ['i-0fedcba9876543210'], at, detail: 'state stopping' }], rejected: [] },
    ]);
    const l = new InterruptionLoop({ queue, cloud, controllerMetrics: metrics, state: state as never, client, clock, unavailable: unavailable as never, events: { emit: () => {} }, isLeader: () => true });
    return { l, queue, metrics, deleted, marked, stored: () => stored, lists: () => lists, clock, claims };
  }

  it("is found in the cloud's list: the new node is handed over like any other", async () => {
    const h = setup();
    await h.l.reconcile();
    expect(h.deleted).toEqual(['spot-new']);
    expect(h.stored().metadata.annotations['smartscale.io/interrupted']).toMatch(/^SpotInterruption/);
    expect(h.stored().metadata.annotations['smartscale.io/terminates-at']).toBe('2026-12-05T12:02:30.000Z');
    expect(h.marked).toEqual(['m6i.large/us-east-1a']);
    expect(h.metrics.value('actions', { loop: 'interruption', action: 'drain' })).toBe(1);
  });

  it("someone else's instance stays unknown; the list is asked at most every LISTED_TTL_MS", async () => {
    const h = setup();
    await h.l.reconcile(); // batch a: the list asked once
    await h.l.reconcile(); // batch b: a foreign instance, within the TTL: the same list
    expect(h.lists()).toBe(1);
    expect(h.metrics.value('actions', { loop: 'interruption', action: 'unknown-instance' })).toBe(1);
    expect(h.queue.acknowledged).toEqual([['a'], ['b']]);
  });

  it('a list read before the newest unrecorded claim was created is read again, whatever its age', async () => {
    const h = setup();
    await h.l.reconcile(); // batch a, at 12:00:30: the list read once (spot-new was created at 12:00:00)
    expect(h.lists()).toBe(1);
    // A claim created after that list (12:00:40) still has no provider ID in the cache.
    const later = { ...claimObject, metadata: { ...claimObject.metadata, name: 'spot-later', creationTimestamp: '2026-12-05T12:00:40Z' } };
    h.claims.push({ object: later, claim: nodeClaimFromObject(later as never) });
    h.clock.advance(15_000); // within LISTED_TTL_MS of the first list
    await h.l.reconcile(); // batch b
    expect(h.lists()).toBe(2);
  });

  it('a list the cloud cannot give: the batch is not acknowledged (the queue delivers it again), not taken for a stranger', async () => {
    const h = setup(async () => {
      throw new Error('RequestLimitExceeded');
    });
    await expect(h.l.reconcile()).rejects.toThrow('RequestLimitExceeded');
    expect(h.queue.acknowledged).toEqual([]);
    expect(h.deleted).toEqual([]);
    expect(h.metrics.value('actions', { loop: 'interruption', action: 'unknown-instance' }) ?? 0).toBe(0);
  });
});
