import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SeriesForecaster, type ForecasterState } from '../../../core/forecast/forecaster.js';
import type { SeasonContext } from '../../../core/forecast/models/model.js';
import { SeasonalRatioModel } from '../../../core/forecast/models/seasonal-ratio.js';
import { ShortSeasonModel } from '../../../core/forecast/models/short-season.js';
import { ShortSeasonDetector, shortPeriodCandidates, type ShortSeason } from '../../../core/forecast/short-season.js';
import { parseTrace } from '../../../core/forecast/trace.js';
import { SeededRandom } from '../../../core/workload/random.js';
import { tracePath } from '../../support/shared.js';

const MINUTE = 60;
const HOUR_STEPS = 60;
const DAY_STEPS = 1440;

/** Minute counts around `base` with log-normal noise, multiplied by `spike(t)` (1 = no spike). */
function series(n: number, seed: number, spike: (t: number) => number = () => 1, base = 500, noise = 0.08): number[] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, (_, t) => Math.round(base * spike(t) * Math.exp(noise * r.normal())));
}

/** A timer firing every `period` steps, adding `amp` (0.4 = +40%) in its step. */
const every = (period: number, amp: number) => (t: number) => (t % period === 0 ? 1 + amp : 1);

function detect(values: readonly number[], stepSeconds = MINUTE, options = {}): ShortSeasonDetector {
  const d = new ShortSeasonDetector(stepSeconds, options);
  values.forEach((v, i) => d.observe(i, v));
  return d;
}

/** Feeds the whole series and returns every period the detector reported on the way. */
function periodsSeen(values: ArrayLike<number>, stepSeconds: number): Set<number> {
  const d = new ShortSeasonDetector(stepSeconds);
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    d.observe(i, values[i]);
    const s = d.current();
    if (s) seen.add(s.period);
  }
  return seen;
}

describe('shortPeriodCandidates', () => {
  it.each([
    [60, 1000, [2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60]],
    [300, 1000, [2, 3, 4, 6, 12]],
    [60, 20, [2, 3, 4, 5, 6, 10, 12, 15, 20]],
    [1800, 1000, [2]],
    [3600, 1000, []],
    [7, 1000, []],
  ])('step %i s, at most %i steps: %j', (step, max, expected) => {
    expect(shortPeriodCandidates(step, max)).toEqual(expected);
  });
});

describe('ShortSeasonDetector: finds known short periods', () => {
  it.each([
    ['every 5 minutes', every(5, 0.4), 5],
    ['every 15 minutes', every(15, 0.4), 15],
    ['hourly', every(60, 0.8), 60],
    ['every 10 minutes, small spikes', every(10, 0.25), 10],
  ])('%s', (_, spike, period) => {
    const d = detect(series(DAY_STEPS, 7, spike), MINUTE);
    const s = d.current();
    expect(s?.period).toBe(period);
    // The factor is high where the timer fires and about 1 elsewhere.
    expect(s!.factorAt(0)).toBeGreaterThan(1.2);
    expect(s!.factorAt(1)).toBeLessThan(1.05);
  });

  it('on a 5-minute step, an hourly timer is a period of 12 steps', () => {
    const d = detect(series(288 * 2, 3, every(12, 0.8)), 300);
    expect(d.current()?.period).toBe(12);
  });

  it('keeps the top of the hour apart when it differs from the 5-minute spikes (Azure-like)', () => {
    const spike = (t: number) => (t % 30 === 0 ? 2 : t % 5 === 0 ? 1.3 : 1);
    const s = detect(series(DAY_STEPS, 11, spike)).current();
    expect(s).toBeDefined();
    expect(s!.period % 30).toBe(0);
    expect(s!.factorAt(0)).toBeGreaterThan(s!.factorAt(5) * 1.3);
    expect(s!.factorAt(5)).toBeGreaterThan(s!.factorAt(1) * 1.15);
  });

  it('follows the phase of the absolute step, not of the first observation', () => {
    const d = new ShortSeasonDetector(MINUTE);
    const start = 1_000_003;
    series(DAY_STEPS, 5, (t) => every(15, 0.5)(start + t)).forEach((v, i) => d.observe(start + i, v));
    const s = d.current()!;
    expect(s.period).toBe(15);
    expect(s.factorAt(1_000_005)).toBeGreaterThan(1.3); // 1_000_005 is a multiple of 15
    expect(s.factorAt(1_000_006)).toBeLessThan(1.05);
  });

  it('finds the period through gaps and ignores a trend', () => {
    const values = series(DAY_STEPS, 9, (t) => every(5, 0.4)(t) * (1 + t / 500)).map((v, t) => (t % 97 < 3 ? NaN : v));
    expect(detect(values).current()?.period).toBe(5);
  });
});

