import { describe, expect, it } from 'vitest';
import { dampScaleDown, planReplicas, replicasForDemand } from '../../../core/sizing/replicas.js';

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
