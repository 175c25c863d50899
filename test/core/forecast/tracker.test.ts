import { describe, expect, it } from 'vitest';
import { HorizonTracker, type TrackerState } from '../../../core/forecast/tracker.js';

const H = 3;
const options = { horizon: H, quantile: 0.9, errorAlpha: 0.003, bandRate: 0.05 };
const FRESH: TrackerState = { mae: [null, null, null], q: [1.5, 1.5, 1.5], n: [0, 0, 0] };

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
    // The fallback scale of a tracker with no error yet: √point, at least 1; q starts at 1.5.
    expect(t.upperFor(1, 100)).toBe(100 + 1.5 * 10);
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
    t.score(2, 17, (_label, h, point) => seen.push([h, point])); // h = 1 from origin 1: error 6; h = 2 from origin 0: error 3
    expect(seen).toEqual([[1, 10], [1, 11], [2, 20]]);
    expect(t.recentMae(1)).toBe(5);
    expect(t.recentMae(2)).toBe(3);
    expect(t.scored(1)).toBe(2);
    expect(t.scored(3)).toBe(0);
    // h = 1: origin 0's band 10 + 1.5 × √10 ≈ 14.74 covered 14 (q − η(1 − τ) = 1.495); origin 1's
    // 11 + 1.495 × 4 = 16.98 missed 17 (q + ητ).
    expect(t.toJSON().q[0]).toBeCloseTo(1.5 - 0.05 * 0.1 + 0.05 * 0.9, 12);
    expect(t.toJSON().q[1]).toBeCloseTo(1.5 - 0.05 * 0.1, 12); // h = 2: 20 + 1.5 × √20 ≈ 26.7 covered 17
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
