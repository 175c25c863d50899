/**
 * A feedback controller on the served record: the sizing margin that multiplies forecast demand.
 * Pure: the simulator and the controller feed it what they observed and size with its margin.
 *
 * The forecast's band is calibrated on forecast errors per bucket; whether capacity actually fell
 * short also depends on what the band cannot see — surges inside a bucket, node and pod start
 * delays, whole nodes, damping. So the margin is corrected on the outcome itself, by the rule of
 * adaptive conformal inference applied to capacity: after each observed interval its logarithm
 * moves up by `rate × minutes × (1 − target)` when demand exceeded ready capacity and down by
 * `rate × minutes × target` when it did not. Between its bounds, the long-run share of time with
 * unserved demand converges to `target` whatever the traffic; the margin rises where traffic is
 * volatile and decays back where it is calm, so capacity goes where shortfalls happen.
 *
 * By default the margin never goes below 1: it only adds to the fixed sizing margin (utilization),
 * never takes it away. Measured on the shared traces, a margin free to fall below 1 bought the
 * same cost / unserved trade-off as a lower utilization, at many more minutes with a shortfall
 * (ADR 075); one that only rises where shortfalls cluster lowered the curve. */

export interface ShortfallFeedbackOptions {
  /** Share of time with any unserved demand the controller steers to (0 < target < 1). */
  target: number;
  /** Step of log(margin) per minute of observation (how fast it reacts). */
  ratePerMinute: number;
  /** Bounds of the margin (a multiplier of forecast demand). */
  minMargin: number;
  maxMargin: number;
}

export const DEFAULT_SHORTFALL_FEEDBACK: Omit<ShortfallFeedbackOptions, 'target'> = { ratePerMinute: 0.05, minMargin: 1, maxMargin: 3 };

/**
 * The target share of time short of capacity that goes with a forecast band quantile: a quarter of
 * the band's miss rate (quantile 0.98 → 0.5% of the time). One knob, the quantile, sets how much
 * risk the operator accepts; capacity must miss less often than the forecast, because a miss of
 * the band is absorbed by the utilization margin most of the time while a capacity miss is not.
 */
export function shortfallTargetForQuantile(quantile: number): number {
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be between 0 and 1, got ${quantile}`);
  return (1 - quantile) / 4;
}

/**
 * The margin after one observed interval of `seconds`: raised when demand exceeded ready capacity
 * during it (`short`), lowered otherwise; clamped to the bounds. A non-finite or non-positive
 * margin restarts at 1; a non-positive interval changes nothing.
 */
export function nextMargin(margin: number, short: boolean, seconds: number, options: ShortfallFeedbackOptions): number {
  validateFeedback(options);
  const m = Number.isFinite(margin) && margin > 0 ? margin : 1;
  if (!(seconds > 0) || !Number.isFinite(seconds)) return clamp(m, options);
  const step = options.ratePerMinute * (seconds / 60) * ((short ? 1 : 0) - options.target);
  return clamp(m * Math.exp(step), options);
}

/** Per-pod capacity to size with under a margin: the margin scales demand, so it divides capacity. */
export function marginedRpsPerPod(rpsPerPod: number, margin: number): number {
  if (!(rpsPerPod > 0) || !Number.isFinite(rpsPerPod)) throw new RangeError(`rpsPerPod must be a positive number, got ${rpsPerPod}`);
  if (!(margin > 0) || !Number.isFinite(margin)) throw new RangeError(`margin must be a positive number, got ${margin}`);
  return rpsPerPod / margin;
}

export function validateFeedback(options: ShortfallFeedbackOptions): void {
  const { target, ratePerMinute, minMargin, maxMargin } = options;
  if (!(target > 0 && target < 1)) throw new RangeError(`target must be between 0 and 1, got ${target}`);
  if (!(ratePerMinute > 0) || !Number.isFinite(ratePerMinute)) throw new RangeError(`ratePerMinute must be a positive number, got ${ratePerMinute}`);
  if (!(minMargin > 0 && minMargin <= maxMargin) || !Number.isFinite(maxMargin)) {
    throw new RangeError(`margin bounds must satisfy 0 < minMargin ≤ maxMargin, got ${minMargin}..${maxMargin}`);
  }
}

function clamp(m: number, options: ShortfallFeedbackOptions): number {
  return Math.min(options.maxMargin, Math.max(options.minMargin, m));
}