describe('ShortSeasonDetector: invents nothing on aperiodic series', () => {
  const n = 2 * DAY_STEPS;
  const cases: Array<[string, number[]]> = [
    ['white noise', series(n, 1, () => 1, 500, 0.3)],
    ['small Poisson counts', (() => {
      const r = new SeededRandom(2);
      return Array.from({ length: n }, () => r.poisson(3));
    })()],
    ['a random walk', (() => {
      const r = new SeededRandom(3);
      let level = 0;
      return Array.from({ length: n }, () => Math.round(500 * Math.exp((level += 0.03 * r.normal()))));
    })()],
    ['a trend', series(n, 4, (t) => 1 + t / 300, 200, 0.1)],
    ['a daily cycle', series(n, 5, (t) => 1 + 0.6 * Math.sin((2 * Math.PI * t) / DAY_STEPS))],
    ['flash crowds', series(n, 6, (t) => (t % 700 < 20 ? 4 : 1))],
  ];
  it.each(cases)('%s', (_, values) => {
    expect([...periodsSeen(values, MINUTE)]).toEqual([]);
  });

  it.each([
    ['log-normal noise', (r: SeededRandom) => 500 * Math.exp(0.3 * r.normal())],
    ['bursty noise (2% of minutes tripled)', (r: SeededRandom) => 500 * (r.next() < 0.02 ? 3 : 1) * Math.exp(0.1 * r.normal())],
  ])('%s, over 30 seeds', (_, draw) => {
    for (let seed = 1; seed <= 30; seed++) {
      const r = new SeededRandom(seed * 101);
      const values = Array.from({ length: DAY_STEPS }, () => draw(r));
      expect([...periodsSeen(values, MINUTE)], `seed ${seed}`).toEqual([]);
    }
  });

  it.each([
    ['nasa_ksc_jul1995_1min.csv'],
    ['worldcup98_1min.csv'],
    ['aws_elb_request_count_5min.csv'],
  ])('the shared trace %s (no sub-hourly structure)', (name) => {
    const s = parseTrace(readFileSync(tracePath(name), 'utf8'));
    expect([...periodsSeen(s.values, s.stepSeconds)]).toEqual([]);
  });

  it('finds the period in the shared Azure Functions trace within two hours', () => {
    const s = parseTrace(readFileSync(tracePath('azure_functions_2019_sample_1day_1min.csv'), 'utf8'));
    const d = new ShortSeasonDetector(s.stepSeconds);
    let first = -1;
    s.values.forEach((v, i) => {
      d.observe(i, v);
      if (first < 0 && d.current()) first = i;
    });
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(120);
    expect(d.current()!.period % 5).toBe(0);
    expect(d.latestScores()[5]).toBeGreaterThan(0.6);
  });
});

describe('ShortSeasonDetector: hysteresis', () => {
  const options = { threshold: 0.45, dropThreshold: 0.15 };
  const strong = series(DAY_STEPS, 1, every(15, 0.6));
  const weak = series(2 * DAY_STEPS, 2, every(15, 0.22));
  const none = series(DAY_STEPS, 3);

  it('keeps a detected period while its score stays above the drop threshold', () => {
    const d = new ShortSeasonDetector(MINUTE, options);
    [...strong, ...weak].forEach((v, i) => {
      d.observe(i, v);
      if (i >= DAY_STEPS) expect(d.current()?.period).toBe(15);
    });
  });

  it('does not detect the same weak period from scratch', () => {
    const d = detect(weak, MINUTE, options);
    expect(d.current()).toBeUndefined();
    expect(d.latestScores()[15]).toBeGreaterThan(options.dropThreshold);
  });

  it('drops the period once the timer stops', () => {
    const d = detect([...strong, ...weak, ...none], MINUTE, options);
    expect(d.current()).toBeUndefined();
  });
});

describe('ShortSeasonModel', () => {
  const season: ShortSeason = { period: 5, factorAt: (step) => (step % 5 === 0 ? 2 : 1) };

  function run(values: number[], short?: ShortSeason): number[] {
    const model = new ShortSeasonModel('short-season', new SeasonalRatioModel());
    const ctx: SeasonContext = { season: {}, short };
    values.forEach((v, t) => model.observe(t, v, ctx));
    const out = new Float64Array(10);
    model.forecastInto(values.length - 1, out, 10, ctx);
    return Array.from(out);
  }

  it('predicts the spike at the steps where the timer fires', () => {
    const values = Array.from({ length: 300 }, (_, t) => 100 * season.factorAt(t));
    const f = run(values, season);
    // Last step 299: steps 300 and 305 (h = 1, 6) are spikes.
    expect(f[0]).toBeCloseTo(200, 0);
    expect(f[5]).toBeCloseTo(200, 0);
    for (const h of [2, 3, 4, 5, 7]) expect(f[h - 1]).toBeCloseTo(100, 0);
  });

  it('is its inner model while no period is detected', () => {
    const values = Array.from({ length: 300 }, (_, t) => 100 + (t % 7) * 3);
    const inner = new SeasonalRatioModel();
    const ctx: SeasonContext = { season: {} };
    values.forEach((v, t) => inner.observe(t, v, ctx));
    const out = new Float64Array(10);
    inner.forecastInto(299, out, 10, ctx);
    expect(run(values)).toEqual(Array.from(out));
  });
});

