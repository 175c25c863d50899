import { describe, expect, it } from 'vitest';
import { toForecastAnnotation } from '../../../core/forecast/annotation.js';
import { backtestSeries } from '../../../core/forecast/backtest.js';
import { parseDuration } from '../../../core/forecast/duration.js';
import { SeriesForecaster } from '../../../core/forecast/forecaster.js';
import { SeasonalityDetector } from '../../../core/forecast/seasonality.js';
import { parseTrace, TraceError } from '../../../core/forecast/trace.js';
import { parseForecastAnnotation, formatForecastAnnotation } from '../../../core/model/annotations.js';
import { SeededRandom } from '../../../core/workload/random.js';
import { generateWorkload } from '../../../core/workload/synthetic.js';

describe('parseTrace', () => {
  it('infers the step and turns missing buckets into gaps, keeping zeros', () => {
    const s = parseTrace('timestamp,value\n0,5\n60,0\n180,7\n240,1\n');
    expect(s.stepSeconds).toBe(60);
    expect(Array.from(s.values)).toEqual([5, 0, NaN, 7, 1]);
  });

  it.each([
    ['time,count\n0,1\n60,2', /line 1: expected the header/],
    ['timestamp,value\n0,1\n60', /line 3: expected 2 fields/],
    ['timestamp,value\n0,1\n60,abc', /line 3: value "abc"/],
    ['timestamp,value\n0,1\n60,-4', /line 3: value "-4"/],
    ['timestamp,value\n60,1\n0,2', /line 3: .*not after/],
    ['timestamp,value\n0,1\n60,1\n120,1\n150,1', /line 5: .*off the 60-second grid/],
    ['timestamp,value\n0,1', /at least 2 rows/],
  ])('rejects %j naming the problem', (text, message) => {
    expect(() => parseTrace(text)).toThrow(TraceError);
    expect(() => parseTrace(text)).toThrow(message);
  });
});

describe('parseDuration', () => {
  it.each([['15m', 900], ['2d', 172800], ['1h30m', 5400], ['90s', 90]])('%s = %i s', (t, s) => expect(parseDuration(t)).toBe(s));
  it.each(['', '15', 'm', '1.5h', '-1m', '15x'])('rejects %j', (t) => expect(() => parseDuration(t)).toThrow(/invalid duration/));
});

describe('SeasonalityDetector', () => {
  it('finds the daily and weekly periods of the synthetic workload', () => {
    const { series } = generateWorkload({ days: 21, noise: 0.1 });
    const d = new SeasonalityDetector(60);
    const k0 = series.startSec / 60;
    series.values.forEach((v, i) => d.observe(k0 + i, v));
    expect(d.current()).toEqual({ daily: 1440, weekly: 10080 });
  });

  it('invents no season on aperiodic data (white noise, random walk)', () => {
    const rng = new SeededRandom(9);
    const noise = new SeasonalityDetector(60);
    const walk = new SeasonalityDetector(60);
    let level = 1000;
    for (let i = 0; i < 21 * 1440; i++) {
      noise.observe(i, rng.poisson(100));
      level = Math.max(10, level * (1 + 0.01 * rng.normal()));
      walk.observe(i, rng.poisson(level));
    }
    expect(noise.current()).toEqual({});
    expect(walk.current()).toEqual({});
  });
});

