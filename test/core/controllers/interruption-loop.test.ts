/**
 * The interruption loop's handling of the queue itself (a cluster without claims: these paths act
 * on none): a long poll cut short by a stop, a lease lost during a poll, backlogs read in one pass.
 * With the runner: stopping and losing the lead cancel a pass that is waiting.
 */
import { describe, expect, it } from 'vitest';
import type { InterruptionBatch, InterruptionQueue } from '../../../core/cloud/interruption.js';
import { InterruptionLoop } from '../../../core/controllers/interruption.js';
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
