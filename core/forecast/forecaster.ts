/**
 * The online forecaster of one series: what the controller keeps per Deployment (thousands of them)
 * and the simulator replays traces through.
 *
 * `update(timestampSec, value)` feeds one bucket: the period detectors (daily/weekly, and sub-hourly
 * "cron" periods: short-season.ts), the shared seasonal profiles, every candidate model, and the
 * rolling-origin scoring of every model (and of the selection itself) at each horizon step all
 * advance in O(models × horizon) — nothing refits over history. `forecast(h)` picks, per horizon
 * step, the model with the lowest recent error at that step and adds the upper band calibrated on the
 * selection's own recent errors, widened at the phases of a sub-hourly period that err more. `toJSON()` / `fromJSON()` carry the
 * learning across a controller restart (profiles, model states, errors, band calibration).
 */
import { BlendModel } from './models/blend.js';
import { HoltModel } from './models/holt.js';
import { HoltWintersModel } from './models/holt-winters.js';
import type { ForecastModel, SeasonContext } from './models/model.js';
import { PersistenceModel } from './models/persistence.js';
import { SeasonalNaiveModel } from './models/seasonal-naive.js';
import { SeasonalRatioModel } from './models/seasonal-ratio.js';
import { ShortSeasonModel } from './models/short-season.js';
import { SeasonalProfile, type ProfileState } from './profile.js';
import { SeasonalityDetector, type DetectorState, type Seasonality } from './seasonality.js';
import { PhaseBandWidth, ShortSeasonDetector, type BandWidthState, type ShortSeasonState } from './short-season.js';
import { HorizonTracker, type ScoreListener, type TrackerState } from './tracker.js';

