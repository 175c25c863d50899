import type { ForecastModel } from './model.js';
import { num } from './model.js';

/** Tomorrow is like today: every step ahead equals the last observed value. What a reactive autoscaler does. */
export class PersistenceModel implements ForecastModel {
  readonly name = 'persistence';
  private last = NaN;

  observe(_step: number, value: number): void {
    if (Number.isFinite(value)) this.last = value;
  }

  forecastInto(_step: number, out: Float64Array, horizon: number): void {
    out.fill(Number.isNaN(this.last) ? 0 : this.last, 0, horizon);
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
