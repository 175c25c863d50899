import { describe, expect, it } from 'vitest';
import { bucketRates, tickRates } from '../../../core/sim/demand.js';
import { traceOf } from './builders.js';

describe('demand on the virtual clock', () => {
  it('interpolates linearly between bucket centres', () => {
    const series = traceOf([1, 3]);
    const r = tickRates(series, 10, 12);
    expect(r[0]).toBe(1); // before the first centre (30 s)
    expect(r[3]).toBe(1); // at 30 s
    expect(r[6]).toBeCloseTo(2, 9); // 60 s: halfway between centres
    expect(r[9]).toBe(3); // 90 s: the second centre
  });

  it('bridges gaps between observed buckets', () => {
    const series = { startSec: 0, stepSeconds: 60, values: Float64Array.from([60, NaN, NaN, 240]) };
    expect(Array.from(bucketRates(series))).toEqual([1, 2, 3, 4]);
  });
});