describe('SeriesForecaster with a cron series', () => {
  const cron = (t: number) => (t % 30 === 0 ? 2 : t % 5 === 0 ? 1.3 : 1);
  const values = series(DAY_STEPS, 21, (t) => cron(t) * (1 + 0.3 * Math.sin((2 * Math.PI * t) / DAY_STEPS)));
  const start = 1_699_999_200; // minute 0 of an hour (a multiple of 3600)
  const feed = (f: SeriesForecaster, from: number, to: number) => {
    for (let i = from; i < to; i++) f.update(start + i * MINUTE, values[i]);
  };

  it('detects the period, selects the short-season model and forecasts the spikes with a wider band', () => {
    const f = new SeriesForecaster({ stepSeconds: MINUTE });
    feed(f, 0, 1199); // the last bucket is minute 1198; h = 2 is minute 1200, a multiple of 30
    const fc = f.forecast();
    expect(fc.season.short).toBeDefined();
    expect(fc.season.short! % 30).toBe(0);
    const spikeAt = 2;
    const quietAt = 4;
    expect(fc.modelPerStep[spikeAt - 1]).toBe('short-season');
    expect(fc.point[spikeAt - 1]).toBeGreaterThan(1.6 * fc.point[quietAt - 1]);
    const spikeBand = fc.upper[spikeAt - 1] - fc.point[spikeAt - 1];
    const quietBand = fc.upper[quietAt - 1] - fc.point[quietAt - 1];
    expect(spikeBand).toBeGreaterThan(quietBand);
    const errors = f.recentErrors(1);
    expect(errors['short-season']).toBeLessThan(0.7 * errors.blend);
  });

  it('keeps short-season dormant (never forecast, scored or selected) on aperiodic traffic', () => {
    const f = new SeriesForecaster({ stepSeconds: MINUTE });
    series(DAY_STEPS, 22, (t) => 1 + 0.3 * Math.sin((2 * Math.PI * t) / DAY_STEPS)).forEach((v, i) => f.update(start + i * MINUTE, v));
    const fc = f.forecast();
    expect(fc.season.short).toBeUndefined();
    expect(fc.modelPerStep).not.toContain('short-season');
    expect(f.recentErrors(1)['short-season']).toBeNaN();
    expect(f.recentErrors(1)['seasonal-ratio']).toBeGreaterThan(0);
  });

  it('round-trips its state, short period included, and continues alike', () => {
    const a = new SeriesForecaster({ stepSeconds: MINUTE });
    feed(a, 0, 900);
    const b = SeriesForecaster.fromJSON(JSON.parse(JSON.stringify(a.toJSON())) as ForecasterState);
    expect(b.forecast()).toEqual(a.forecast());
    feed(a, 900, 1000);
    feed(b, 900, 1000);
    const fa = a.forecast();
    const fb = b.forecast();
    expect(fb.season).toEqual(fa.season);
    // The detector's history is saved rounded to 1e-5 in log space: later re-fits may differ by that much.
    fb.point.forEach((p, i) => expect(Math.abs(p - fa.point[i])).toBeLessThanOrEqual(1e-5 * fa.point[i]));
  });
});

describe('a forecaster state saved before sub-hourly seasons existed', () => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/forecaster-state-before-short-season.json', import.meta.url), 'utf8')) as {
    state: ForecasterState;
    forecast: { point: number[]; upper: number[]; modelPerStep: string[] };
  };

  it('restores with the short-season model added and forecasts exactly as before', () => {
    expect(fixture.state.short).toBeUndefined();
    const f = SeriesForecaster.fromJSON(fixture.state);
    expect(f.modelNames()).toContain('short-season');
    const fc = f.forecast();
    expect(fc.point).toEqual(fixture.forecast.point);
    expect(fc.upper).toEqual(fixture.forecast.upper);
    expect(fc.modelPerStep).toEqual(fixture.forecast.modelPerStep);
  });

  it('goes on learning and detects a timer that starts after the restore', () => {
    const f = SeriesForecaster.fromJSON(fixture.state);
    const from = f.lastTimestampSec! / 300 + 1;
    const values = series(288, 8, (t) => every(3, 0.6)(from + t), 200);
    values.forEach((v, i) => f.update((from + i) * 300, v));
    expect(f.forecast().season.short).toBe(3);
  });
});
