import { describe, expect, it } from 'vitest';
import { edgeKey, generateServiceGraph } from '../../../core/workload/service-graph.js';
import { DEFAULT_SYNTHETIC_WORKLOAD, generateWorkload, seasonalRate } from '../../../core/workload/synthetic.js';

const mean = (xs: ArrayLike<number>, from = 0, to = xs.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i];
  return s / (to - from);
};

describe('generateWorkload', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = generateWorkload({ days: 2, seed: 1 }).series.values;
    const b = generateWorkload({ days: 2, seed: 1 }).series.values;
    const c = generateWorkload({ days: 2, seed: 2 }).series.values;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('has the daily and weekly shape it was asked for', () => {
    const options = { ...DEFAULT_SYNTHETIC_WORKLOAD, days: 14, flashCrowdsPerDay: 0, quietPeriodsPerDay: 0, trendPerDay: 0 };
    const { series, expected } = generateWorkload(options);
    const day = 1440;
    // Afternoon (15:00) is busier than night (03:00) on a weekday (day 0 is a Monday).
    expect(mean(series.values, 15 * 60 - 30, 15 * 60 + 30)).toBeGreaterThan(2 * mean(series.values, 3 * 60 - 30, 3 * 60 + 30));
    // Weekend days (5, 6) carry about weekendFactor of the weekdays' traffic.
    const weekday = mean(series.values, 0, 5 * day);
    const weekend = mean(series.values, 5 * day, 7 * day);
    expect(weekend / weekday).toBeCloseTo(DEFAULT_SYNTHETIC_WORKLOAD.weekendFactor, 1);
    // The ground truth is the seasonal rate times the step when there are no events.
    expect(expected[100]).toBeCloseTo(seasonalRate(options, series.startSec + 100 * 60) * 60, 6);
  });

  it('includes flash crowds and quiet periods when asked', () => {
    const { series, expected } = generateWorkload({ days: 7, flashCrowdsPerDay: 2, quietPeriodsPerDay: 2 });
    let surge = 0;
    let quiet = 0;
    for (let i = 0; i < expected.length; i++) {
      const base = seasonalRate(DEFAULT_SYNTHETIC_WORKLOAD, series.startSec + i * 60) * 60;
      if (expected[i] > 2 * base) surge++;
      if (expected[i] < 0.05 * base) quiet++;
    }
    expect(surge).toBeGreaterThan(10);
    expect(quiet).toBeGreaterThan(10);
  });
});

describe('generateServiceGraph', () => {
  it('carries ratio × caller demand, lagged, on each edge, and sums it into the callee', () => {
    const g = generateServiceGraph({ workload: { days: 1 }, edgeNoise: 0 });
    const api = g.services.api.values;
    const front = g.services.frontend.values;
    const calls = g.edges[edgeKey('frontend', 'api')].values;
    for (const i of [100, 500, 1000]) {
      expect(calls[i]).toBe(Math.round(front[i - 2] * 2));
      expect(api[i]).toBe(calls[i]);
    }
    const db = g.services.db.values;
    const dbCalls = g.edges[edgeKey('api', 'db')].values;
    expect(mean(db) - mean(dbCalls)).toBeCloseTo(5, 0); // own demand
  });

  it('rejects edges listed before their caller has demand', () => {
    expect(() => generateServiceGraph({ edges: [{ caller: 'x', callee: 'y', ratio: 1, lagSteps: 0 }] })).toThrow(/caller has no demand/);
  });
});
