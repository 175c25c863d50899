import type { ForecastModel } from './model.js';
import { num } from './model.js';

export interface HoltOptions {
  name: string;
  /** Level smoothing (0..1]. */
  alpha: number;
  /** Trend smoothing; 0 gives simple exponential smoothing (EWMA). */
  beta: number;
  /** Trend damping per step (0..1]; the trend's total effect is bounded by phi / (1 - phi). */
  phi: number;
}

/**
 * Exponential smoothing of the level, with an optional damped additive trend (Holt, Gardner–McKenzie).
 * With beta = 0 it is the EWMA of the series. Forecasts never go below zero.
 */
export class HoltModel implements ForecastModel {
  readonly name: string;
  private level = NaN;
  private trend = 0;

  constructor(private readonly options: HoltOptions) {
    this.name = options.name;
  }

  observe(_step: number, value: number): void {
    if (!Number.isFinite(value)) return;
    const { alpha, beta, phi } = this.options;
    if (Number.isNaN(this.level)) {
      this.level = value;
      return;
    }
    const previous = this.level;
    const expected = previous + phi * this.trend;
    this.level = expected + alpha * (value - expected);
    this.trend = phi * this.trend + beta * (this.level - previous - phi * this.trend);
  }

  forecastInto(_step: number, out: Float64Array, horizon: number): void {
    const level = Number.isNaN(this.level) ? 0 : this.level;
    const phi = this.options.phi;
    let damp = 0;
    let pow = 1;
    for (let h = 1; h <= horizon; h++) {
      pow *= phi;
      damp += pow;
      out[h - 1] = Math.max(0, level + damp * this.trend);
    }
  }

  ready(): boolean {
    return !Number.isNaN(this.level);
  }

  toJSON(): unknown {
    return { level: this.level, trend: this.trend };
  }

  restore(state: unknown): void {
    this.level = num(state, 'level');
    this.trend = num(state, 'trend') || 0;
  }
}
