/**
 * Splits a range query so no sub-query asks for more than `maxPoints` points per series
 * (Prometheus refuses more than 11,000). The pieces lie on the same grid and do not overlap,
 * so concatenating their answers gives exactly the answer of the whole range. Pure.
 */
import type { TimeRange } from '../source.js';
import type { RangeSeries } from './response.js';

export function splitRange(range: TimeRange, maxPoints: number): TimeRange[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new TypeError('maxPoints must be a positive integer');
  const { start, end, stepSeconds } = range;
  const total = Math.floor((end - start) / stepSeconds + 1e-9) + 1;
  const pieces: TimeRange[] = [];
  for (let first = 0; first < total; first += maxPoints) {
    const last = Math.min(total - 1, first + maxPoints - 1);
    pieces.push({ start: start + first * stepSeconds, end: start + last * stepSeconds, stepSeconds });
  }
  return pieces;
}

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/** Joins the answers of consecutive pieces: same labels → one series, points in time order. */
export function mergeSeries(parts: readonly RangeSeries[][]): RangeSeries[] {
  const merged = new Map<string, RangeSeries>();
  for (const part of parts) {
    for (const series of part) {
      const key = labelKey(series.labels);
      const existing = merged.get(key);
      if (existing) existing.points.push(...series.points);
      else merged.set(key, { labels: series.labels, points: [...series.points] });
    }
  }
  for (const series of merged.values()) series.points.sort((a, b) => a[0] - b[0]);
  return [...merged.values()];
}
