/**
 * Pure helpers that turn what a metrics backend returned into the readings of source.ts:
 * NaN, infinities and negative values are not observations (a histogram quantile over zero
 * requests is NaN; a negative rate means a broken counter), and missing grid steps are counted
 * as gaps rather than filled in.
 */
import type { Freshness, LatestReading, Sample, TimeRange } from './source.js';

/** A raw point as a backend returned it: value may be NaN or infinite. */
export type RawPoint = readonly [t: number, v: number];

export function isObservation(v: number): boolean {
  return Number.isFinite(v) && v >= 0;
}

/** The number of grid points in a range (start and end included). */
export function gridPoints(range: TimeRange): number {
  return Math.floor((range.end - range.start) / range.stepSeconds + 1e-9) + 1;
}

/**
 * Keeps the usable points that fall on the range's grid (within a millisecond: backends print
 * timestamps with fractions), sorted and de-duplicated (the later duplicate wins), and counts
 * the grid steps left without a value.
 */
export function cleanSeries(points: readonly RawPoint[], range: TimeRange): { samples: Sample[]; gaps: number } {
  const byStep = new Map<number, number>();
  for (const [t, v] of points) {
    if (!Number.isFinite(t) || t < range.start - 1e-3 || t > range.end + 1e-3) continue;
    const index = Math.round((t - range.start) / range.stepSeconds);
    if (Math.abs(range.start + index * range.stepSeconds - t) > 1e-3) continue;
    if (isObservation(v)) byStep.set(index, v);
    else byStep.delete(index);
  }
  const samples = [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, v]) => ({ t: range.start + index * range.stepSeconds, v }));
  return { samples, gaps: gridPoints(range) - samples.length };
}

/** Freshness of a history: points or not. */
export function historyFreshness(samples: readonly Sample[]): Freshness {
  return samples.length > 0 ? 'fresh' : 'missing';
}

/**
 * Classifies the newest observation at `now`: fresh when it is at most `staleAfterSeconds` old,
 * stale when older, missing when there is none.
 */
export function classifyLatest(lastSeen: Sample | undefined, now: number, staleAfterSeconds: number): LatestReading {
  if (!lastSeen) return { freshness: 'missing', at: now, reason: `no data in the last ${staleAfterSeconds} s` };
  const age = now - lastSeen.t;
  if (age <= staleAfterSeconds) return { freshness: 'fresh', value: lastSeen.v, lastSeen, at: now };
  return { freshness: 'stale', lastSeen, at: now, reason: `newest value is ${Math.round(age)} s old (limit ${staleAfterSeconds} s)` };
}

/**
 * Per-interval increases of a cumulative counter, with Prometheus' reset rule: a drop means the
 * counter restarted from zero, so the increase is the new value itself, never negative.
 * Used by the simulated source, which stores raw counters like an exporter would.
 */
export function counterIncreases(counter: readonly Sample[]): Sample[] {
  const out: Sample[] = [];
  for (let i = 1; i < counter.length; i++) {
    const previous = counter[i - 1].v;
    const current = counter[i].v;
    out.push({ t: counter[i].t, v: current >= previous ? current - previous : current });
  }
  return out;
}
