/**
 * A demand series on a regular time grid: what every forecaster, backtest and simulator consumes.
 * Values are counts per bucket (requests in the step that starts at `startSec + i * stepSeconds`);
 * a missing bucket is NaN, a quiet bucket is 0 — the two are never confused.
 */
export interface RegularSeries {
  /** Unix seconds at the start of the first bucket. */
  startSec: number;
  stepSeconds: number;
  /** Count per bucket; NaN marks a gap (no data), 0 a bucket with no requests. */
  values: Float64Array;
}

/** Unix seconds at the start of bucket `index`. */
export function bucketStart(series: RegularSeries, index: number): number {
  return series.startSec + index * series.stepSeconds;
}

/** Number of buckets that hold data (not gaps). */
export function observedCount(series: RegularSeries): number {
  let n = 0;
  for (const v of series.values) if (!Number.isNaN(v)) n++;
  return n;
}
