/**
 * Leader election on a `coordination.k8s.io/v1` Lease (client-go's algorithm): try to acquire
 * every `retryMs`; the holder renews every `retryMs` and steps down if it has not renewed within
 * `renewDeadlineMs` (so it stops acting before anyone else may take over); a candidate takes an
 * expired lease (`leaseDurationSeconds` after the last renewal). `stop()` releases the lease so a
 * successor takes over at once instead of after the duration.
 *
 * Leadership is a fact about time, so every decision reads the injected clock; API failures count
 * as "not renewed" — a leader cut off from the API server stops acting.
 */
import type { Clock } from '../model/clock.js';
import { LeaseClient } from '../kube/leases.js';
import type { KubeClient } from '../kube/client.js';

export interface LeaderElectionOptions {
  client: KubeClient;
  clock: Clock;
  namespace: string;
  name: string;
  identity: string;
  /** Default 15 s. */
  leaseDurationSeconds?: number;
  /** Default 10 s; must be below the lease duration. */
  renewDeadlineMs?: number;
  /** Default 2 s. */
  retryMs?: number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onError?: (error: unknown) => void;
}

export class LeaderElector {
  private readonly lease: LeaseClient;
  private leading = false;
  private lastRenew = 0;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake?: () => void;

  constructor(private readonly options: LeaderElectionOptions) {
    this.lease = new LeaseClient(options.client, options.namespace, options.name);
    const duration = (options.leaseDurationSeconds ?? 15) * 1000;
    if ((options.renewDeadlineMs ?? 10_000) >= duration) throw new RangeError('renewDeadlineMs must be shorter than the lease duration');
  }

  get identity(): string {
    return this.options.identity;
  }

  isLeader(): boolean {
    // Re-checked on every read: a leader whose renewals are failing stops being one by the deadline,
    // even between two passes of the election loop.
    if (this.leading && this.options.clock.now() - this.lastRenew > (this.options.renewDeadlineMs ?? 10_000)) this.setLeading(false);
    return this.leading;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops campaigning; releases the lease when held. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loopDone;
    const wasLeading = this.leading;
    this.setLeading(false);
    if (wasLeading) {
      try {
        await this.lease.release(this.options.identity);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  /** Stops without releasing: what a crash looks like to the others (tests). */
  async abandon(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    this.setLeading(false);
  }

  private setLeading(value: boolean): void {
    if (value === this.leading) return;
    this.leading = value;
    if (value) this.options.onStartedLeading?.();
    else this.options.onStoppedLeading?.();
  }

  private async loop(): Promise<void> {
    const retry = this.options.retryMs ?? 2000;
    while (this.running) {
      try {
        const result = await this.lease.tryAcquire(this.options.identity, this.options.leaseDurationSeconds ?? 15, this.options.clock.now());
        if (!this.running) break;
        if (result.ok) {
          this.lastRenew = this.options.clock.now();
          this.setLeading(true);
        } else {
          this.setLeading(false);
        }
      } catch (error) {
        this.options.onError?.(error);
        this.isLeader();
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void this.options.clock.sleep(retry).then(resolve);
      });
      this.wake = undefined;
    }
  }
}
