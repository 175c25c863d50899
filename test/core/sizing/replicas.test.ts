import { describe, expect, it } from 'vitest';
import { dampScaleDown, planReplicas, replicasForDemand, scaleDownFractionFor } from '../../../core/sizing/replicas.js';

const bounds = { minReplicas: 2, maxReplicas: 20 };

describe('replicasForDemand', () => {
  it.each([
    [0, 10, 2], // min bound
    [95, 10, 10],
    [100, 10, 10],
    [100.0000001, 10, 10],
    [101, 10, 11],
    [10_000, 10, 20], // max bound
    [NaN, 10, 2],
    [-5, 10, 2],
  ])('demand %f at %f rps/pod → %i', (demand, perPod, expected) => {
    expect(replicasForDemand(demand, perPod, bounds)).toBe(expected);
  });

  it('rejects a non-positive per-pod capacity', () => {
    expect(() => replicasForDemand(10, 0, bounds)).toThrow(/rpsPerPod/);
  });
});

describe('planReplicas', () => {
  it('targets the highest need within the lead time and reports the peak', () => {
    const plan = planReplicas([30, 50, 80, 200, 60], 10, bounds, 3);
    expect(plan.perStep).toEqual([3, 5, 8, 20, 6]);
    expect(plan.target).toBe(8);
    expect(plan.peak).toBe(20);
    expect(plan.peakStep).toBe(3);
  });

  it('falls back to the minimum on an empty forecast', () => {
    expect(planReplicas([], 10, bounds)).toEqual({ perStep: [], target: 2, peak: 2, peakStep: 0 });
  });
});

describe('dampScaleDown', () => {
  it.each([
    [10, 15, 0.1, 15], // up at once
    [100, 50, 0.1, 90], // down by at most 10%
    [5, 1, 0.1, 4], // at least one pod per step
    [10, 9, 0.5, 9],
  ])('current %i desired %i fraction %f → %i', (current, desired, fraction, expected) => {
    expect(dampScaleDown(current, desired, fraction)).toBe(expected);
  });
});

describe('scaleDownFractionFor', () => {
  it.each([
    [0.1, 60, 0.1], // the stated pace: 10% a minute apart
    [0.1, 300, 1 - 0.9 ** 5], // five minutes apart: 41%, not 10%
    [0.1, 30, 1 - Math.sqrt(0.9)],
    [0.1, 0, 0.1], // no interval known: one minute
    [0.1, NaN, 0.1],
    [1.5, 60, 1], // clamped
    [-1, 60, 0],
  ])('fraction %f per minute, %f s apart → %f', (fraction, seconds, expected) => {
    expect(scaleDownFractionFor(fraction, seconds)).toBeCloseTo(expected, 12);
  });

  it('removes the same share per hour whether decisions come every minute or every five', () => {
    const down = (replicas: number, decisions: number, seconds: number) => {
      let r = replicas;
      for (let i = 0; i < decisions; i++) r = dampScaleDown(r, 1, scaleDownFractionFor(0.1, seconds));
      return r;
    };
    const everyMinute = down(1000, 60, 60);
    const everyFive = down(1000, 12, 300);
    expect(Math.abs(everyMinute - everyFive)).toBeLessThanOrEqual(3);
    // The old rule, one 10% step per decision, left five-minute buckets with far more after an hour.
    expect(down(1000, 12, 60)).toBeGreaterThan(everyFive * 10);
  });
});