describe('SeriesForecaster', () => {
  const { series } = generateWorkload({ days: 8 });

  function feed(f: SeriesForecaster, from: number, to: number) {
    for (let i = from; i < to; i++) f.update(series.startSec + i * 60, series.values[i]);
  }

  it('forecasts with a band above the point, names its model and beats persistence on seasonal traffic', () => {
    const f = new SeriesForecaster({ stepSeconds: 60 });
    feed(f, 0, series.values.length);
    const fc = f.forecast();
    expect(fc.point).toHaveLength(15);
    fc.point.forEach((p, i) => expect(fc.upper[i]).toBeGreaterThanOrEqual(p));
    expect(fc.model).not.toBe('persistence');
    expect(fc.recentRelMae).toBeLessThan(1);
    expect(fc.season.daily).toBe(1440);
  });

  it('ignores out-of-order buckets and treats skipped ones as gaps', () => {
    const f = new SeriesForecaster({ stepSeconds: 60 });
    expect(f.update(600, 10)).toBe(true);
    expect(f.update(540, 10)).toBe(false);
    expect(f.update(600, 10)).toBe(false);
    expect(f.update(6000, 12)).toBe(true);
    expect(f.lastTimestampSec).toBe(6000);
  });

  it('survives a restart: the restored forecaster forecasts as the original and keeps learning alike', () => {
    const a = new SeriesForecaster({ stepSeconds: 60 });
    feed(a, 0, 4000);
    const b = SeriesForecaster.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.forecast()).toEqual(a.forecast());
    feed(a, 4000, 4100);
    feed(b, 4000, 4100);
    // Only the outcomes of the forecasts pending at the restart are lost (they are not saved), so
    // recent errors and the blend's weights differ slightly; where both pick the same model the
    // points agree within 1%.
    const fa = a.forecast();
    const fb = b.forecast();
    fa.modelPerStep.forEach((m, i) => {
      if (fb.modelPerStep[i] === m) expect(Math.abs(fb.point[i] - fa.point[i])).toBeLessThan(0.01 * fa.point[i] + 1e-9);
    });
    const ea = a.recentErrors(1);
    const eb = b.recentErrors(1);
    // A dormant model (short-season without a sub-hourly period) is never scored: NaN in both.
    for (const name of Object.keys(ea)) {
      if (Number.isNaN(ea[name])) expect(eb[name]).toBeNaN();
      else expect(eb[name]).toBeCloseTo(ea[name], -1);
    }
  });

  it('converts a forecast into a valid annotation in requests per second', () => {
    const f = new SeriesForecaster({ stepSeconds: 60 });
    feed(f, 0, 3000);
    const fc = f.forecast();
    const ann = toForecastAnnotation(fc, { observedCount: 120 });
    expect(ann.generatedAt).toBe(fc.originSec + 60);
    expect(ann.point[0]).toBeCloseTo(fc.point[0] / 60);
    expect(ann.observed).toBe(2);
    const parsed = parseForecastAnnotation(formatForecastAnnotation(ann));
    expect(parsed.warnings).toEqual([]);
    expect(parsed.value?.model).toBe(fc.model);
  });
});

describe('backtestSeries', () => {
  it('reports every model, persistence at 1, honest coverage and a selection that beats persistence', () => {
    const { series } = generateWorkload({ days: 6 });
    const r = backtestSeries(series, { name: 'builtin', horizonSteps: 15, warmupSteps: 2880 });
    expect(Object.keys(r.models)).toEqual(['persistence', 'seasonal-naive', 'ewma', 'holt', 'holt-winters', 'seasonal-ratio', 'blend', 'short-season']);
    expect(r.models.persistence.relMae).toBe(1);
    expect(r.selected.relMae).toBeLessThan(0.9);
    expect(Math.abs(r.selected.coverage - 0.9)).toBeLessThan(0.03);
    const shares = Object.values(r.selectedModels).reduce((a, b) => a + b, 0);
    expect(shares).toBeCloseTo(1, 6);
  });
});

describe('selection', () => {
  it('follows the series: seasonal models on clean seasonal traffic, level models on flat noise', () => {
    const seasonal = generateWorkload({ days: 8, noise: 0, flashCrowdsPerDay: 0, quietPeriodsPerDay: 0, baseRps: 50 }).series;
    const a = new SeriesForecaster({ stepSeconds: 60 });
    seasonal.values.forEach((v, i) => a.update(seasonal.startSec + i * 60, v));
    expect(['seasonal-naive', 'holt-winters', 'seasonal-ratio', 'blend']).toContain(a.forecast().model);

    const rng = new SeededRandom(5);
    const b = new SeriesForecaster({ stepSeconds: 60 });
    for (let i = 0; i < 3000; i++) b.update(i * 60, rng.poisson(200));
    const chosen = b.forecast();
    expect(chosen.model).not.toBe('persistence');
    expect(chosen.recentRelMae).toBeLessThan(0.85);
  });
});
