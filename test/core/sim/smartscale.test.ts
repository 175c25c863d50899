import { describe, expect, it } from 'vitest';
import { prepareScenario, runStrategy } from '../../../core/sim/engine.js';
import type { StrategyMetrics } from '../../../core/sim/metrics.js';
import { simContext } from '../../../core/sim/run.js';
import { SmartscaleStrategy, type SmartscaleOptions } from '../../../core/sim/smartscale.js';
import { CATALOG, scenarioOf } from './builders.js';

/** Minutes of `base` rps with a one-minute surge to `surge` rps at pseudo-random minutes (about one in `every`). */
function surges(minutes: number, base: number, surge: number, every: number): number[] {
  let x = 12_345;
  return Array.from({ length: minutes }, () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32 < 1 / every ? surge : base;
  });
}

function run(rps: readonly number[], options: Partial<SmartscaleOptions>): StrategyMetrics {
  const scenario = scenarioOf(rps, 1);
  const ctx = simContext(scenario, CATALOG);
  const strategy = new SmartscaleStrategy(scenario, ctx.planner, ctx.nodeTypes, { quantile: 0.98, utilization: 0.85, disruption: 'slots', ...options });
  return runStrategy(prepareScenario(scenario), ctx.nodeTypes, strategy);
}

describe('smartscale served-record feedback', () => {
  it('raises the margin where surges the band misses leave demand unserved', () => {
    // Surges of 2× for one minute, never at the same time of day: the forecast cannot see them, the
    // served record can. Feedback steers to 0.2% of the time short; without it the band alone decides.
    const rps = surges(12 * 60, 30, 60, 6);
    const off = run(rps, { shortfallTarget: 0 });
    const on = run(rps, { shortfallTarget: 0.002 });
    expect(off.unservedPct).toBeGreaterThan(0);
    expect(on.unservedPct).toBeLessThan(off.unservedPct * 0.5);
    expect(on.costUsd).toBeGreaterThan(off.costUsd);
  });

  it('adds nothing on steady traffic, where capacity is never short', () => {
    const rps = new Array<number>(12 * 60).fill(30);
    const off = run(rps, { shortfallTarget: 0 });
    const on = run(rps, { shortfallTarget: 0.01 });
    expect(off.unservedPct).toBe(0);
    expect(on.costUsd).toBe(off.costUsd);
    expect(on.unservedPct).toBe(0);
  });

  it('derives its target from the quantile unless told, and is off at 0', () => {
    const rps = surges(6 * 60, 30, 60, 6);
    const derived = run(rps, {});
    const explicit = run(rps, { shortfallTarget: (1 - 0.98) / 4 });
    expect(derived.costUsd).toBe(explicit.costUsd);
    expect(derived.unservedPct).toBe(explicit.unservedPct);
    expect(run(rps, { shortfallTarget: 0 }).costUsd).not.toBe(derived.costUsd);
  });
});

describe('smartscale surge floor', () => {
  it('leaves less of a flash crowd unserved by extrapolating its rise (1.8% → 0.7% here), at little cost', () => {
    // Six quiet hours the forecast learns, then a 20× climb over 4 minutes it cannot foresee.
    const quiet = new Array<number>(6 * 60).fill(10);
    const crowd = [40, 90, 150, 200, ...new Array<number>(60).fill(200), ...new Array<number>(60).fill(10)];
    const rps = [...quiet, ...crowd];
    const off = run(rps, { shortfallTarget: 0, surgeFactor: 0 });
    const on = run(rps, { shortfallTarget: 0, surgeFactor: 2 });
    expect(off.unservedPct).toBeGreaterThan(0);
    expect(on.unservedPct).toBeLessThan(off.unservedPct * 0.8);
    expect(on.costUsd).toBeLessThan(off.costUsd * 1.05);
    // Steady traffic never looks like a surge: identical to off.
    const steady = new Array<number>(6 * 60).fill(30);
    expect(run(steady, { surgeFactor: 2 }).costUsd).toBe(run(steady, { surgeFactor: 0 }).costUsd);
  });
});
