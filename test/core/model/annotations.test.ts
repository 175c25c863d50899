import { describe, expect, it } from 'vitest';
import {
  Annotations,
  FORECAST_ANNOTATION_MAX_BYTES,
  FORECAST_MAX_PUBLISHED_STEPS,
  formatForecastAnnotation,
  formatForecastWithinLimit,
  MAX_DEMAND_RPS,
  parseDeploymentSettings,
  parseForecastAnnotation,
  type ForecastAnnotation,
} from '../../../core/model/annotations.js';

const forecast: ForecastAnnotation = {
  v: 1,
  generatedAt: 1_700_000_000,
  stepSeconds: 60,
  point: [10.123456, 12, 14],
  upper: [12, 15.5, 18],
  quantile: 0.9,
  model: 'holt-winters',
  recentRelMae: 0.71234,
};

describe('parseDeploymentSettings', () => {
  it('reads every user annotation', () => {
    const { value, warnings } = parseDeploymentSettings({
      [Annotations.enabled]: 'true',
      [Annotations.mode]: 'optimize',
      [Annotations.minReplicas]: '2',
      [Annotations.maxReplicas]: '50',
      [Annotations.targetRpsPerPod]: '12.5',
      [Annotations.latencySloMs]: '200',
      [Annotations.rpsQuery]: 'sum(rate(x[1m]))',
    });
    expect(warnings).toEqual([]);
    expect(value).toEqual({
      enabled: true,
      mode: 'optimize',
      minReplicas: 2,
      maxReplicas: 50,
      targetRpsPerPod: 12.5,
      latencySloMs: 200,
      rpsQuery: 'sum(rate(x[1m]))',
    });
  });

  it.each([
    [{ [Annotations.minReplicas]: '-1' }, Annotations.minReplicas],
    [{ [Annotations.maxReplicas]: '1e9' }, Annotations.maxReplicas],
    [{ [Annotations.maxReplicas]: '99999999' }, Annotations.maxReplicas],
    [{ [Annotations.mode]: 'fast' }, Annotations.mode],
    [{ [Annotations.targetRpsPerPod]: '0' }, Annotations.targetRpsPerPod],
    [{ [Annotations.targetRpsPerPod]: 'lots' }, Annotations.targetRpsPerPod],
    [{ [Annotations.enabled]: 'yes' }, Annotations.enabled],
    [{ [Annotations.minReplicas]: '10', [Annotations.maxReplicas]: '5' }, Annotations.minReplicas],
  ])('ignores bad value %j and says why', (annotations, key) => {
    const { value, warnings } = parseDeploymentSettings(annotations);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain(key);
    expect(value.minReplicas).toBeUndefined();
    expect(value.maxReplicas).toBeUndefined();
  });

  it('treats missing annotations as not opted in', () => {
    expect(parseDeploymentSettings(undefined)).toEqual({ value: { enabled: false }, warnings: [] });
  });
});

describe('forecast annotation', () => {
  it('round-trips with compact numbers', () => {
    const text = formatForecastAnnotation(forecast);
    const parsed = parseForecastAnnotation(text);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.value?.point[0]).toBeCloseTo(10.12, 2);
    expect(parsed.value?.recentRelMae).toBeCloseTo(0.7123, 4);
    expect(parsed.value?.upper).toEqual([12, 15.5, 18]);
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['[]', 'expected a JSON object'],
    [JSON.stringify({ ...forecast, v: 2 }), 'version'],
    [JSON.stringify({ ...forecast, point: [1, -2, 3] }), 'point values'],
    [JSON.stringify({ ...forecast, upper: [1] }), 'as many steps'],
    [JSON.stringify({ ...forecast, point: [], upper: [] }), 'steps'],
    [JSON.stringify({ ...forecast, stepSeconds: 0 }), 'stepSeconds'],
    [JSON.stringify({ ...forecast, quantile: 1.5 }), 'quantile'],
    [JSON.stringify({ ...forecast, point: ['1', 2, 3] }), 'point values'],
    [JSON.stringify({ ...forecast, upper: [1e300, 1, 1] }), 'upper values'],
    ['x'.repeat(20_000), 'longer than'],
  ])('rejects %s', (raw, reason) => {
    const parsed = parseForecastAnnotation(raw);
    expect(parsed.value).toBeUndefined();
    expect(parsed.warnings.join()).toContain(reason);
  });

  it('never lets the band fall below the point forecast', () => {
    const parsed = parseForecastAnnotation(JSON.stringify({ ...forecast, upper: [1, 1, 1] }));
    expect(parsed.value?.upper).toEqual(forecast.point);
  });
});

