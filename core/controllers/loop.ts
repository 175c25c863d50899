/**
 * The loop runner: every controller concern is a `Loop` with a name, a reconcile function and an
 * interval; `trigger()` runs it early (an informer event, a mode switch). A failing reconcile is
 * retried with exponential backoff (capped) instead of the interval, and counted. Runs never
 * overlap: a trigger during a run schedules exactly one more run.
 */
import type { Clock } from '../model/clock.js';
import type { ControllerMetrics } from './metrics.js';

export interface Loop {
  readonly name: string;
  /** Time between runs when nothing triggers one (clock milliseconds). */
  readonly intervalMs: number;
  /** Only the leader runs it (it changes the cluster or the cloud). */
  readonly leaderOnly: boolean;
  /** One pass over the current state. Throwing counts as an error and backs off. */
  reconcile(): Promise<void>;
  /**
   * Leader-only loops: drops what the loop remembers of its own decisions (drains in progress,
   * candidates being validated). Called before the first pass after this process stopped leading,
   * so a later term starts from the cluster as it is, not from memory of an earlier term that
   * another leader may have undone in between.
   */
  forget?(): void;
  /**
   * Ends a wait in progress (a long poll) so that the pass returns soon. Called when the runner
   * stops and when the process stops leading: a pass must not hold a shutdown or act for a
   * leadership that has passed.
   */
  cancel?(): void;
}

export interface LoopRunnerOptions {
  clock: Clock;
  metrics: ControllerMetrics;
  /** Leader-only loops are skipped while this is false. */
  isLeader: () => boolean;
  onError: (loop: string, error: unknown) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

interface LoopState {
  loop: Loop;
  running: boolean;
  /** The pass in progress, so `runOnce` never overlaps one. */
  inflight?: Promise<boolean>;
  again: boolean;
  failures: number;
  /** The process stopped leading since this loop's last pass: call `forget` before the next one. */
  forgetPending: boolean;
  wake?: () => void;
}

export class LoopRunner {
  private readonly states = new Map<string, LoopState>();
  private stopped = true;
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: LoopRunnerOptions) {}

  add(loop: Loop): this {
    this.states.set(loop.name, { loop, running: false, again: false, failures: 0, forgetPending: false });
    return this;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const state of this.states.values()) void this.cycle(state);
  }

  /** Stops scheduling; resolves when no reconcile is running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const state of this.states.values()) {
      state.wake?.();
      state.loop.cancel?.();
    }
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs the named loops (all when none given) as soon as they are free. */
  trigger(...names: string[]): void {
    for (const state of this.states.values()) {
      if (names.length > 0 && !names.includes(state.loop.name)) continue;
      if (state.running) state.again = true;
      else state.wake?.();
    }
  }

  /**
   * This process stopped leading: each leader-only loop forgets its decisions before its next pass
   * (a pass in progress finishes first; passes never overlap).
   */
  leadershipLost(): void {
    for (const state of this.states.values()) {
      if (!state.loop.leaderOnly) continue;
      state.forgetPending = true;
      state.loop.cancel?.();
    }
  }

  /** Runs one reconcile of a loop now (tests, the benchmark); errors propagate. */
  async runOnce(name: string): Promise<void> {
    const state = this.states.get(name);
    if (!state) throw new Error(`no loop named ${name}`);
    while (state.inflight) await state.inflight;
    await this.run(state, true);
  }

  private run(state: LoopState, rethrow = false): Promise<boolean> {
    const pass = this.pass(state, rethrow);
    state.inflight = pass.catch(() => false);
    void state.inflight.then(() => {
      if (state.inflight && !state.running) state.inflight = undefined;
    });
    return pass;
  }

  private async pass(state: LoopState, rethrow: boolean): Promise<boolean> {
    const { loop } = state;
    if (state.forgetPending) {
      state.forgetPending = false;
      loop.forget?.();
    }
    if (loop.leaderOnly && !this.options.isLeader()) return true;
    state.running = true;
    this.active++;
    const started = performance.now();
    try {
      await loop.reconcile();
      state.failures = 0;
      this.options.metrics.loopRun(loop.name, (performance.now() - started) / 1000, true);
      return true;
    } catch (error) {
      state.failures++;
      this.options.metrics.loopRun(loop.name, (performance.now() - started) / 1000, false);
      this.options.onError(loop.name, error);
      if (rethrow) throw error;
      return false;
    } finally {
      state.running = false;
      this.active--;
      if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async cycle(state: LoopState): Promise<void> {
    while (!this.stopped) {
      state.again = false;
      const ok = await this.run(state);
      if (this.stopped) return;
      if (state.again) continue;
      const base = this.options.initialBackoffMs ?? 1000;
      const delay = ok ? state.loop.intervalMs : Math.min(base * 2 ** (state.failures - 1), this.options.maxBackoffMs ?? 60_000);
      await new Promise<void>((resolve) => {
        state.wake = resolve;
        // Timers hold at most ~24.8 days; a longer interval means "only when triggered".
        if (delay < 2 ** 31 - 1) void this.options.clock.sleep(delay).then(resolve);
      });
      state.wake = undefined;
    }
  }
}
