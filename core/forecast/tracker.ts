/**
 * Rolling-origin scoring of one model, online. Every step the model's forecasts for the next H
 * steps are filed; when a step's actual arrives, each forecast made for it (1…H steps earlier) is
 * scored. Per horizon step it keeps:
 *  - an exponentially weighted mean absolute error (what the selector compares), and
 *  - the upper band's calibration: band = point + q × scale, with scale the recent MAE at that
 *    horizon and q moved after each outcome by the rule of adaptive conformal inference — up by
 *    η·τ on a miss, down by η·(1−τ) on a hit — so the long-run share of actuals under the band
 *    converges to the nominal quantile τ whatever the error distribution.
 * Everything is O(H) per step; the memory is O(H²) doubles (the filed forecasts), allocated when
 * the first forecast is filed.
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

/** Called for each scored forecast: the tracker's label, horizon step (1-based), point, upper band, actual. */
export type ScoreListener = (label: string, h: number, point: number, upper: number, actual: number) => void;

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

export class HorizonTracker {
  /**
   * Everything per tracker in one array (a controller keeps nine trackers for each of thousands of
   * series; one buffer instead of six saves the per-buffer overhead): mae, q and n per horizon step,
   * the origin of each slot, then the filed point and upper forecasts, slot (origin mod (H+1)) × H.
   * Allocated when the first forecast is filed (or a learned state restored): a dormant model's
   * tracker, never filed, costs nothing but this object. Until then it reads as a fresh tracker.
   */
  private cells?: Float64Array;
  private readonly horizon: number;
  private readonly slots: number;
  private readonly qAt: number;
  private readonly nAt: number;
  private readonly originAt: number;
  private readonly pointAt: number;
  private readonly upperAt: number;
  /** The band quantile of a tracker that has learned nothing yet (in units of the recent MAE). */
  private readonly initialQ: number;

  constructor(private readonly options: TrackerOptions) {
    const H = options.horizon;
    this.horizon = H;
    this.initialQ = initialBandMultiplier(options.quantile);
    this.slots = H + 1;
    this.qAt = H;
    this.nAt = 2 * H;
    this.originAt = 3 * H;
    this.pointAt = this.originAt + this.slots;
    this.upperAt = this.pointAt + this.slots * H;
  }

  private allocate(): Float64Array {
    const H = this.horizon;
    const c = new Float64Array(this.upperAt + this.slots * H);
    c.fill(NaN, 0, H);
    c.fill(this.initialQ, this.qAt, this.qAt + H);
    c.fill(NaN, this.originAt, this.originAt + this.slots);
    this.cells = c;
    return c;
  }

  /** Bytes of forecasts and scores held (0 until the first forecast is filed). */
  get allocatedBytes(): number {
    return this.cells?.byteLength ?? 0;
  }

  /** Band scale at horizon h (1-based): the recent MAE, or a fallback while unknown. */
  scale(h: number, point: number): number {
    const m = this.recentMae(h);
    return Number.isNaN(m) ? Math.max(1, Math.sqrt(point)) : Math.max(m, 1e-9);
  }

  /**
   * The upper band for a point forecast at horizon h; `width` (default 1) stretches it for a step
   * known to be more uncertain than the average one (a timer's spike), the calibration still holding
   * on average.
   */
  upperFor(h: number, point: number, width = 1): number {
    const q = this.cells ? this.cells[this.qAt + h - 1] : this.initialQ;
    const u = point + q * this.scale(h, point) * width;
    return u > point ? u : point;
  }

  /** Files the forecasts made at `origin` (the last observed step) for origin+1 … origin+H, with optional band widths per step. */
  file(origin: number, forecast: Float64Array, widths?: Float64Array): void {
    const c = this.cells ?? this.allocate();
    const H = this.horizon;
    const slot = origin % this.slots;
    c[this.originAt + slot] = origin;
    const point = this.pointAt + slot * H - 1;
    const upper = this.upperAt + slot * H - 1;
    for (let h = 1; h <= H; h++) {
      const p = forecast[h - 1];
      c[point + h] = p;
      // upperFor(h, p, width), on the buffer at hand (this is the hot path).
      const m = c[h - 1];
      const u = p + c[this.qAt + h - 1] * (Number.isNaN(m) ? Math.max(1, Math.sqrt(p)) : Math.max(m, 1e-9)) * (widths ? widths[h - 1] : 1);
      c[upper + h] = u > p ? u : p;
    }
  }

