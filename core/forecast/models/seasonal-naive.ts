import type { ForecastModel, SeasonContext } from './model.js';
import { activeProfile, num } from './model.js';

/**
 * Same time last period: the forecast for a step is what its profile bin held on its most recent
 * visit (a day or a week ago, at bin resolution). Without a detected period it is persistence.
 */
export class SeasonalNaiveModel implements ForecastModel {
  readonly name = 'seasonal-naive';
  private last = NaN;

  observe(_step: number, value: number): void {
    if (Number.isFinite(value)) this.last = value;
  }

  forecastInto(step: number, out: Float64Array, horizon: number, ctx: SeasonContext): void {
    const profile = activeProfile(ctx);
    const fallback = Number.isNaN(this.last) ? 0 : this.last;
    for (let h = 1; h <= horizon; h++) {
      const v = profile ? profile.lastAt(step + h) : NaN;
      out[h - 1] = Number.isNaN(v) ? fallback : v;
    }
  }

  ready(): boolean {
    return !Number.isNaN(this.last);
  }

  toJSON(): unknown {
    return { last: this.last };
  }

  restore(state: unknown): void {
    this.last = num(state, 'last');
  }
}
