/**
 * Rolling-origin backtest of every model and of the selection, on a series already in memory.
 * Pure: the CLI (trace files), the Prometheus helper (range queries) and the simulator all call
 * `backtestSeries`. Every step after the warm-up is an origin; each forecast for steps 1..H is
 * scored when its actual arrives, exactly as the online forecaster scores itself.
 */
import { SELECTED, SeriesForecaster, type ForecasterOptions } from './forecaster.js';
import type { RegularSeries } from './series.js';

export interface ModelScore {
  /** MAE relative to persistence's at the same horizon step, averaged over steps 1..H. */
  relMae: number;
  /** Symmetric MAPE, |a − p| / ((|a| + |p|) / 2), counting 0 when both are 0; averaged over all scored forecasts. */
  smape: number;
  /** Share of actuals at or under the upper band. */
  coverage: number;
}

export interface BacktestReport {
  trace: string;
  stepSeconds: number;
  horizonSteps: number;
  /** Buckets in the series (gaps included). */
  points: number;
  /** Buckets used as warm-up (scored only after them). */
  warmupSteps: number;
  /** Forecasts scored per model and horizon step. */
  scored: number;
  quantile: number;
  models: Record<string, ModelScore>;
  selected: ModelScore;
  /** Share of origins at which each model was chosen (over all horizon steps). */
  selectedModels: Record<string, number>;
  /** Wall-clock seconds the backtest took (set by the caller, which owns the clock). */
  seconds: number;
}

export interface BacktestOptions {
  /** Name reported as `trace`. */
  name: string;
  horizonSteps: number;
  /** Buckets at the start that are learned from but not scored. */
  warmupSteps: number;
  forecaster?: Partial<Omit<ForecasterOptions, 'stepSeconds' | 'horizonSteps'>>;
}

interface Accumulator {
  absErr: Float64Array;
  count: Float64Array;
  smape: number;
  covered: number;
  n: number;
}

export function backtestSeries(series: RegularSeries, options: BacktestOptions): BacktestReport {
  const H = options.horizonSteps;
  const forecaster = new SeriesForecaster({ ...options.forecaster, stepSeconds: series.stepSeconds, horizonSteps: H });
  const names = [...forecaster.modelNames(), SELECTED];
  const acc = new Map<string, Accumulator>();
  for (const name of names) {
    acc.set(name, { absErr: new Float64Array(H), count: new Float64Array(H), smape: 0, covered: 0, n: 0 });
  }
  const firstScoredStep = Math.round(series.startSec / series.stepSeconds) + options.warmupSteps;
  let currentStep = 0;
  forecaster.onScore((model, h, point, upper, actual) => {
    if (currentStep < firstScoredStep) return;
    const a = acc.get(model)!;
    a.absErr[h - 1] += Math.abs(actual - point);
    a.count[h - 1]++;
    const denom = (Math.abs(actual) + Math.abs(point)) / 2;
    a.smape += denom > 0 ? Math.abs(actual - point) / denom : 0;
    if (actual <= upper + 1e-9) a.covered++;
    a.n++;
  });
  const modelNames = forecaster.modelNames();
  const chosenSteps = new Float64Array(modelNames.length);
  let origins = 0;
  const values = series.values;
  for (let i = 0; i < values.length; i++) {
    const ts = series.startSec + i * series.stepSeconds;
    currentStep = Math.round(ts / series.stepSeconds);
    if (!forecaster.update(ts, values[i]) || Number.isNaN(values[i]) || currentStep < firstScoredStep) continue;
    const chosen = forecaster.chosenModelIndices();
    for (let h = 0; h < H; h++) chosenSteps[chosen[h]]++;
    origins++;
  }
  const persistence = acc.get(names[0])!;
  const score = (a: Accumulator): ModelScore => {
    let rel = 0;
    let k = 0;
    for (let h = 0; h < H; h++) {
      if (a.count[h] === 0 || persistence.count[h] === 0) continue;
      const mae = a.absErr[h] / a.count[h];
      const ref = persistence.absErr[h] / persistence.count[h];
      rel += ref > 0 ? mae / ref : mae > 0 ? Infinity : 1;
      k++;
    }
    return {
      relMae: k === 0 ? NaN : rel / k,
      smape: a.n === 0 ? NaN : a.smape / a.n,
      coverage: a.n === 0 ? NaN : a.covered / a.n,
    };
  };
  const models: Record<string, ModelScore> = {};
  for (const name of names.slice(0, -1)) models[name] = score(acc.get(name)!);
  const selectedModels: Record<string, number> = {};
  modelNames.forEach((name, m) => (selectedModels[name] = origins === 0 ? 0 : chosenSteps[m] / (origins * H)));
  return {
    trace: options.name,
    stepSeconds: series.stepSeconds,
    horizonSteps: H,
    points: values.length,
    warmupSteps: options.warmupSteps,
    scored: persistence.count[0],
    quantile: forecaster.options.quantile,
    models,
    selected: score(acc.get(SELECTED)!),
    selectedModels,
    seconds: 0,
  };
}
