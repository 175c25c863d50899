import { describe, expect, it } from 'vitest';
import { dispatchOrder, type SimJob } from '../../../core/sim/jobs.js';
import { DEFAULT_KNOBS, STRATEGY_NAMES, type StrategyName } from '../../../core/sim/run.js';

const job = (strategy: StrategyName, knobs = DEFAULT_KNOBS): SimJob => ({ strategy, knobs, keepSeries: true });

describe('dispatchOrder (which job a free worker takes next)', () => {
  it('hands out smartscale with the production planner first and the oracle last', () => {
    const jobs = STRATEGY_NAMES.map((s) => job(s));
    const order = dispatchOrder(jobs);
    expect(order.map((i) => jobs[i].strategy)).toEqual(['smartscale', 'overprovisioned', 'reactive-karpenter', 'reactive-hpa-ca', 'oracle']);
  });

  it('keeps job order among equals and covers every job exactly once', () => {
    const jobs = [job('reactive-karpenter'), job('smartscale', { ...DEFAULT_KNOBS, disruption: 'slots' }), job('reactive-karpenter'), job('smartscale'), job('oracle'), job('smartscale')];
    const order = dispatchOrder(jobs);
    expect(order).toEqual([3, 5, 1, 0, 2, 4]);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
