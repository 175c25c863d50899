import type { ForecastModel, SeasonContext } from './model.js';
import { activeProfile, num } from './model.js';

export interface BlendOptions {
  /** Smoothing weights of the internal levels (fast to slow). */
  alphas: readonly number[];
  /** Learning rate of the per-horizon weights (sign gradient of the absolute error, scale-free). */
  learningRate: number;
  /** Weight of the newest iterate in the averaged weights the forecasts use. */
  averaging: number;
  /** Weight of the newest value in the scale that normalises the features. */
  scaleAlpha: number;
}

export const DEFAULT_BLEND: BlendOptions = { alphas: [0.05, 0.1, 0.3], learningRate: 0.0005, averaging: 0.005, scaleAlpha: 0.01 };

/**
 * smartscale's own model, "blend": an online, per-horizon combination of level and seasonal
 * evidence, fitted to minimise absolute error.
 *
 * Its features at each origin are the last value, exponentially smoothed levels at several speeds,
 * and, when a period is detected, each level carried along the seasonal profile with a lag
 * correction — level × profile(t + h) / (the profile smoothed the way the level is), so a level
 * that lags a morning ramp is lifted by exactly the ramp the profile expects. For each horizon step
 * it keeps one weight per feature and moves them after each outcome by the sign of the error
 * (the gradient of the absolute error, the loss the product is judged on), scaled by the feature
 * over the series' recent magnitude so the rate means the same on any traffic volume. Minimising
 * absolute error makes it forecast the conditional median, which on bursty minute-level traffic is
 * below the mean — one reason it beats smoothing alone. Cost: O(features × horizon) per step.
 */
export class BlendModel implements ForecastModel {
  readonly name = 'blend';
  private readonly levels: Float64Array;
  /** Huber-style levels: residuals beyond one mean absolute deviation are clipped (bursts move them little). */
  private readonly robustLevels: Float64Array;
  private readonly deviations: Float64Array;
  private readonly profileLevels: Float64Array;
  private readonly featureCount: number;
  private weights?: Float64Array;
  /** Exponentially averaged weights (Polyak–Ruppert): what forecasts use; far less jittery than the SGD iterate. */
  private averaged?: Float64Array;
  /**
   * What each pending origin's features are made of, per slot (origin mod (H+1)): the last value, the
   * levels, the robust levels, the profile levels and the profile at each of the H steps ahead —
   * 1 + 3·levels + H numbers from which the features of every horizon step are recomputed exactly
   * when the outcome arrives (storing the H × features matrix took six times the memory).
   */
  private pending?: Float64Array;
  private pendingOrigin?: Float64Array;
  private recordLength = 0;
  private horizon = 0;
  private last = NaN;
  private scale = NaN;
  private readonly features: Float64Array;

  constructor(private readonly options: BlendOptions = DEFAULT_BLEND) {
    const k = options.alphas.length;
    this.featureCount = 1 + 3 * k;
    // One buffer for the small per-model arrays (a controller keeps thousands of models).
    const cells = new Float64Array(4 * k + this.featureCount).fill(NaN);
    this.levels = cells.subarray(0, k);
    this.robustLevels = cells.subarray(k, 2 * k);
    this.deviations = cells.subarray(2 * k, 3 * k);
    this.profileLevels = cells.subarray(3 * k, 4 * k);
    this.features = cells.subarray(4 * k);
  }

  private ensure(horizon: number): void {
    if (this.weights && this.horizon >= horizon) return;
    const K = this.featureCount;
    const old = this.weights;
    const oldAveraged = this.averaged;
    const record = 1 + 3 * this.options.alphas.length + horizon;
    // weights, averaged, the origin of each slot, the pending records: one buffer.
    const cells = new Float64Array(2 * horizon * K + (horizon + 1) * (1 + record));
    const weights = cells.subarray(0, horizon * K);
    const averaged = cells.subarray(horizon * K, 2 * horizon * K);
    for (let h = 0; h < horizon; h++) {
      for (let k = 0; k < K; k++) {
        const initial = k === 0 ? 0 : 1 / (K - 1);
        weights[h * K + k] = old && h < this.horizon ? old[h * K + k] : initial;
        averaged[h * K + k] = oldAveraged && h < this.horizon ? oldAveraged[h * K + k] : initial;
      }
    }
    this.weights = weights;
    this.averaged = averaged;
    this.horizon = horizon;
    this.recordLength = record;
    this.pendingOrigin = cells.subarray(2 * horizon * K, 2 * horizon * K + horizon + 1).fill(NaN);
    this.pending = cells.subarray(2 * horizon * K + horizon + 1);
  }

  /**
   * The features of horizon step h of the origin filed in `slot`, into `this.features`: exactly the
   * numbers `forecastInto` computed for them.
   */
  private featuresOf(slot: number, h: number): Float64Array {
    const n = this.options.alphas.length;
    const r = this.pending!;
    const base = slot * this.recordLength;
    const x = this.features;
    const ahead = r[base + 1 + 3 * n + h - 1];
    x[0] = r[base];
    for (let j = 0; j < n; j++) {
      const level = r[base + 1 + j];
      x[1 + j] = level;
      const factor = ahead / r[base + 1 + 2 * n + j];
      x[1 + n + j] = Number.isFinite(factor) && factor > 0 ? level * Math.min(factor, 10) : level;
      x[1 + 2 * n + j] = r[base + 1 + n + j];
    }
    return x;
  }