describe('forecast annotation size', () => {
  const long = (steps: number, value: (i: number) => number) => ({
    v: 1 as const,
    generatedAt: 99_999_999_999,
    stepSeconds: 86_400,
    point: Array.from({ length: steps }, (_, i) => value(i)),
    upper: Array.from({ length: steps }, (_, i) => value(i)),
    quantile: 0.965123456789,
    model: 'm'.repeat(64),
    recentRelMae: 123456.789,
    observed: 999_999_999.9,
    learnedRpsPerPod: 123_456_789.123,
    margin: 9.87654321,
    surgeFloor: 999_999_999.9,
    stale: false,
  });

  it.each([
    ['the largest demand', () => MAX_DEMAND_RPS],
    ['nine-digit values', (i: number) => 123_456_789 + i],
    ['tiny values (at most six decimals kept)', (i: number) => 0.000123456 + i * 1e-12],
    ['a few millionths (0.000004321 would take 11 characters)', (i: number) => 0.000004321 + i * 1e-15],
    ['under a millionth', () => 9.87e-7],
  ])('the longest forecast published always fits: %s', (_name, value) => {
    const text = formatForecastAnnotation(long(FORECAST_MAX_PUBLISHED_STEPS, value));
    expect(text.length).toBeLessThanOrEqual(FORECAST_ANNOTATION_MAX_BYTES);
    expect(parseForecastAnnotation(text).value?.point).toHaveLength(FORECAST_MAX_PUBLISHED_STEPS);
  });

  it('keeps at most six decimals: below a millionth of a request per step is none', () => {
    const parsed = parseForecastAnnotation(formatForecastAnnotation({ ...forecast, point: [0.000123456, 4e-7, 0.1234567], upper: [1, 1, 1] })).value!;
    expect(parsed.point).toEqual([0.000123, 0, 0.1235]);
  });

  it('a forecast that fits is written whole; a longer one is cut to the most steps that fit', () => {
    const small = long(10, () => 12.34);
    expect(formatForecastWithinLimit(small)).toEqual({ body: formatForecastAnnotation(small), steps: 10 });
    const big = long(1440, (i) => 100 + (i % 900) + 0.1234);
    expect(formatForecastAnnotation(big).length).toBeGreaterThan(FORECAST_ANNOTATION_MAX_BYTES);
    const cut = formatForecastWithinLimit(big)!;
    expect(cut.body.length).toBeLessThanOrEqual(FORECAST_ANNOTATION_MAX_BYTES);
    const parsed = parseForecastAnnotation(cut.body).value!;
    expect(parsed.point).toHaveLength(cut.steps);
    expect(parsed.point).toEqual(parseForecastAnnotation(formatForecastAnnotation({ ...big, point: big.point.slice(0, cut.steps), upper: big.upper.slice(0, cut.steps) })).value!.point);
    // The most that fit: one more step would not.
    expect(formatForecastAnnotation({ ...big, point: big.point.slice(0, cut.steps + 1), upper: big.upper.slice(0, cut.steps + 1) }).length).toBeGreaterThan(FORECAST_ANNOTATION_MAX_BYTES);
  });
});
