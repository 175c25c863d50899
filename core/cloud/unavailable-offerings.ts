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
