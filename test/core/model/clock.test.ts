import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock, timerSleep } from '../../../core/model/clock.js';
import { ScaledClock } from '../../../core/sandbox/clock.js';

/** Whether `p` has settled by the time queued callbacks have run. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('Clock.sleep with an abort signal', () => {
  it('the system clock wakes a long sleep at once when the signal aborts', async () => {
    const stop = new AbortController();
    const sleep = systemClock.sleep(60 * 60_000, stop.signal);
    expect(await settled(sleep)).toBe(false);
    stop.abort();
    expect(await settled(sleep)).toBe(true);
  });

  it('a sleep with an already-aborted signal resolves without waiting', async () => {
    const stop = new AbortController();
    stop.abort();
    expect(await settled(systemClock.sleep(60 * 60_000, stop.signal))).toBe(true);
    expect(await settled(new ManualClock().sleep(1000, stop.signal))).toBe(true);
  });

  it('without a signal the system clock sleeps its time', async () => {
    const t0 = performance.now();
    await timerSleep(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it('the manual clock drops an aborted sleeper and still wakes the others when time passes', async () => {
    const clock = new ManualClock(0);
    const stop = new AbortController();
    const aborted = clock.sleep(1000, stop.signal);
    const other = clock.sleep(1000);
    expect(clock.sleeping).toBe(2);
    stop.abort();
    expect(await settled(aborted)).toBe(true);
    expect(clock.sleeping).toBe(1);
    expect(await settled(other)).toBe(false);
    clock.advance(999);
    expect(await settled(other)).toBe(false);
    clock.advance(1);
    expect(await settled(other)).toBe(true);
    expect(clock.sleeping).toBe(0);
  });

  it('a manual sleeper woken by time ignores a later abort', async () => {
    const clock = new ManualClock(0);
    const stop = new AbortController();
    const sleep = clock.sleep(10, stop.signal);
    clock.advance(10);
    expect(await settled(sleep)).toBe(true);
    stop.abort();
    expect(clock.sleeping).toBe(0);
  });

  it('the sandbox scaled clock sleeps scaled time and wakes on abort', async () => {
    const clock = new ScaledClock(1000);
    const t0 = performance.now();
    await clock.sleep(20_000); // 20 s of sandbox time at 1000× is 20 ms
    expect(performance.now() - t0).toBeLessThan(2000);
    const stop = new AbortController();
    const long = clock.sleep(10 * 3_600_000, stop.signal);
    expect(await settled(long)).toBe(false);
    stop.abort();
    expect(await settled(long)).toBe(true);
  });
});
