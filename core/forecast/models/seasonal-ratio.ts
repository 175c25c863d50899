import type { ForecastModel, SeasonContext } from './model.js';
import { activeProfile, num } from './model.js';

export interface SeasonalRatioOptions {
  name: string;
  /** Smoothing of the level ratio per step. */
  alpha: number;
  /** Residuals beyond this many mean absolute deviations are clipped before they move the ratio. */
  clip: number;
}

export const DEFAULT_SEASONAL_RATIO: SeasonalRatioOptions = { name: 'seasonal-ratio', alpha: 0.15, clip: 3 };

/**
 * smartscale's own model: the seasonal profile (the typical shape of the day or week) times a
 * level ratio (how busy today is compared with a typical day, right now).
 *
 *   forecast(t + h) = ratio × profile(t + h)
 *
 * The ratio is a robust exponentially weighted mean of value / profile: residuals beyond `clip`
 * mean absolute deviations are clipped, so one spike of a flash crowd moves it little, while a
 * sustained change (several steps out of band) moves it fully within a few steps as the deviation
 * itself adapts. The profile carries the shape over the horizon (the morning ramp-up is forecast
 * before it starts); the ratio carries the level. Without a detected period the profile is flat
 * and the model is a robust EWMA of the level.
 */
export class SeasonalRatioModel implements ForecastModel {
  readonly name: string;
  /** Ratio to the daily profile, the weekly profile, and the plain level (no profile). */
  private readonly ratio = [NaN, NaN, NaN];
  private readonly deviation = [NaN, NaN, NaN];
  private last = NaN;

  constructor(private readonly options: SeasonalRatioOptions = DEFAULT_SEASONAL_RATIO) {
    this.name = options.name;
  }

  observe(step: number, value: number, ctx: SeasonContext): void {
    if (!Number.isFinite(value)) return;
    this.last = value;
    this.track(0, ctx.daily ? value / ctx.daily.valueAt(step) : NaN);
    this.track(1, ctx.weekly ? value / ctx.weekly.valueAt(step) : NaN);
    this.track(2, value);
  }

  private track(i: number, r: number): void {
    if (!Number.isFinite(r)) return;
    const current = this.ratio[i];
    if (Number.isNaN(current)) {
      this.ratio[i] = r;
      this.deviation[i] = Math.abs(r) * 0.25;
      return;
    }
    const residual = r - current;
    const dev = this.deviation[i];
    const bound = this.options.clip * dev;
    const clipped = residual > bound ? bound : residual < -bound ? -bound : residual;
    const a = this.options.alpha;
    this.ratio[i] = current + a * clipped;
    // The deviation follows the raw residual, so a lasting shift widens the band and is then followed.
    this.deviation[i] = dev + a * 0.5 * (Math.abs(residual) - dev) + 1e-12;
  }

  forecastInto(step: number, out: Float64Array, horizon: number, ctx: SeasonContext): void {
    const profile = activeProfile(ctx);
    const index = profile === undefined ? 2 : profile === ctx.daily ? 0 : 1;
    const ratio = this.ratio[index];
    const level = Number.isNaN(this.ratio[2]) ? (Number.isNaN(this.last) ? 0 : this.last) : this.ratio[2];
    for (let h = 1; h <= horizon; h++) {
      let v = level;
      if (profile !== undefined && !Number.isNaN(ratio)) {
        const s = profile.valueAt(step + h);
        if (Number.isFinite(s)) v = ratio * s;
      }
      out[h - 1] = v > 0 ? v : 0;
    }
  }

  ready(): boolean {
    return !Number.isNaN(this.last);
  }

  toJSON(): unknown {
    return { ratio: [...this.ratio], deviation: [...this.deviation], last: this.last };
  }

  restore(state: unknown): void {
    const s = state as { ratio?: Array<number | null>; deviation?: Array<number | null> };
    for (let i = 0; i < 3; i++) {
      this.ratio[i] = s?.ratio?.[i] ?? NaN;
      this.deviation[i] = s?.deviation?.[i] ?? NaN;
    }
    this.last = num(state, 'last');
  }
}
