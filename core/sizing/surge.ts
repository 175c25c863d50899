/**
 * The reactive floor's demand during a surprise surge. Pure.
 *
 * The floor serves demand already observed (metrics lag old) whatever the forecast said. In a flash
 * crowd that is not enough: by the time pods and nodes started now are ready (the lead: metrics
 * lag + node Ready + pod start), demand has climbed further. When observed demand is far above what
 * the forecast's band allowed for — a surge the forecast did not see — the floor extrapolates the
 * observed rise over the lead. Below that factor it is the observed demand: ordinary noise climbs
 * and falls back within the lead, and extrapolating it would hold capacity for rises that do not
 * last.
 */

export interface SurgeOptions {
  /** Observed demand above `factor` × the band for now counts as a surge (0 = never extrapolate). */
  factor: number;
  /** Seconds of observed demand the rise is measured over. */
  windowSeconds: number;
}

export const DEFAULT_SURGE: SurgeOptions = { factor: 2, windowSeconds: 30 };

/**
 * Demand (requests per second) the floor sizes for: `observed`, or during a surge `observed` plus
 * its rise since `windowSeconds` earlier (`earlier`) extrapolated over `leadSeconds`. `expected` is
 * the forecast's upper band for now; with no band yet (0 or not finite) nothing is a surprise.
 */
export function surgeFloorDemand(observed: number, earlier: number, expected: number, leadSeconds: number, options: SurgeOptions): number {
  if (!(options.factor >= 0) || !(options.windowSeconds > 0)) throw new RangeError(`surge factor must be ≥ 0 and window > 0, got ${options.factor}, ${options.windowSeconds}`);
  const seen = Number.isFinite(observed) && observed > 0 ? observed : 0;
  if (options.factor === 0 || !(expected > 0) || !Number.isFinite(expected) || seen <= options.factor * expected) return seen;
  const before = Number.isFinite(earlier) && earlier > 0 ? earlier : 0;
  const rise = Math.max(0, seen - before) / options.windowSeconds;
  return seen + rise * Math.max(0, leadSeconds);
}
