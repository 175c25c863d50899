import type { ForecastModel, SeasonContext } from './model.js';

/**
 * A model that forecasts sub-hourly ("cron") spikes: while a short period is detected
 * (`ctx.short`, see short-season.ts) it feeds its inner model the series divided by the period's
 * factor at each step (the spikes taken out) and multiplies the inner forecast by the factor at
 * each future step (the spikes put back where the timer will fire). Without a detected period it
 * would be exactly its inner model, so it is dormant: the forecaster neither asks it to forecast nor
 * scores nor selects it. Cost: the inner model's, plus O(horizon).
 *
 * With a `twin` — the forecaster's own model of the inner model's kind, fed the same values — a
 * dormant model does not even feed its inner model (its state would equal the twin's): when a
 * period is detected it starts from the twin's state. The twin has already seen the step of the
 * detection, so that step is not fed again.
 */
export class ShortSeasonModel implements ForecastModel {
  /** True while the inner model has not been fed since the twin took over (dormant with a twin). */
  private behind = false;

  constructor(readonly name: string, private readonly inner: ForecastModel, private twin?: ForecastModel) {}

  /** Lets a dormant model leave its inner model unfed: `twin` is fed the same raw values. */
  shadow(twin: ForecastModel): void {
    this.twin = twin;
  }

  observe(step: number, value: number, ctx: SeasonContext): void {
    if (this.twin) {
      if (!ctx.short) {
        this.behind = true;
        return;
      }
      if (this.behind) {
        this.inner.restore(this.twin.toJSON());
        this.behind = false;
        return;
      }
    }
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
    return this.behind ? this.twin!.ready() : this.inner.ready();
  }

  toJSON(): unknown {
    return { inner: this.behind ? this.twin!.toJSON() : this.inner.toJSON() };
  }

  restore(state: unknown): void {
    this.inner.restore((state as { inner?: unknown } | null)?.inner);
    this.behind = false;
  }
}
