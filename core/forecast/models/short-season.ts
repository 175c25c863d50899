import type { ForecastModel, SeasonContext } from './model.js';

/**
 * A model that forecasts sub-hourly ("cron") spikes: while a short period is detected
 * (`ctx.short`, see short-season.ts) it feeds its inner model the series divided by the period's
 * factor at each step (the spikes taken out) and multiplies the inner forecast by the factor at
 * each future step (the spikes put back where the timer will fire). Without a detected period it
 * would be exactly its inner model, so it is dormant: the forecaster only feeds it (O(1)) and neither
 * asks it to forecast nor scores nor selects it. Cost: the inner model's, plus O(horizon).
 */
export class ShortSeasonModel implements ForecastModel {
  constructor(readonly name: string, private readonly inner: ForecastModel) {}

  observe(step: number, value: number, ctx: SeasonContext): void {
    const f = ctx.short ? ctx.short.factorAt(step) : 1;
    this.inner.observe(step, Number.isFinite(value) ? value / f : value, ctx);
  }

  forecastInto(step: number, out: Float64Array, horizon: number, ctx: SeasonContext): void {
    this.inner.forecastInto(step, out, horizon, ctx);
    const short = ctx.short;
    if (!short) return;
    for (let h = 1; h <= horizon; h++) out[h - 1] *= short.factorAt(step + h);
  }

  /** Dormant while no sub-hourly period is detected: it would forecast exactly as its inner model. */
  dormant(ctx: SeasonContext): boolean {
    return ctx.short === undefined;
  }

  ready(): boolean {
    return this.inner.ready();
  }

  toJSON(): unknown {
    return { inner: this.inner.toJSON() };
  }

  restore(state: unknown): void {
    this.inner.restore((state as { inner?: unknown } | null)?.inner);
  }
}
