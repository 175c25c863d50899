import { describe, expect, it } from 'vitest';
import {
  Annotations,
  formatForecastAnnotation,
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
