import type { SeasonalProfile } from '../profile.js';
import type { ForecastModel, SeasonContext } from './model.js';
import { num } from './model.js';

export interface HoltWintersOptions {
  alpha: number;
  beta: number;
  phi: number;
  /** Weight of the newest period in each seasonal bin (spread over the bin's steps). */
  gamma: number;
}

export const DEFAULT_HOLT_WINTERS: HoltWintersOptions = { alpha: 0.1, beta: 0.01, phi: 0.9, gamma: 0.2 };

/**
 * Additive Holt-Winters with a damped trend and up to two seasonal components (daily and weekly,
 * Taylor's double-seasonal form), at the resolution of the shared profiles' bins. Both components
 * learn from the start; each enters the level update and the forecast only once its period is
 * detected, so a period found on day 3 is used at once without refitting.
 */
export class HoltWintersModel implements ForecastModel {
  readonly name = 'holt-winters';
  private level = NaN;
  private trend = 0;
  private daily?: Float64Array;
  private weekly?: Float64Array;

  constructor(private readonly options: HoltWintersOptions = DEFAULT_HOLT_WINTERS) {}

  private component(profile: SeasonalProfile | undefined, which: 'daily' | 'weekly'): Float64Array | undefined {
    if (!profile) return undefined;
    let arr = this[which];
    if (!arr || arr.length !== profile.binCount) arr = this[which] = new Float64Array(profile.binCount);
    return arr;
  }

  observe(step: number, value: number, ctx: SeasonContext): void {
    if (!Number.isFinite(value)) return;
    const { alpha, beta, phi, gamma } = this.options;
    const d = this.component(ctx.daily, 'daily');
    const w = this.component(ctx.weekly, 'weekly');
    const bd = ctx.daily ? ctx.daily.binOf(step) : 0;
    const bw = ctx.weekly ? ctx.weekly.binOf(step) : 0;
    const sd = d && ctx.season.daily !== undefined ? d[bd] : 0;
    const sw = w && ctx.season.weekly !== undefined ? w[bw] : 0;
    if (Number.isNaN(this.level)) {
      this.level = value - sd - sw;
      return;
    }
    const previous = this.level;
    const expected = previous + phi * this.trend;
    this.level = expected + alpha * (value - sd - sw - expected);
    this.trend = phi * this.trend + beta * (this.level - previous - phi * this.trend);
    if (d && ctx.daily) d[bd] += (gamma / ctx.daily.binSteps) * (value - this.level - sw - d[bd]);
    if (w && ctx.weekly) w[bw] += (gamma / ctx.weekly.binSteps) * (value - this.level - sd - w[bw]);
  }

  forecastInto(step: number, out: Float64Array, horizon: number, ctx: SeasonContext): void {
    const level = Number.isNaN(this.level) ? 0 : this.level;
    const useDaily = this.daily && ctx.daily && ctx.season.daily !== undefined;
    const useWeekly = this.weekly && ctx.weekly && ctx.season.weekly !== undefined;
    const phi = this.options.phi;
    let damp = 0;
    let pow = 1;
    for (let h = 1; h <= horizon; h++) {
      pow *= phi;
      damp += pow;
      let v = level + damp * this.trend;
      if (useDaily) v += this.daily![ctx.daily!.binOf(step + h)];
      if (useWeekly) v += this.weekly![ctx.weekly!.binOf(step + h)];
      out[h - 1] = v > 0 ? v : 0;
    }
  }

  ready(): boolean {
    return !Number.isNaN(this.level);
  }

  toJSON(): unknown {
    return {
      level: this.level,
      trend: this.trend,
      daily: this.daily ? Array.from(this.daily) : null,
      weekly: this.weekly ? Array.from(this.weekly) : null,
    };
  }

  restore(state: unknown): void {
    const s = state as { daily?: number[] | null; weekly?: number[] | null };
    this.level = num(state, 'level');
    this.trend = num(state, 'trend') || 0;
    this.daily = Array.isArray(s?.daily) ? Float64Array.from(s.daily) : undefined;
    this.weekly = Array.isArray(s?.weekly) ? Float64Array.from(s.weekly) : undefined;
  }
}
