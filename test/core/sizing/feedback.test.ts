import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SHORTFALL_FEEDBACK,
  marginedRpsPerPod,
  nextMargin,
  shortfallTargetForQuantile,
  type ShortfallFeedbackOptions,
} from '../../../core/sizing/feedback.js';

const options: ShortfallFeedbackOptions = { ...DEFAULT_SHORTFALL_FEEDBACK, target: 0.01 };

/** A deterministic uniform generator in [0, 1) (LCG), so the property test is reproducible. */
function uniform(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('nextMargin', () => {
  it('rises after a shortfall and decays while capacity sufficed, by the conformal step', () => {
    const up = nextMargin(2, true, 60, options);
    const down = nextMargin(2, false, 60, options);
    expect(up).toBeCloseTo(2 * Math.exp(0.05 * 0.99), 12);
    expect(down).toBeCloseTo(2 * Math.exp(-0.05 * 0.01), 12);
    // The step scales with the observed interval: six 10-second ticks make one minute.
    let m = 2;
    for (let i = 0; i < 6; i++) m = nextMargin(m, true, 10, options);
    expect(m).toBeCloseTo(up, 12);
  });

  it.each([
    ['clamps at the top', 2.99, true, 600, 3],
    ['never falls below 1 by default (it only adds margin)', 1.0001, false, 1e7, 1],
    ['restarts a broken margin at 1', Number.NaN, false, 0, 1],
    ['ignores an empty interval', 1.7, true, 0, 1.7],
  ])('%s', (_name, margin, short, seconds, expected) => {
    expect(nextMargin(margin, short, seconds, options)).toBeCloseTo(expected, 9);
  });

  it('falls below 1 where the bounds allow it', () => {
    expect(nextMargin(0.5001, false, 1e7, { ...options, minMargin: 0.5 })).toBeCloseTo(0.5, 9);
    expect(nextMargin(1, false, 60, { ...options, minMargin: 0.5 })).toBeLessThan(1);
  });

  it('steers the long-run share of time short of capacity to the target', () => {
    // Demand is a noisy series; capacity is margin × a base that is short half of the time at margin 1.
    // The controller knows nothing of the noise, only whether each interval was short.
    for (const target of [0.005, 0.02, 0.1]) {
      const rand = uniform(7);
      const o = { ...options, target };
      let margin = 1;
      let short = 0;
      const n = 400_000;
      for (let i = 0; i < n; i++) {
        const demand = 1 + 0.5 * (rand() + rand() + rand() - 1.5); // mean 1, bounded noise
        const wasShort = demand > margin;
        if (i >= n / 4) short += wasShort ? 1 : 0;
        margin = nextMargin(margin, wasShort, 10, o);
      }
      const share = short / (n * 0.75);
      expect(share).toBeGreaterThan(target * 0.8);
      expect(share).toBeLessThan(target * 1.2);
    }
  });

  it('rejects options that cannot steer', () => {
    expect(() => nextMargin(1, false, 10, { ...options, target: 0 })).toThrow(/target/);
    expect(() => nextMargin(1, false, 10, { ...options, target: 1 })).toThrow(/target/);
    expect(() => nextMargin(1, false, 10, { ...options, ratePerMinute: 0 })).toThrow(/ratePerMinute/);
    expect(() => nextMargin(1, false, 10, { ...options, minMargin: 2, maxMargin: 1 })).toThrow(/margin bounds/);
  });
});

describe('shortfallTargetForQuantile', () => {
  it.each([
    [0.98, 0.005],
    [0.9, 0.025],
    [0.999, 0.00025],
  ])('quantile %f → %f of the time', (q, expected) => {
    expect(shortfallTargetForQuantile(q)).toBeCloseTo(expected, 12);
  });

  it('rejects a quantile outside (0, 1)', () => {
    expect(() => shortfallTargetForQuantile(1)).toThrow(/quantile/);
    expect(() => shortfallTargetForQuantile(0)).toThrow(/quantile/);
  });
});

describe('marginedRpsPerPod', () => {
  it('divides per-pod capacity by the margin (a margin above 1 sizes more pods)', () => {
    expect(marginedRpsPerPod(10, 1.25)).toBe(8);
    expect(marginedRpsPerPod(10, 0.5)).toBe(20);
  });

  it('rejects a non-positive capacity or margin', () => {
    expect(() => marginedRpsPerPod(0, 1)).toThrow(/rpsPerPod/);
    expect(() => marginedRpsPerPod(10, 0)).toThrow(/margin/);
  });
});