export const MODEL_NAMES = ['persistence', 'seasonal-naive', 'ewma', 'holt', 'holt-winters', 'seasonal-ratio', 'blend', 'short-season'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** The default candidates before `short-season` existed: a state saved with them restores with today's default. */
const DEFAULT_MODELS_BEFORE_SHORT_SEASON: readonly ModelName[] = MODEL_NAMES.filter((n) => n !== 'short-season');
/** The name under which the selection's own scores are reported. */
export const SELECTED = 'selected';

export function createModel(name: ModelName): ForecastModel {
  switch (name) {
    case 'persistence':
      return new PersistenceModel();
    case 'seasonal-naive':
      return new SeasonalNaiveModel();
    case 'ewma':
      return new HoltModel({ name: 'ewma', alpha: 0.25, beta: 0, phi: 1 });
    case 'holt':
      return new HoltModel({ name: 'holt', alpha: 0.25, beta: 0.02, phi: 0.9 });
    case 'holt-winters':
      return new HoltWintersModel();
    case 'seasonal-ratio':
      return new SeasonalRatioModel();
    case 'blend':
      return new BlendModel();
    case 'short-season':
      return new ShortSeasonModel('short-season', new SeasonalRatioModel());
  }
}

/** Profile resolution: 15-minute bins at most, which smooths minute-level noise out of the daily shape. */
export const PROFILE_BINS_PER_DAY = 96;

export interface ForecasterOptions {
  stepSeconds: number;
  /** Horizon steps scored and forecast (a forecast may ask for fewer). Default 15. */
  horizonSteps: number;
  /** Quantile of the upper band. Default 0.9. */
  quantile: number;
  /** Candidate models, persistence first. Default: all of MODEL_NAMES. */
  models: readonly ModelName[];
  /** Weight of the newest error in each model's recent error (≈ 1 / memory in steps). */
  errorAlpha: number;
  /** Step size of the band calibration. */
  bandRate: number;
  /** Forecasts a model must have scored at a horizon step before the selector trusts it there. */
  minScored: number;
  /** Models whose recent error is within this factor of the best are averaged (1 = pick the best). */
  combineWithin: number;
}

export const DEFAULT_FORECASTER_OPTIONS: Omit<ForecasterOptions, 'stepSeconds'> = {
  horizonSteps: 15,
  quantile: 0.9,
  models: MODEL_NAMES,
  errorAlpha: 0.003,
  bandRate: 0.05,
  minScored: 30,
  combineWithin: 1,
};

/** One forecast: per horizon step, the expected count per bucket and its upper band. */
export interface Forecast {
  /** Unix seconds at the start of the last observed bucket; point[i] is for the bucket (i + 1) steps later. */
  originSec: number;
  stepSeconds: number;
  point: number[];
  upper: number[];
  quantile: number;
  /** The model chosen for most horizon steps. */
  model: string;
  /** The model chosen at each horizon step. */
  modelPerStep: string[];
  /** Recent MAE of the selection relative to persistence, averaged over the horizon (NaN until known). */
  recentRelMae: number;
  season: Seasonality;
}

export interface ForecasterState {
  v: 1;
  options: ForecasterOptions;
  lastStep: number | null;
  lastValue: number | null;
  detector: DetectorState;
  daily: ProfileState | null;
  weekly: ProfileState | null;
  /** The sub-hourly period detector; absent in states saved before it existed. */
  short?: ShortSeasonState;
  /** The selection's band width per phase of the short period; absent in older states. */
  bandWidth?: BandWidthState;
  models: Record<string, unknown>;
  trackers: Record<string, TrackerState>;
}

/** Receives every scored forecast (for backtests): model name (or SELECTED), horizon step, point, upper, actual. */
export type ForecastScoreListener = ScoreListener;

export class SeriesForecaster {
  readonly options: ForecasterOptions;
  private readonly models: ForecastModel[];
  private readonly trackers: HorizonTracker[];
  private readonly selectedTracker: HorizonTracker;
  private readonly detector: SeasonalityDetector;
  private readonly shortDetector: ShortSeasonDetector;
  private readonly bandWidth: PhaseBandWidth;
  private readonly widths: Float64Array;
  /** 1 for the models that forecast, are scored and may be selected as of the last update (not dormant). */
  private readonly awake: Uint8Array;
  private readonly ctx: SeasonContext;
  private readonly scratch: Float64Array[];
  private readonly selectedScratch: Float64Array;
  private readonly choice: Int32Array;
  private lastStep = NaN;
  private lastValue = NaN;
  private listener?: ForecastScoreListener;

  constructor(options: Partial<ForecasterOptions> & { stepSeconds: number }) {
    this.options = { ...DEFAULT_FORECASTER_OPTIONS, ...options };
    const { stepSeconds, horizonSteps, quantile, models, errorAlpha, bandRate } = this.options;
    if (!(stepSeconds > 0) || !Number.isFinite(stepSeconds)) throw new RangeError(`stepSeconds must be positive, got ${stepSeconds}`);
    if (!Number.isInteger(horizonSteps) || horizonSteps < 1 || horizonSteps > 1440) {
      throw new RangeError(`horizonSteps must be a whole number from 1 to 1440, got ${horizonSteps}`);
    }
    if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be between 0 and 1, got ${quantile}`);
    if (models.length === 0 || models[0] !== 'persistence') throw new RangeError('models must start with persistence (the reference)');
    this.models = models.map(createModel);
    // A dormant short-season model need not feed its inner seasonal-ratio: the forecaster's own one
    // (earlier in the list, so it has seen each step first) holds the same state until a period shows.
    const twinAt = models.indexOf('seasonal-ratio');
    const shortAt = models.indexOf('short-season');
    if (twinAt >= 0 && shortAt > twinAt) (this.models[shortAt] as ShortSeasonModel).shadow(this.models[twinAt]);
    const trackerOptions = { horizon: horizonSteps, quantile, errorAlpha, bandRate };
    this.trackers = this.models.map(() => new HorizonTracker(trackerOptions));
    this.selectedTracker = new HorizonTracker(trackerOptions);
    this.detector = new SeasonalityDetector(stepSeconds);
    this.shortDetector = new ShortSeasonDetector(stepSeconds);
    this.bandWidth = new PhaseBandWidth(PhaseBandWidth.hourStepsFor(stepSeconds));
    // Every model's forecast, the selection's and the band widths: one buffer (a controller keeps
    // thousands of forecasters, and each buffer costs its own bookkeeping).
    const forecasts = new Float64Array((this.models.length + 2) * horizonSteps);
    const row = (i: number) => forecasts.subarray(i * horizonSteps, (i + 1) * horizonSteps);
    this.scratch = this.models.map((_, m) => row(m));
    this.selectedScratch = row(this.models.length);
    this.widths = row(this.models.length + 1).fill(1);
    this.awake = new Uint8Array(this.models.length);
    this.ctx = {
      season: {},
      daily: this.detector.dailySteps ? new SeasonalProfile(this.detector.dailySteps, PROFILE_BINS_PER_DAY) : undefined,
      weekly: this.detector.weeklySteps ? new SeasonalProfile(this.detector.weeklySteps, PROFILE_BINS_PER_DAY * 7) : undefined,
    };
    this.choice = new Int32Array(horizonSteps);
    this.refreshAwake();
  }

  /** Names of the candidate models, in order. */
  modelNames(): string[] {
    return this.models.map((m) => m.name);
  }

  /** Reports every scored forecast to `listener` (one at a time; undefined to stop). */
  onScore(listener: ForecastScoreListener | undefined): void {
    this.listener = listener;
  }

  /** Unix seconds of the last bucket fed, or undefined before the first. */
  get lastTimestampSec(): number | undefined {
    return Number.isNaN(this.lastStep) ? undefined : this.lastStep * this.options.stepSeconds;
  }

  get lastObserved(): number | undefined {
    return Number.isNaN(this.lastValue) ? undefined : this.lastValue;
  }

  /**
   * Feeds the count of the bucket starting at `timestampSec` (rounded to the step grid). Buckets
   * must arrive in order: a bucket at or before the last one is ignored (returns false). Skipped
   * buckets are gaps; a non-finite or negative value is a gap too. Returns true when accepted.
   */
  update(timestampSec: number, value: number): boolean {
    const step = Math.round(timestampSec / this.options.stepSeconds);
    if (!Number.isFinite(step) || step <= this.lastStep) return false;
    const y = Number.isFinite(value) && value >= 0 ? value : NaN;
    this.lastStep = step;
    this.detector.observe(step, y);
    this.shortDetector.observe(step, y);
    if (Number.isNaN(y)) return true;
    this.lastValue = y;
    const ctx = this.ctx;
    // Score the forecasts made for this step before anything learns from it.
    const listener = this.listener;
    for (let m = 0; m < this.models.length; m++) if (this.awake[m]) this.trackers[m].score(step, y, listener, this.models[m].name);
    if (this.bandWidth.hourSteps > 0) this.bandWidth.observe(step, this.selectedTracker.relativeError(step, y));
    this.selectedTracker.score(step, y, listener, SELECTED);
    for (const model of this.models) model.observe(step, y, ctx);
    ctx.daily?.observe(step, y);
    ctx.weekly?.observe(step, y);
    this.refreshSeason();
    // File every model's forecast from this origin, and the selection's.
    const H = this.options.horizonSteps;
    for (let m = 0; m < this.models.length; m++) {
      if (!this.awake[m]) continue;
      this.models[m].forecastInto(step, this.scratch[m], H, ctx);
      this.trackers[m].file(step, this.scratch[m]);
    }
    this.select();
    this.combine();
    for (let h = 1; h <= H; h++) this.widths[h - 1] = this.bandWidth.widthAt(step + h);
    this.selectedTracker.file(step, this.selectedScratch, this.widths);
    return true;
  }

  /** The periods the models see from now on: daily/weekly and the sub-hourly one. */
  private refreshSeason(): void {
    const season = this.detector.current();
    const short = this.shortDetector.current();
    if (short) season.short = short.period;
    const changed = season.daily !== this.ctx.season.daily || season.weekly !== this.ctx.season.weekly || season.short !== this.ctx.season.short;
    this.ctx.season = season;
    this.ctx.short = short;
    this.bandWidth.refresh(short);
    if (changed) this.refreshAwake();
  }

  /**
   * A dormant model (one that would only repeat another, e.g. `short-season` with no sub-hourly
   * period) is not asked to forecast, scored or selected; `short-season` does not even feed its inner
   * model then, but starts from its twin's state when a period shows (`shadow`).
   * Dormancy depends on the detected periods, so it is re-read only when they change.
   */
  private refreshAwake(): void {
    for (let i = 0; i < this.models.length; i++) this.awake[i] = this.models[i].dormant?.(this.ctx) ? 0 : 1;
  }

  /** Per horizon step, the model with the lowest recent MAE among those scored enough (else persistence). */
  private select(): void {
    const H = this.options.horizonSteps;
    const minScored = this.options.minScored;
    for (let h = 1; h <= H; h++) {
      let best = 0;
      let bestMae = Infinity;
      for (let m = 0; m < this.models.length; m++) {
        const t = this.trackers[m];
        if (!this.awake[m] || t.scored(h) < minScored) continue;
        const mae = t.recentMae(h);
        if (mae < bestMae) {
          bestMae = mae;
          best = m;
        }
      }
      this.choice[h - 1] = best;
    }
  }

  /**
   * The selection's point forecast per horizon step: a weighted mean of the models whose recent
   * error at that step is within `combineWithin` of the best, weighted by inverse squared error —
   * averaging close competitors cancels part of their independent errors; a clearly worse model
   * gets no say. Before any model is trusted it is the chosen (fallback) model's forecast.
   */
  private combine(): void {
    const H = this.options.horizonSteps;
    const within = this.options.combineWithin;
    for (let h = 1; h <= H; h++) {
      const chosen = this.choice[h - 1];
      const best = this.trackers[chosen].recentMae(h);
      if (!(best > 0) || this.trackers[chosen].scored(h) < this.options.minScored) {
        this.selectedScratch[h - 1] = this.scratch[chosen][h - 1];
        continue;
      }
      let sum = 0;
      let weights = 0;
      for (let m = 0; m < this.models.length; m++) {
        const t = this.trackers[m];
        const mae = t.recentMae(h);
        if (!this.awake[m] || t.scored(h) < this.options.minScored || !(mae <= best * within)) continue;
        const w = 1 / (mae * mae);
        sum += w * this.scratch[m][h - 1];
        weights += w;
      }
      this.selectedScratch[h - 1] = sum / weights;
    }
  }

  /** The current forecast for the next `horizonSteps` buckets (at most the configured horizon). */
  forecast(horizonSteps = this.options.horizonSteps): Forecast {
    const H = Math.max(1, Math.min(this.options.horizonSteps, Math.floor(horizonSteps)));
    const point: number[] = [];
    const upper: number[] = [];
    const modelPerStep: string[] = [];
    const votes = new Map<string, number>();
    const ready = !Number.isNaN(this.lastStep) && !Number.isNaN(this.lastValue);
    for (let h = 1; h <= H; h++) {
      const m = ready ? this.choice[h - 1] : 0;
      const p = ready ? this.selectedScratch[h - 1] : 0;
      point.push(p);
      upper.push(ready ? this.selectedTracker.upperFor(h, p, this.bandWidth.widthAt(this.lastStep + h)) : 0);
      const name = this.models[m].name;
      modelPerStep.push(name);
      votes.set(name, (votes.get(name) ?? 0) + 1);
    }
    let model = modelPerStep[0];
    for (const [name, count] of votes) if (count > (votes.get(model) ?? 0)) model = name;
    return {
      originSec: ready ? this.lastStep * this.options.stepSeconds : NaN,
      stepSeconds: this.options.stepSeconds,
      point,
      upper,
      quantile: this.options.quantile,
      model,
      modelPerStep,
      recentRelMae: this.recentRelMae(H),
      season: { ...this.ctx.season },
    };
  }

  /** Index (into modelNames()) of the model chosen at each horizon step, as of the last update. */
  chosenModelIndices(): ArrayLike<number> {
    return this.choice;
  }

  /** Recent MAE of the selection relative to persistence, averaged over steps 1..H. */
  recentRelMae(H = this.options.horizonSteps): number {
    let sum = 0;
    let n = 0;
    for (let h = 1; h <= H; h++) {
      const sel = this.selectedTracker.recentMae(h);
      const ref = this.trackers[0].recentMae(h);
      if (Number.isNaN(sel) || Number.isNaN(ref)) continue;
      sum += ref > 0 ? sel / ref : sel > 0 ? 2 : 1;
      n++;
    }
    return n === 0 ? NaN : sum / n;
  }

  /** Recent MAE of each model at horizon step h (1-based). */
  recentErrors(h = 1): Record<string, number> {
    const out: Record<string, number> = {};
    this.models.forEach((m, i) => (out[m.name] = this.trackers[i].recentMae(h)));
    out[SELECTED] = this.selectedTracker.recentMae(h);
    return out;
  }

  toJSON(): ForecasterState {
    const models: Record<string, unknown> = {};
    const trackers: Record<string, TrackerState> = {};
    this.models.forEach((m, i) => {
      models[m.name] = m.toJSON();
      trackers[m.name] = this.trackers[i].toJSON();
    });
    trackers[SELECTED] = this.selectedTracker.toJSON();
    return {
      v: 1,
      options: { ...this.options, models: [...this.options.models] },
      lastStep: Number.isNaN(this.lastStep) ? null : this.lastStep,
      lastValue: Number.isNaN(this.lastValue) ? null : this.lastValue,
      detector: this.detector.toJSON(),
      daily: this.ctx.daily ? this.ctx.daily.toJSON() : null,
      weekly: this.ctx.weekly ? this.ctx.weekly.toJSON() : null,
      short: this.shortDetector.toJSON(),
      bandWidth: this.bandWidth.toJSON(),
      models,
      trackers,
    };
  }

  /**
   * Rebuilds a forecaster from `toJSON()` output. Forecasts filed but not yet scored are not kept,
   * so scoring resumes `horizonSteps` buckets after the restore; everything learned is kept.
   * A state saved before the sub-hourly detector existed restores with an empty one (it detects
   * again within hours) and, if it used the default models of then, with today's default models.
   * Throws on a state of another version or shape.
   */
  static fromJSON(state: ForecasterState): SeriesForecaster {
    if (state?.v !== 1 || typeof state.options?.stepSeconds !== 'number') throw new Error('unsupported forecaster state');
    const saved = state.options.models;
    const legacyDefault =
      state.short === undefined && Array.isArray(saved) && saved.length === DEFAULT_MODELS_BEFORE_SHORT_SEASON.length && saved.every((m, i) => m === DEFAULT_MODELS_BEFORE_SHORT_SEASON[i]);
    const f = new SeriesForecaster(legacyDefault ? { ...state.options, models: MODEL_NAMES } : state.options);
    f.lastStep = state.lastStep ?? NaN;
    f.lastValue = state.lastValue ?? NaN;
    f.detector.restore(state.detector);
    if (state.daily && f.ctx.daily) f.ctx.daily.restore(state.daily);
    if (state.weekly && f.ctx.weekly) f.ctx.weekly.restore(state.weekly);
    if (state.short) f.shortDetector.restore(state.short);
    if (state.bandWidth) f.bandWidth.restore(state.bandWidth);
    f.models.forEach((m, i) => {
      if (state.models[m.name] !== undefined) m.restore(state.models[m.name]);
      if (state.trackers[m.name]) f.trackers[i].restore(state.trackers[m.name]);
    });
    if (state.trackers[SELECTED]) f.selectedTracker.restore(state.trackers[SELECTED]);
    f.refreshSeason();
    // Recompute the current forecasts so forecast() answers at once.
    if (!Number.isNaN(f.lastStep) && !Number.isNaN(f.lastValue)) {
      const H = f.options.horizonSteps;
      f.models.forEach((m, i) => f.awake[i] && m.forecastInto(f.lastStep, f.scratch[i], H, f.ctx));
      f.select();
      f.combine();
    }
    return f;
  }
}
