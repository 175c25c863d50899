/**
 * Time, injected. Decision code never reads a clock: it receives `now` in its snapshot.
 * Loops and I/O code receive a Clock so tests and the simulator can drive time by hand.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds of this clock's time, or at once when `signal` aborts (it
   * never rejects): a loop's wait ends with the loop, without a timer left behind.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A real-time wait of `ms`, cleared and resolved early when `signal` aborts. `unref`: the timer
 * does not keep the process alive on its own.
 */
export function timerSleep(ms: number, signal?: AbortSignal, unref = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    if (unref) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => timerSleep(ms, signal),
};

/** A clock that only moves when told to; sleepers wake when time passes their deadline. */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: Array<{ until: number; wake: () => void }> = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { until: this.current + Math.max(0, ms), wake: () => {
        signal?.removeEventListener('abort', cancel);
        resolve();
      } };
      const cancel = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  /** Sleepers waiting for time to pass (aborted ones are gone). */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** Moves time forward and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(ms: number): void {
    this.current = ms;
    const due = this.sleepers.filter((s) => s.until <= ms);
    this.sleepers = this.sleepers.filter((s) => s.until > ms);
    for (const sleeper of due) sleeper.wake();
  }
}
