/**
 * Remembers offerings the cloud recently could not sell, so the solver stops choosing them for a
 * while (Karpenter keeps them 3 minutes). Time comes from an injected clock; the solver receives
 * a frozen snapshot (`excluded()`), never this object, so it stays pure.
 */
import type { Clock } from '../model/clock.js';
import { offeringKey, type OfferingRef } from '../model/instance-type.js';

export const DEFAULT_UNAVAILABLE_TTL_MS = 3 * 60 * 1000;

export interface UnavailableEntry {
  readonly ref: OfferingRef;
  readonly reason: string;
  readonly until: number;
}

export class UnavailableOfferings {
  private readonly entries = new Map<string, UnavailableEntry>();
  private readonly ttlMs: number;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    options: { ttlMs?: number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_UNAVAILABLE_TTL_MS;
    if (!(this.ttlMs >= 0) || !Number.isFinite(this.ttlMs)) throw new RangeError(`ttlMs must be a finite number ≥ 0, got ${options.ttlMs}`);
  }

  /** Marks offerings unavailable for the TTL from now (re-marking extends it). */
  markUnavailable(refs: OfferingRef | readonly OfferingRef[], reason = 'InsufficientCapacity'): void {
    const until = this.clock.now() + this.ttlMs;
    for (const ref of Array.isArray(refs) ? refs : [refs as OfferingRef]) {
      this.entries.set(offeringKey(ref), { ref, reason, until });
    }
  }

  isUnavailable(ref: OfferingRef): boolean {
    const entry = this.entries.get(offeringKey(ref));
    return entry !== undefined && entry.until > this.clock.now();
  }

  /** Offering keys (`offeringKey`) excluded right now; expired entries are dropped. */
  excluded(): ReadonlySet<string> {
    const now = this.clock.now();
    const keys = new Set<string>();
    for (const [key, entry] of this.entries) {
      if (entry.until > now) keys.add(key);
      else this.entries.delete(key);
    }
    return keys;
  }

  /** Current entries, for status output. */
  list(): UnavailableEntry[] {
    const now = this.clock.now();
    return [...this.entries.values()].filter((e) => e.until > now).sort((a, b) => (offeringKey(a.ref) < offeringKey(b.ref) ? -1 : 1));
  }

  clear(): void {
    this.entries.clear();
  }
}

export interface LaunchBackoffEntry {
  readonly key: string;
  readonly nodePool: string;
  readonly reason: string;
  /** Refusals in a row. */
  readonly failures: number;
  /** When the last refusal happened (ms on the clock). */
  readonly refusedAt: number;
  /** No launch of this key before then (ms on the clock). */
  readonly retryAt: number;
}

/** What `restore` did with an entry read back from the API. */
export type RestoreOutcome = 'adopted' | 'known' | 'forgotten' | 'expired';

/**
 * Launches the cloud refused as invalid (no node class, no image for the architecture, no subnet
 * in the zone), by a key the caller derives from what was asked (pool and requirements). Retrying
 * the same request cannot succeed until someone fixes the configuration, so each refusal in a row
 * doubles the wait, from `initialMs` up to `maxMs`; a success forgets the key. An entry nobody
 * retried for `maxMs` past its retry time is dropped (the demand went away).
 *
 * The entries are also written to the API (the NodePool's `status.launchRefusals`, ADR 095) and
 * read back with `restore`, so a new leader waits out a backoff the previous one started.
 */
export class LaunchBackoff {
  private readonly entries = new Map<string, LaunchBackoffEntry>();
  /** Key → when a launch of it last succeeded: an older refusal read back from the API is stale. */
  private readonly succeededAt = new Map<string, number>();
  readonly initialMs: number;
  readonly maxMs: number;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    options: { initialMs?: number; maxMs?: number } = {},
  ) {
    this.initialMs = options.initialMs ?? 30_000;
    this.maxMs = options.maxMs ?? 10 * 60_000;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs) || !Number.isFinite(this.maxMs)) {
      throw new RangeError(`launch backoff needs 0 < initialMs ≤ maxMs < ∞, got ${options.initialMs} and ${options.maxMs}`);
    }
  }

  /** Records a refusal; returns the entry (its retry time). */
  refused(key: string, nodePool: string, reason: string): LaunchBackoffEntry {
    const failures = (this.current(key)?.failures ?? 0) + 1;
    const wait = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(failures - 1, 30));
    const now = this.clock.now();
    const entry = { key, nodePool, reason, failures, refusedAt: now, retryAt: now + wait };
    this.entries.set(key, entry);
    return entry;
  }

  succeeded(key: string): void {
    this.entries.delete(key);
    this.succeededAt.set(key, this.clock.now());
  }

  /**
   * Takes over an entry another process recorded (read back from the API). Kept as it is unless
   * this process already knows a refusal at least as recent, saw a launch of the key succeed since,
   * or the entry has expired. The wait is capped at `maxMs` from now, so a time far in the future
   * (a hand edit, another configuration) cannot hold the pool for longer than this process would.
   */
  restore(entry: LaunchBackoffEntry): RestoreOutcome {
    const now = this.clock.now();
    this.forgetOldSuccesses(now);
    const succeeded = this.succeededAt.get(entry.key);
    if (succeeded !== undefined && succeeded >= entry.refusedAt) return 'forgotten';
    if (now > entry.retryAt + this.maxMs) return 'expired';
    const known = this.current(entry.key);
    if (known && known.refusedAt >= entry.refusedAt) return 'known';
    const failures = Math.max(1, Math.min(Math.floor(entry.failures), 1000));
    this.entries.set(entry.key, { ...entry, failures, refusedAt: Math.min(entry.refusedAt, now), retryAt: Math.min(entry.retryAt, now + this.maxMs) });
    return 'adopted';
  }

  /** The entry while launches of `key` must wait, else undefined. */
  waiting(key: string): LaunchBackoffEntry | undefined {
    const entry = this.current(key);
    return entry && entry.retryAt > this.clock.now() ? entry : undefined;
  }

  /** Entries still remembered (waiting, or due and not yet retried), for status and metrics. */
  list(): LaunchBackoffEntry[] {
    for (const key of [...this.entries.keys()]) this.current(key);
    return [...this.entries.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  private current(key: string): LaunchBackoffEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.clock.now() > entry.retryAt + this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * A success more than twice `maxMs` ago cannot shadow anything still worth restoring: a refusal
   * before it waited at most `maxMs` and is dropped `maxMs` after its retry time.
   */
  private forgetOldSuccesses(now: number): void {
    for (const [key, at] of this.succeededAt) if (now - at > 2 * this.maxMs) this.succeededAt.delete(key);
  }
}
