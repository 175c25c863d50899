/**
 * The reactive floor's demand during a surprise surge. Pure.
 *
 * The floor serves demand already observed (metrics lag old) whatever the forecast said. In a flash
 * crowd that is not enough: by the time pods and nodes started now are ready (the lead: metrics
 * lag + node Ready + pod start), demand has climbed further. When observed demand is far above what
 * the forecast's band allowed for — a surge the forecast did not see — the floor extrapolates the
 * observed rise over the lead. Below that factor it is the observed demand: ordinary noise climbs
 * and falls back within the lead, and extrapolating it would hold capacity for rises that do not
 * last — unless the forecast keeps missing: when each of the last `sustainBuckets` complete buckets
 * was above the upper band forecast for it, the rise is a shift the forecast has not caught up
 * with, not noise (a calibrated band at quantile τ is exceeded with probability 1 − τ, so twice in
 * a row by independent errors 1 in 800 at 0.965, three times 1 in 23,000), and the floor extrapolates
 * it too.
 */

export interface SurgeOptions {
  /** Observed demand above `factor` × the band for now counts as a surge (0 = never extrapolate). */
  factor: number;
  /** Seconds of observed demand the rise is measured over. */
  windowSeconds: number;
  /**
   * Consecutive complete buckets above the band forecast for each that also count as a surge,
   * whatever the factor (0 = never).
   */
  sustainBuckets: number;
}

export const DEFAULT_SURGE: SurgeOptions = { factor: 2, windowSeconds: 30, sustainBuckets: 3 };

/**
 * The run of consecutive buckets above their band after one more bucket: `value` (its mean rate)
 * against `band` (the upper band the forecast gave it, same unit); no band (0 or not finite) breaks
 * the run, as does a gap (a value that is not finite).
 */
export function nextAboveBandRun(run: number, value: number, band: number): number {
  return Number.isFinite(value) && band > 0 && Number.isFinite(band) && value > band ? run + 1 : 0;
}

/**
 * Demand (requests per second) the floor sizes for: `observed`, or during a surge `observed` plus
 * its rise since `windowSeconds` earlier (`earlier`) extrapolated over `leadSeconds`. `expected` is
 * the forecast's upper band for now; with no band yet (0 or not finite) nothing is a surprise by
 * the factor. `aboveBandRun` is how many complete buckets in a row were above their band
 * (`nextAboveBandRun`).
 */
export function surgeFloorDemand(observed: number, earlier: number, expected: number, leadSeconds: number, options: SurgeOptions, aboveBandRun = 0): number {
  if (!(options.factor >= 0) || !(options.windowSeconds > 0) || !(options.sustainBuckets >= 0)) {
    throw new RangeError(`surge factor and sustained buckets must be ≥ 0 and window > 0, got ${options.factor}, ${options.sustainBuckets}, ${options.windowSeconds}`);
  }
  const seen = Number.isFinite(observed) && observed > 0 ? observed : 0;
  const byFactor = options.factor > 0 && expected > 0 && Number.isFinite(expected) && seen > options.factor * expected;
  const sustained = options.sustainBuckets > 0 && aboveBandRun >= options.sustainBuckets;
  if (!byFactor && !sustained) return seen;
  const before = Number.isFinite(earlier) && earlier > 0 ? earlier : 0;
  const rise = Math.max(0, seen - before) / options.windowSeconds;
  return seen + rise * Math.max(0, leadSeconds);
}
