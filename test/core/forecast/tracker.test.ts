import { describe, expect, it } from 'vitest';
import { HorizonTracker, initialBandMultiplier } from '../../../core/forecast/tracker.js';

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
