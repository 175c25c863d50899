/**
 * Rolling-origin scoring of one model, online. Every step the model's forecasts for the next H
 * steps are filed; when a step's actual arrives, each forecast made for it (1…H steps earlier) is
 * scored. Per horizon step it keeps:
 *  - an exponentially weighted mean absolute error (what the selector compares), and
 *  - the upper band's calibration: band = point + q × scale, with scale the recent MAE at that
 *    horizon and q moved after each outcome by the rule of adaptive conformal inference — up by
 *    η·τ on a miss, down by η·(1−τ) on a hit — so the long-run share of actuals under the band
 *    converges to the nominal quantile τ whatever the error distribution.
 * Everything is O(H) per step.
 */

export interface TrackerOptions {
  horizon: number;
  /** Nominal coverage of the upper band, e.g. 0.9. */
  quantile: number;
  /** Weight of the newest error in the recent MAE. */
  errorAlpha: number;
  /** Step size of the band's quantile (in units of the recent MAE). */
  bandRate: number;
}

export interface TrackerState {
  mae: Array<number | null>;
  q: number[];
  n: number[];
}

/**
 * Where the band's multiplier starts, in units of the recent MAE, before any outcome has moved it:
 * the `quantile` of absolute errors under a Laplace (double-exponential) error model, whose upper
 * tail beyond x MAEs holds ½·e^(−x) of the outcomes — so x = ln(0.5 ÷ (1 − quantile)), 2.66 for
 * 0.965, 0 at or below the median. Heavy tails are what request counts show: the multiplier the
 * adaptive rule settles at after weeks is 2.5–3.5 at 0.965 on the four shared traces. A fixed start
 * (it was 1.5, about a 89% band whatever the quantile asked for) left the first day under-covered —
 * the rule climbs by η·τ per miss, so it takes dozens of misses to get there — which is when a new
 * Deployment has no backfill and every surprise is a shortfall.
 */
export function initialBandMultiplier(quantile: number): number {
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be between 0 and 1, got ${quantile}`);
  return Math.max(0, Math.log(0.5 / (1 - quantile)));
}

/** Called for each scored forecast: the tracker's label, horizon step (1-based), point, upper band, actual. */
export type ScoreListener = (label: string, h: number, point: number, upper: number, actual: number) => void;

export class HorizonTracker {
  private readonly mae: Float64Array;
  private readonly q: Float64Array;
  private readonly n: Float64Array;
  /** Filed forecasts: slot (origin mod (H+1)) × H. */
  private readonly point: Float64Array;
  private readonly upper: Float64Array;
  private readonly originOfSlot: Float64Array;
  private readonly slots: number;

  constructor(private readonly options: TrackerOptions) {
    const H = options.horizon;
    this.mae = new Float64Array(H).fill(NaN);
    this.q = new Float64Array(H).fill(initialBandMultiplier(options.quantile));
    this.n = new Float64Array(H);
    this.slots = H + 1;
    this.point = new Float64Array(this.slots * H);
    this.upper = new Float64Array(this.slots * H);
    this.originOfSlot = new Float64Array(this.slots).fill(NaN);
  }

  /** Band scale at horizon h (1-based): the recent MAE, or a fallback while unknown. */
  scale(h: number, point: number): number {
    const m = this.mae[h - 1];
    return Number.isNaN(m) ? Math.max(1, Math.sqrt(point)) : Math.max(m, 1e-9);
  }

  /**
   * The upper band for a point forecast at horizon h; `width` (default 1) stretches it for a step
   * known to be more uncertain than the average one (a timer's spike), the calibration still holding
   * on average.
   */
  upperFor(h: number, point: number, width = 1): number {
    const u = point + this.q[h - 1] * this.scale(h, point) * width;
    return u > point ? u : point;
  }

  /** Files the forecasts made at `origin` (the last observed step) for origin+1 … origin+H, with optional band widths per step. */
  file(origin: number, forecast: Float64Array, widths?: Float64Array): void {
    const slot = origin % this.slots;
    this.originOfSlot[slot] = origin;
    const base = slot * this.options.horizon;
    for (let h = 1; h <= this.options.horizon; h++) {
      const p = forecast[h - 1];
      this.point[base + h - 1] = p;
      this.upper[base + h - 1] = this.upperFor(h, p, widths ? widths[h - 1] : 1);
    }
  }

  /** Scores every filed forecast for `step` against its actual. */
  score(step: number, actual: number, listener?: ScoreListener, label = ''): void {
    const { horizon, errorAlpha, quantile, bandRate } = this.options;
    for (let h = 1; h <= horizon; h++) {
      const origin = step - h;
      const slot = origin % this.slots;
      if (origin < 0 || this.originOfSlot[slot] !== origin) continue;
      const i = slot * horizon + h - 1;
      const p = this.point[i];
      const u = this.upper[i];
      const err = Math.abs(actual - p);
      const m = this.mae[h - 1];
      // Warm start: a plain mean over the first samples, then exponential weighting.
      const k = this.n[h - 1] + 1;
      this.n[h - 1] = k;
      const a = Math.max(errorAlpha, 1 / k);
      this.mae[h - 1] = Number.isNaN(m) ? err : m + a * (err - m);
      this.q[h - 1] += actual > u ? bandRate * quantile : -bandRate * (1 - quantile);
      if (listener) listener(label, h, p, u, actual);
    }
  }

  /**
   * Mean over the horizon of |actual − forecast| ÷ recent MAE of the forecasts filed for `step` (NaN
   * when none is filed or no MAE is known yet). Call it before `score`, which moves the MAE.
   */
  relativeError(step: number, actual: number): number {
    const horizon = this.options.horizon;
    let sum = 0;
    let n = 0;
    for (let h = 1; h <= horizon; h++) {
      const origin = step - h;
      const slot = origin % this.slots;
      const m = this.mae[h - 1];
      if (origin < 0 || this.originOfSlot[slot] !== origin || Number.isNaN(m)) continue;
      sum += Math.abs(actual - this.point[slot * horizon + h - 1]) / Math.max(m, 1e-9);
      n++;
    }
    return n > 0 ? sum / n : NaN;
  }

  /** Recent MAE at horizon h (1-based); NaN until scored once. */
  recentMae(h: number): number {
    return this.mae[h - 1];
  }

  /** Number of forecasts scored at horizon h. */
  scored(h: number): number {
    return this.n[h - 1];
  }

  toJSON(): TrackerState {
    return {
      mae: Array.from(this.mae, (v) => (Number.isNaN(v) ? null : v)),
      q: Array.from(this.q),
      n: Array.from(this.n),
    };
  }

  restore(state: TrackerState): void {
    const H = this.options.horizon;
    for (let i = 0; i < H; i++) {
      this.mae[i] = state.mae?.[i] ?? NaN;
      this.q[i] = state.q?.[i] ?? 1.5;
      this.n[i] = state.n?.[i] ?? 0;
    }
  }
}
