/**
 * The contract every forecasting model follows. Models live on a regular step grid: `step` is the
 * absolute bucket index (unix seconds / step seconds), so seasonal phases line up across restarts.
 */
import type { SeasonalProfile } from '../profile.js';
import type { Seasonality } from '../seasonality.js';
import type { ShortSeason } from '../short-season.js';

/** What the series forecaster shares with its models: the detected periods and their profiles. */
export interface SeasonContext {
  season: Seasonality;
  /** Profile over a day, learned from the start whether or not the period is detected yet. */
  daily?: SeasonalProfile;
  weekly?: SeasonalProfile;
  /** The detected sub-hourly period and its factors (undefined while none is detected). */
  short?: ShortSeason;
}

/** The profile a seasonal model should use: weekly when detected and learned, else daily when detected. */
export function activeProfile(ctx: SeasonContext): SeasonalProfile | undefined {
  if (ctx.season.weekly !== undefined && ctx.weekly !== undefined && ctx.weekly.periods >= 1) return ctx.weekly;
  if (ctx.season.daily !== undefined && ctx.daily !== undefined && ctx.daily.periods >= 1) return ctx.daily;
  return undefined;
}

export interface ForecastModel {
  readonly name: string;
  /**
   * Consumes the value of bucket `step` (steps arrive in order, each once; NaN marks a gap, which
   * a model skips without losing its state). Must cost O(1) amortized: no refits over history.
   */
  observe(step: number, value: number, ctx: SeasonContext): void;
  /**
   * Writes the point forecasts for steps `step + 1 … step + horizon` into `out[0 … horizon - 1]`,
   * where `step` is the last observed step. Always writes finite, non-negative numbers once the
   * model has seen one value (models that lack what they need fall back to the last level).
   */
  forecastInto(step: number, out: Float64Array, horizon: number, ctx: SeasonContext): void;
  /** True once the model has seen at least one value. */
  ready(): boolean;
  /**
   * Optional: true while the model has nothing of its own to add given the detected periods (its
   * forecast would equal another model's; re-read only when the periods change). The forecaster then keeps feeding it (`observe`) but does not ask it to
   * forecast, score it or select it, so an idle candidate costs O(1) per step.
   */
  dormant?(ctx: SeasonContext): boolean;
  /** A JSON-able snapshot; `restore` on a model built with the same options continues from it. */
  toJSON(): unknown;
  restore(state: unknown): void;
}

/** Reads a numeric field from a state object, NaN when absent (JSON turns NaN into null). */
export function num(state: unknown, key: string): number {
  const v = (state as Record<string, unknown> | null)?.[key];
  return typeof v === 'number' ? v : NaN;
}
