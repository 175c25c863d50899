import { describe, expect, it } from 'vitest';
import { HorizonTracker, initialBandMultiplier, type TrackerState } from '../../../core/forecast/tracker.js';

const H = 3;
const options = { horizon: H, quantile: 0.9, errorAlpha: 0.003, bandRate: 0.05 };
/** Where the band's multiplier starts at quantile 0.9: ln 5 ≈ 1.609 MAEs. */
const Q0 = initialBandMultiplier(0.9);
const FRESH: TrackerState = { mae: [null, null, null], q: [Q0, Q0, Q0], n: [0, 0, 0] };

/** Files `forecast` (one value per horizon step) at each origin and scores each actual as it arrives. */
function replay(tracker: HorizonTracker, actuals: number[], forecast: (origin: number) => number[]): void {
  actuals.forEach((actual, step) => {
    tracker.score(step, actual);
    tracker.file(step, Float64Array.from(forecast(step)));
  });
}

describe('HorizonTracker', () => {
  it('reads as a tracker that has learned nothing until a forecast is filed, and holds no arrays', () => {
    const t = new HorizonTracker(options);
    t.score(5, 100);
    expect(t.relativeError(5, 100)).toBeNaN();
    expect(t.recentMae(1)).toBeNaN();
    expect(t.scored(2)).toBe(0);
    // The fallback scale of a tracker with no error yet: √point, at least 1; q starts at Q0.
    expect(t.upperFor(1, 100)).toBe(100 + Q0 * 10);
    expect(t.toJSON()).toEqual(FRESH);
    expect(t.allocatedBytes).toBe(0);
  });

  it('scores filed forecasts per horizon step: a plain mean of the first errors, and the band quantile moved by each outcome', () => {
    const t = new HorizonTracker(options);
    const seen: Array<[number, number]> = [];
    t.file(0, Float64Array.from([10, 20, 30]));
    expect(t.allocatedBytes).toBeGreaterThan(0);
    t.score(1, 14, (_label, h, point) => seen.push([h, point])); // h = 1: error 4
    t.file(1, Float64Array.from([11, 21, 31]));
    t.score(2, 18, (_label, h, point) => seen.push([h, point])); // h = 1 from origin 1: error 7; h = 2 from origin 0: error 2
    expect(seen).toEqual([[1, 10], [1, 11], [2, 20]]);
    expect(t.recentMae(1)).toBe(5.5);
    expect(t.recentMae(2)).toBe(2);
    expect(t.scored(1)).toBe(2);
    expect(t.scored(3)).toBe(0);
    // h = 1: origin 0's band 10 + Q0 × √10 ≈ 15.09 covered 14 (q − η(1 − τ) = Q0 − 0.005); origin 1's
    // 11 + (Q0 − 0.005) × 4 ≈ 17.42 missed 18 (q + ητ).
    expect(t.toJSON().q[0]).toBeCloseTo(Q0 - 0.05 * 0.1 + 0.05 * 0.9, 12);
    expect(t.toJSON().q[1]).toBeCloseTo(Q0 - 0.05 * 0.1, 12); // h = 2: 20 + Q0 × √20 ≈ 27.2 covered 18
  });

  it('a forecast scored by the relative error before scoring: |actual − point| ÷ recent MAE, averaged over the horizon', () => {
    const t = new HorizonTracker(options);
    replay(t, [10, 10, 10, 10], () => [12, 12, 12]);
    expect(t.recentMae(1)).toBe(2);
    expect(t.relativeError(4, 16)).toBe(2); // |16 − 12| ÷ 2 at every step
  });

  it('restores what it learned; a state that learned nothing leaves it unallocated', () => {
    const a = new HorizonTracker(options);
    replay(a, [5, 9, 4, 12, 8, 7, 15, 3], (o) => [o + 1, o + 2, o + 3]);
    const b = new HorizonTracker(options);
    b.restore(JSON.parse(JSON.stringify(a.toJSON())) as TrackerState);
    expect(b.toJSON()).toEqual(a.toJSON());
    for (let h = 1; h <= H; h++) expect(b.upperFor(h, 10)).toBe(a.upperFor(h, 10));
    const c = new HorizonTracker(options);
    c.restore(FRESH);
    expect(c.allocatedBytes).toBe(0);
    c.restore({ mae: [], q: [], n: [] }); // an old or partial state: every field falls back
    expect(c.allocatedBytes).toBe(0);
    expect(c.toJSON()).toEqual(FRESH);
  });
});

/** Draws from a Laplace distribution with mean absolute deviation `b` (seeded, reproducible). */
function laplace(n: number, b: number, seed = 42): number[] {
  let x = seed;
  const uniform = () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return (x + 0.5) / 2 ** 32;
  };
  return Array.from({ length: n }, () => {
    const u = uniform() - 0.5;
    return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  });
}

describe('initialBandMultiplier', () => {
  it.each([
    [0.965, Math.log(0.5 / 0.035)],
    [0.9, Math.log(5)],
    [0.999, Math.log(500)],
    [0.5, 0],
    [0.3, 0],
  ])('at quantile %s starts at %s MAEs', (q, expected) => {
    expect(initialBandMultiplier(q)).toBeCloseTo(expected, 12);
  });

  it('is the quantile of Laplace errors in units of their mean absolute error', () => {
    const b = 7;
    const errors = laplace(200_000, b);
    for (const q of [0.8, 0.9, 0.965, 0.99]) {
      const above = errors.filter((e) => e > b * initialBandMultiplier(q)).length / errors.length;
      expect(above).toBeCloseTo(1 - q, 2);
    }
  });

  it.each([0, 1, -0.5, Number.NaN])('rejects quantile %s', (q) => {
    expect(() => initialBandMultiplier(q)).toThrow(RangeError);
  });
});

describe('HorizonTracker band before any outcome', () => {
  it('starts at the quantile asked for, so a higher quantile starts wider', () => {
    const options = { horizon: 3, errorAlpha: 0.01, bandRate: 0.05 };
    const narrow = new HorizonTracker({ ...options, quantile: 0.9 });
    const wide = new HorizonTracker({ ...options, quantile: 0.99 });
    // No error scored yet: the scale falls back to √point (10 for 100).
    expect(narrow.upperFor(1, 100)).toBeCloseTo(100 + 10 * Math.log(5), 9);
    expect(wide.upperFor(1, 100)).toBeCloseTo(100 + 10 * Math.log(50), 9);
  });

  it('then moves by the adaptive rule: up by η·τ on a miss, down by η·(1−τ) on a hit', () => {
    const tracker = new HorizonTracker({ horizon: 1, quantile: 0.9, errorAlpha: 0.5, bandRate: 0.05 });
    const q0 = initialBandMultiplier(0.9);
    tracker.file(0, Float64Array.of(100));
    tracker.score(1, 200); // a miss; the MAE becomes 100
    expect(tracker.upperFor(1, 100)).toBeCloseTo(100 + (q0 + 0.05 * 0.9) * 100, 9);
    tracker.file(1, Float64Array.of(100));
    tracker.score(2, 100); // a hit; MAE 100 + 0.5 × (0 − 100) = 50
    expect(tracker.upperFor(1, 100)).toBeCloseTo(100 + (q0 + 0.05 * 0.9 - 0.05 * 0.1) * 50, 9);
  });
});