  observe(step: number, value: number, ctx: SeasonContext): void {
    if (!Number.isFinite(value)) return;
    if (this.weights && !Number.isNaN(this.scale)) this.learn(step, value);
    this.last = value;
    const magnitude = Math.max(value, 1);
    this.scale = Number.isNaN(this.scale) ? magnitude : this.scale + this.options.scaleAlpha * (magnitude - this.scale);
    const profile = activeProfile(ctx);
    const s = profile ? profile.valueAt(step) : NaN;
    this.options.alphas.forEach((a, j) => {
      this.levels[j] = Number.isNaN(this.levels[j]) ? value : this.levels[j] + a * (value - this.levels[j]);
      if (Number.isNaN(this.robustLevels[j])) {
        this.robustLevels[j] = value;
        this.deviations[j] = Math.max(1, value * 0.3);
      } else {
        const residual = value - this.robustLevels[j];
        const bound = this.deviations[j];
        this.robustLevels[j] += a * (residual > bound ? bound : residual < -bound ? -bound : residual);
        this.deviations[j] += a * (Math.abs(residual) - this.deviations[j]);
      }
      if (Number.isFinite(s)) {
        this.profileLevels[j] = Number.isNaN(this.profileLevels[j]) ? s : this.profileLevels[j] + a * (s - this.profileLevels[j]);
      }
    });
  }

  /** Scores the forecasts filed for `step` and moves each horizon's weights by the sign of its error. */
  private learn(step: number, actual: number): void {
    const K = this.featureCount;
    const H = this.horizon;
    const rate = this.options.learningRate / this.scale;
    const weights = this.weights!;
    const averaged = this.averaged!;
    for (let h = 1; h <= H; h++) {
      const origin = step - h;
      const slot = origin % (H + 1);
      if (origin < 0 || this.pendingOrigin![slot] !== origin) continue;
      const x = this.featuresOf(slot, h);
      const w = (h - 1) * K;
      let p = 0;
      for (let k = 0; k < K; k++) p += weights[w + k] * x[k];
      const sign = actual > p ? 1 : actual < p ? -1 : 0;
      const avg = this.options.averaging;
      for (let k = 0; k < K; k++) {
        weights[w + k] += sign * rate * x[k];
        averaged[w + k] += avg * (weights[w + k] - averaged[w + k]);
      }
    }
  }

  forecastInto(step: number, out: Float64Array, horizon: number, ctx: SeasonContext): void {
    this.ensure(horizon);
    const K = this.featureCount;
    const H = this.horizon;
    const last = Number.isNaN(this.last) ? 0 : this.last;
    const profile = activeProfile(ctx);
    const slot = step % (H + 1);
    this.pendingOrigin![slot] = step;
    const n = this.options.alphas.length;
    // File this origin's record: what the features of every horizon step are computed from.
    const r = this.pending!;
    const base = slot * this.recordLength;
    r[base] = last;
    for (let j = 0; j < n; j++) {
      r[base + 1 + j] = Number.isNaN(this.levels[j]) ? last : this.levels[j];
      r[base + 1 + n + j] = Number.isNaN(this.robustLevels[j]) ? last : this.robustLevels[j];
      r[base + 1 + 2 * n + j] = this.profileLevels[j];
    }
    for (let h = 1; h <= H; h++) r[base + 1 + 3 * n + h - 1] = profile ? profile.valueAt(step + h) : NaN;
    const averaged = this.averaged!;
    for (let h = 1; h <= horizon; h++) {
      const x = this.featuresOf(slot, h);
      const w = (h - 1) * K;
      let p = 0;
      for (let k = 0; k < K; k++) p += averaged[w + k] * x[k];
      out[h - 1] = p > 0 ? p : 0;
    }
  }

  ready(): boolean {
    return !Number.isNaN(this.last);
  }

  toJSON(): unknown {
    const arr = (a: Float64Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));
    return {
      levels: arr(this.levels),
      robustLevels: arr(this.robustLevels),
      deviations: arr(this.deviations),
      profileLevels: arr(this.profileLevels),
      weights: this.weights ? Array.from(this.weights) : null,
      averaged: this.averaged ? Array.from(this.averaged) : null,
      horizon: this.horizon,
      last: this.last,
      scale: this.scale,
    };
  }

  restore(state: unknown): void {
    const s = state as {
      levels?: Array<number | null>;
      robustLevels?: Array<number | null>;
      deviations?: Array<number | null>;
      profileLevels?: Array<number | null>;
      weights?: number[] | null;
      averaged?: number[] | null;
    };
    s?.levels?.forEach((v, i) => i < this.levels.length && (this.levels[i] = v ?? NaN));
    s?.robustLevels?.forEach((v, i) => i < this.robustLevels.length && (this.robustLevels[i] = v ?? NaN));
    s?.deviations?.forEach((v, i) => i < this.deviations.length && (this.deviations[i] = v ?? NaN));
    s?.profileLevels?.forEach((v, i) => i < this.profileLevels.length && (this.profileLevels[i] = v ?? NaN));
    const horizon = num(state, 'horizon');
    if (Array.isArray(s?.weights) && horizon > 0 && s.weights.length === horizon * this.featureCount) {
      this.ensure(horizon);
      this.weights!.set(s.weights);
      if (Array.isArray(s.averaged) && s.averaged.length === s.weights.length) this.averaged!.set(s.averaged);
    }
    this.last = num(state, 'last');
    this.scale = num(state, 'scale');
  }
}
