import { describe, expect, it } from 'vitest';
import { classifyLatest, cleanSeries, counterIncreases, gridPoints } from '../../../core/metrics/samples.js';
import { assertValidRange, assertValidWorkload } from '../../../core/metrics/source.js';

const range = { start: 1000, end: 1300, stepSeconds: 60 };

describe('cleanSeries', () => {
  it('keeps finite non-negative points on the grid and counts gaps', () => {
    const { samples, gaps } = cleanSeries(
      [
        [1000, 1],
        [1060, NaN],
        [1120, Infinity],
        [1180, -2],
        [1240.0004, 5],
        [1250, 7], // off the grid
        [1360, 9], // outside the range
      ],
      range,
    );
    expect(samples).toEqual([
      { t: 1000, v: 1 },
      { t: 1240, v: 5 },
    ]);
    expect(gridPoints(range)).toBe(6);
    expect(gaps).toBe(4);
  });

  it('sorts and lets a later duplicate win', () => {
    expect(cleanSeries([[1060, 2], [1000, 1], [1060, 3]], range).samples).toEqual([
      { t: 1000, v: 1 },
      { t: 1060, v: 3 },
    ]);
  });
});

describe('classifyLatest', () => {
  it.each([
    [{ t: 900, v: 3 }, 1000, 'fresh'],
    [{ t: 700, v: 3 }, 1000, 'fresh'],
    [{ t: 699, v: 3 }, 1000, 'stale'],
    [undefined, 1000, 'missing'],
  ] as const)('%o at %d is %s', (sample, now, freshness) => {
    const reading = classifyLatest(sample, now, 300);
    expect(reading.freshness).toBe(freshness);
    expect(reading.value).toBe(freshness === 'fresh' ? 3 : undefined);
    if (freshness !== 'fresh') expect(reading.reason).toBeTruthy();
  });
});

describe('counterIncreases', () => {
  it('treats a drop as a restart from zero, never negative', () => {
    const counter = [0, 10, 25, 3, 8].map((v, i) => ({ t: i * 60, v }));
    expect(counterIncreases(counter).map((s) => s.v)).toEqual([10, 15, 3, 5]);
  });
});

describe('argument checks are TypeErrors (caller bugs), not readings', () => {
  it.each([
    [{ start: 10, end: 5, stepSeconds: 1 }, /before start/],
    [{ start: 0, end: 10, stepSeconds: 0 }, /at least 1/],
    [{ start: 0, end: NaN, stepSeconds: 1 }, /finite/],
    [{ start: 0, end: 14 * 86_400, stepSeconds: 1 }, /more than/],
  ])('range %o', (r, message) => expect(() => assertValidRange(r)).toThrow(message));
  it.each([
    [{ namespace: 'Shop', deployment: 'web' }, /namespace/],
    [{ namespace: 'shop', deployment: 'web"}' }, /deployment/],
    [{ namespace: 'shop', deployment: '' }, /deployment/],
  ])('workload %o', (w, message) => expect(() => assertValidWorkload(w)).toThrow(message));
});