  /** Scores every filed forecast for `step` against its actual. */
  score(step: number, actual: number, listener?: ScoreListener, label = ''): void {
    const c = this.cells;
    if (!c) return;
    const { errorAlpha, quantile, bandRate } = this.options;
    const H = this.horizon;
    const { qAt, nAt, originAt, pointAt, upperAt } = this;
    for (let h = 1; h <= H; h++) {
      const origin = step - h;
      const slot = origin % this.slots;
      if (origin < 0 || c[originAt + slot] !== origin) continue;
      const i = slot * H + h - 1;
      const p = c[pointAt + i];
      const u = c[upperAt + i];
      const err = Math.abs(actual - p);
      const m = c[h - 1];
      // Warm start: a plain mean over the first samples, then exponential weighting.
      const k = c[nAt + h - 1] + 1;
      c[nAt + h - 1] = k;
      const a = Math.max(errorAlpha, 1 / k);
      c[h - 1] = Number.isNaN(m) ? err : m + a * (err - m);
      c[qAt + h - 1] += actual > u ? bandRate * quantile : -bandRate * (1 - quantile);
      if (listener) listener(label, h, p, u, actual);
    }
  }

  /**
   * Mean over the horizon of |actual − forecast| ÷ recent MAE of the forecasts filed for `step` (NaN
   * when none is filed or no MAE is known yet). Call it before `score`, which moves the MAE.
   */
  relativeError(step: number, actual: number): number {
    const c = this.cells;
    if (!c) return NaN;
    const H = this.horizon;
    let sum = 0;
    let n = 0;
    for (let h = 1; h <= H; h++) {
      const origin = step - h;
      const slot = origin % this.slots;
      const m = c[h - 1];
      if (origin < 0 || c[this.originAt + slot] !== origin || Number.isNaN(m)) continue;
      sum += Math.abs(actual - c[this.pointAt + slot * H + h - 1]) / Math.max(m, 1e-9);
      n++;
    }
    return n > 0 ? sum / n : NaN;
  }

  /** Recent MAE at horizon h (1-based); NaN until scored once. */
  recentMae(h: number): number {
    return this.cells ? this.cells[h - 1] : NaN;
  }

  /** Number of forecasts scored at horizon h. */
  scored(h: number): number {
    return this.cells ? this.cells[this.nAt + h - 1] : 0;
  }

  toJSON(): TrackerState {
    const H = this.horizon;
    const c = this.cells;
    return {
      mae: Array.from({ length: H }, (_, i) => {
        const v = this.recentMae(i + 1);
        return Number.isNaN(v) ? null : v;
      }),
      q: c ? Array.from(c.subarray(this.qAt, this.qAt + H)) : new Array<number>(H).fill(this.initialQ),
      n: c ? Array.from(c.subarray(this.nAt, this.nAt + H)) : new Array<number>(H).fill(0),
    };
  }

  /** Continues from `toJSON()` output; a state with nothing learned leaves the tracker unallocated. */
  restore(state: TrackerState): void {
    const H = this.horizon;
    const mae = (i: number) => state.mae?.[i] ?? NaN;
    const q = (i: number) => state.q?.[i] ?? this.initialQ;
    const n = (i: number) => state.n?.[i] ?? 0;
    let learned = false;
    for (let i = 0; i < H; i++) if (!Number.isNaN(mae(i)) || q(i) !== this.initialQ || n(i) !== 0) learned = true;
    if (!learned && !this.cells) return;
    const c = this.cells ?? this.allocate();
    for (let i = 0; i < H; i++) {
      c[i] = mae(i);
      c[this.qAt + i] = q(i);
      c[this.nAt + i] = n(i);
    }
  }
}
