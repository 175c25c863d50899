import { describe, expect, it } from 'vitest';
import { leadWindowPeak, type LeadWindow } from '../../../core/sizing/lead.js';

/** A forecast of `upper` (requests/second) per bucket of `step` seconds, the first centred at `firstCentre`. */
function band(firstCentre: number, step: number, upper: number[]): { centres: number[]; rates: number[] } {
  return { centres: upper.map((_, i) => firstCentre + i * step), rates: upper };
}

describe('leadWindowPeak', () => {
  it('with buckets shorter than the lead, is the peak band of the buckets centred within it', () => {
    // 1-minute buckets centred at 30, 90, 150, 210; observed 10 rps at t=0; window now=0 .. 80 s.
    const { centres, rates } = band(30, 60, [20, 50, 40, 100]);
    // At 80 s the path is between the band at 30 (20) and at 90 (50).
    expect(leadWindowPeak({ observedAt: 0, observedRate: 10, from: 0, to: 80 }, centres, rates)).toBe(20 + (30 * 50) / 60);
    // The window reaching the centre at 90 holds that bucket's band.
    expect(leadWindowPeak({ observedAt: 0, observedRate: 10, from: 0, to: 90 }, centres, rates)).toBe(50);
  });

  it('with a bucket longer than the lead, holds only the part of its rise that arrives within the lead', () => {
    // 5-minute buckets: the next centre is 150 s after the observation; the lead ends 110 s after it.
    const { centres, rates } = band(150, 300, [200, 200]);
    const window: LeadWindow = { observedAt: 0, observedRate: 50, from: 30, to: 110 };
    const peak = leadWindowPeak(window, centres, rates);
    expect(peak).toBeCloseTo(50 + (150 * 110) / 150, 9);
    expect(peak).toBeLessThan(200);
    // Whole steps would have held the band (200) for this bucket and the next.
  });

  it('covers a fall as well: the observed demand now, when it is above every band ahead', () => {
    const { centres, rates } = band(60, 60, [40, 30]);
    expect(leadWindowPeak({ observedAt: 0, observedRate: 90, from: 30, to: 110 }, centres, rates)).toBeCloseTo(90 - (50 * 30) / 60, 9);
  });

  it('passes over centres at or before the observation, and stays at the last band beyond the horizon', () => {
    const { centres, rates } = band(-30, 60, [500, 20, 40]);
    // The centre at -30 is older than the observation at 0: its band (500) does not count.
    expect(leadWindowPeak({ observedAt: 0, observedRate: 10, from: 0, to: 30 }, centres, rates)).toBe(20);
    expect(leadWindowPeak({ observedAt: 0, observedRate: 10, from: 0, to: 1000 }, centres, rates)).toBe(40);
  });

  it('treats bad rates as 0, a window ending before it starts as its start, and rejects mismatched inputs', () => {
    expect(leadWindowPeak({ observedAt: 0, observedRate: NaN, from: 0, to: 60 }, [60], [-5])).toBe(0);
    expect(leadWindowPeak({ observedAt: 0, observedRate: 10, from: 60, to: 0 }, [120], [70])).toBe(40);
    expect(() => leadWindowPeak({ observedAt: 0, observedRate: 10, from: 0, to: 60 }, [60, 120], [1])).toThrow(/differ in length/);
  });
});
