import { describe, expect, it } from 'vitest';
import { LoopRunner, type Loop } from '../../../core/controllers/loop.js';
import { ControllerMetrics } from '../../../core/controllers/metrics.js';
import { ManualClock } from '../../../core/model/clock.js';

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function counting(name: string, intervalMs: number, leaderOnly: boolean, behaviour: () => Promise<void> = async () => {}): Loop & { runs: number } {
  const loop = {
    name,
    intervalMs,
    leaderOnly,
    runs: 0,
    async reconcile() {
      loop.runs++;
      await behaviour();
    },
  };
  return loop;
}

describe('LoopRunner', () => {
  it('runs each loop at start and then every interval of clock time', async () => {
    const clock = new ManualClock(0);
    const loop = counting('a', 1000, false);
    const runner = new LoopRunner({ clock, metrics: new ControllerMetrics(), isLeader: () => true, onError: () => {} }).add(loop);
    runner.start();
    await flush();
    expect(loop.runs).toBe(1);
    clock.advance(999);
    await flush();
    expect(loop.runs).toBe(1);
    clock.advance(1);
    await flush();
    expect(loop.runs).toBe(2);
    await runner.stop();
  });

  it('a trigger runs it early; leader-only loops skip while not leading', async () => {
    const clock = new ManualClock(0);
    let leader = false;
    const a = counting('a', 60_000, false);
    const b = counting('b', 60_000, true);
    const runner = new LoopRunner({ clock, metrics: new ControllerMetrics(), isLeader: () => leader, onError: () => {} }).add(a).add(b);
    runner.start();
    await flush();
    expect([a.runs, b.runs]).toEqual([1, 0]);
    leader = true;
    runner.trigger();
    await flush();
    expect([a.runs, b.runs]).toEqual([2, 1]);
    await runner.stop();
  });

  it('backs off exponentially after errors, counts them, and resets after a success', async () => {
    const clock = new ManualClock(0);
    let fail = 3;
    const errors: string[] = [];
    const metrics = new ControllerMetrics();
    const loop = counting('flaky', 60_000, false, async () => {
      if (fail-- > 0) throw new Error('boom');
    });
    const runner = new LoopRunner({ clock, metrics, isLeader: () => true, onError: (n) => errors.push(n), initialBackoffMs: 100, maxBackoffMs: 1000 }).add(loop);
    runner.start();
    await flush();
    expect(loop.runs).toBe(1);
    clock.advance(100);
    await flush();
    expect(loop.runs).toBe(2);
    clock.advance(199);
    await flush();
    expect(loop.runs).toBe(2); // second backoff is 200 ms
    clock.advance(1);
    await flush();
    expect(loop.runs).toBe(3);
    clock.advance(400);
    await flush();
    expect(loop.runs).toBe(4); // succeeded: back to the interval
    clock.advance(1000);
    await flush();
    expect(loop.runs).toBe(4);
    expect(errors).toEqual(['flaky', 'flaky', 'flaky']);
    expect(metrics.value('loopRuns', { loop: 'flaky', result: 'error' })).toBe(3);
    await runner.stop();
  });

  it('runOnce never overlaps a pass in progress', async () => {
    const clock = new ManualClock(0);
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const loop = counting('slow', 1e15, false, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      if (loop.runs === 1) await gate;
      active--;
    });
    const runner = new LoopRunner({ clock, metrics: new ControllerMetrics(), isLeader: () => true, onError: () => {} }).add(loop);
    runner.start();
    await flush();
    const once = runner.runOnce('slow');
    await flush();
    expect(loop.runs).toBe(1);
    release();
    await once;
    expect(loop.runs).toBe(2);
    expect(maxActive).toBe(1);
    await runner.stop();
  });

  it('after leadership is lost, a leader-only loop forgets before its next pass, never during one', async () => {
    const clock = new ManualClock(0);
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const leaderLoop: Loop = {
      name: 'disruption',
      intervalMs: 1e15,
      leaderOnly: true,
      async reconcile() {
        calls.push('pass start');
        if (calls.length === 1) await gate;
        calls.push('pass end');
      },
      forget: () => calls.push('forget'),
    };
    const everyone = { ...counting('config', 1e15, false), forget: () => calls.push('config forget') };
    const runner = new LoopRunner({ clock, metrics: new ControllerMetrics(), isLeader: () => true, onError: () => {} }).add(leaderLoop).add(everyone);
    runner.start();
    await flush();
    runner.leadershipLost(); // while the first pass is running
    await flush();
    expect(calls).toEqual(['pass start']);
    release();
    await flush();
    await runner.runOnce('disruption');
    await runner.runOnce('disruption');
    // Once, between the pass in progress and the next; loops every replica runs keep their memory.
    expect(calls).toEqual(['pass start', 'pass end', 'forget', 'pass start', 'pass end', 'pass start', 'pass end']);
    await runner.runOnce('config');
    expect(calls).not.toContain('config forget');
    await runner.stop();
  });
});
