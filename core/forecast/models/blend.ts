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
  private pending?: Float64Array;
  private pendingOrigin?: Float64Array;
  private horizon = 0;
  private last = NaN;
  private scale = NaN;
  private readonly features: Float64Array;

  constructor(private readonly options: BlendOptions = DEFAULT_BLEND) {
    const k = options.alphas.length;
    this.levels = new Float64Array(k).fill(NaN);
    this.robustLevels = new Float64Array(k).fill(NaN);
    this.deviations = new Float64Array(k).fill(NaN);
    this.profileLevels = new Float64Array(k).fill(NaN);
    this.featureCount = 1 + 3 * k;
    this.features = new Float64Array(this.featureCount);
  }

  private ensure(horizon: number): void {
    if (this.weights && this.horizon >= horizon) return;
    const K = this.featureCount;
    const old = this.weights;
    const oldAveraged = this.averaged;
    this.weights = new Float64Array(horizon * K);
    this.averaged = new Float64Array(horizon * K);
    for (let h = 0; h < horizon; h++) {
      for (let k = 0; k < K; k++) {
        const initial = k === 0 ? 0 : 1 / (K - 1);
        this.weights[h * K + k] = old && h < this.horizon ? old[h * K + k] : initial;
        this.averaged[h * K + k] = oldAveraged && h < this.horizon ? oldAveraged[h * K + k] : initial;
      }
    }
    this.horizon = horizon;
    this.pending = new Float64Array((horizon + 1) * horizon * K);
    this.pendingOrigin = new Float64Array(horizon + 1).fill(NaN);
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
    for (let h = 1; h <= H; h++) {
      const origin = step - h;
      const slot = origin % (H + 1);
      if (origin < 0 || this.pendingOrigin![slot] !== origin) continue;
      const base = (slot * H + h - 1) * K;
      const w = (h - 1) * K;
      let p = 0;
      for (let k = 0; k < K; k++) p += this.weights![w + k] * this.pending![base + k];
      const sign = actual > p ? 1 : actual < p ? -1 : 0;
      const avg = this.options.averaging;
      for (let k = 0; k < K; k++) {
        this.weights![w + k] += sign * rate * this.pending![base + k];
        this.averaged![w + k] += avg * (this.weights![w + k] - this.averaged![w + k]);
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
    const x = this.features;
    for (let h = 1; h <= horizon; h++) {
      const ahead = profile ? profile.valueAt(step + h) : NaN;
      x[0] = last;
      for (let j = 0; j < n; j++) {
        const level = Number.isNaN(this.levels[j]) ? last : this.levels[j];
        x[1 + j] = level;
        const factor = ahead / this.profileLevels[j];
        x[1 + n + j] = Number.isFinite(factor) && factor > 0 ? level * Math.min(factor, 10) : level;
        x[1 + 2 * n + j] = Number.isNaN(this.robustLevels[j]) ? last : this.robustLevels[j];
      }
      const base = (slot * H + h - 1) * K;
      const w = (h - 1) * K;
      let p = 0;
      for (let k = 0; k < K; k++) {
        this.pending![base + k] = x[k];
        p += this.averaged![w + k] * x[k];
      }
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
