/**
 * Forecast → the `smartscale.io/forecast` annotation the webhook reads (core/model/annotations.ts).
 * Series values are counts per bucket; the annotation is in requests per second, so every value is
 * divided by the step.
 */
import type { ForecastAnnotation } from '../model/annotations.js';
import type { Forecast } from './forecaster.js';

export interface AnnotationExtras {
  /** Unix seconds the forecast is stamped with; default: the end of the last observed bucket. */
  generatedAt?: number;
  /** Count observed in the last bucket (converted to requests/second). */
  observedCount?: number;
  learnedRpsPerPod?: number;
  stale?: boolean;
  /** The served-record margin (≥ 1) the webhook divides per-pod capacity by. */
  margin?: number;
  /** Demand (requests/second) the replicas must cover now: observed, or in a surge extrapolated. */
  surgeFloor?: number;
}

export function toForecastAnnotation(forecast: Forecast, extras: AnnotationExtras = {}): ForecastAnnotation {
  const step = forecast.stepSeconds;
  const rps = (count: number) => (Number.isFinite(count) && count > 0 ? count / step : 0);
  const annotation: ForecastAnnotation = {
    v: 1,
    generatedAt: Math.round(extras.generatedAt ?? forecast.originSec + step),
    stepSeconds: step,
    point: forecast.point.map(rps),
    upper: forecast.upper.map((u, i) => Math.max(rps(u), rps(forecast.point[i]))),
    quantile: forecast.quantile,
    model: forecast.model,
  };
  if (Number.isFinite(forecast.recentRelMae)) annotation.recentRelMae = forecast.recentRelMae;
  if (extras.observedCount !== undefined) annotation.observed = rps(extras.observedCount);
  if (extras.learnedRpsPerPod !== undefined) annotation.learnedRpsPerPod = extras.learnedRpsPerPod;
  if (extras.stale !== undefined) annotation.stale = extras.stale;
  if (extras.margin !== undefined && Number.isFinite(extras.margin) && extras.margin >= 1) annotation.margin = extras.margin;
  if (extras.surgeFloor !== undefined && Number.isFinite(extras.surgeFloor) && extras.surgeFloor >= 0) annotation.surgeFloor = extras.surgeFloor;
  return annotation;
}
