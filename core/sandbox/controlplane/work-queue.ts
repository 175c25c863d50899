/**
 * A keyed work queue for a controller: a key added while queued is not queued twice, a key is
 * never reconciled by two workers at once, and a failed reconcile is retried after a delay.
 */
import type { Clock } from '../../model/clock.js';

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private draining = false;
  private stopped = false;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly clock: Clock,
    private readonly onError: (key: string, error: unknown) => void,
    private readonly retryDelayMs = 500,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.queued.add(key);
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => void this.drain());
    }
  }

  stop(): void {
    this.stopped = true;
    this.queued.clear();
  }

  /** True when nothing is queued or running (tests wait on it). */
  idle(): boolean {
    return this.queued.size === 0 && this.active.size === 0;
  }

  private async drain(): Promise<void> {
    while (this.queued.size > 0 && !this.stopped) {
      const batch = [...this.queued];
      this.queued.clear();
      await Promise.all(batch.map((key) => this.run(key)));
    }
    this.draining = false;
  }

  private async run(key: string): Promise<void> {
    this.active.add(key);
    try {
      await this.reconcile(key);
    } catch (error) {
      this.onError(key, error);
      void this.clock.sleep(this.retryDelayMs).then(() => this.add(key));
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key)) this.add(key);
    }
  }
}
