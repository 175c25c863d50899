import { describe, expect, it } from 'vitest';
import { allowedDisruptions, budgetActive, budgetNodes, BudgetError, validateBudget } from '../../../core/disruption/budgets.js';
import type { DisruptionBudget } from '../../../core/model/node-pool.js';
import { nodePool } from '../scheduling/builders.js';

const HOUR = 3_600_000;
const MONDAY_0830 = Date.parse('2026-11-23T08:30:00Z');

describe('budgetNodes', () => {
  it.each([
    ['5', 20, 5],
    ['0', 20, 0],
    ['10%', 20, 2],
    ['10%', 5, 1], // rounds up, like Karpenter
    ['0%', 5, 0],
    ['100%', 7, 7],
    ['25%', 10, 3],
  ])('%s of %d nodes → %d', (value, total, expected) => {
    expect(budgetNodes(value, total)).toBe(expected);
  });

  it.each(['abc', '-1', '150%', '1.5', ''])('rejects %j', (value) => {
    expect(() => budgetNodes(value, 10)).toThrowError(BudgetError);
  });
});

describe('budgetActive', () => {
  it.each<[string, DisruptionBudget, number, boolean]>([
    ['no schedule: always', { nodes: '0' }, MONDAY_0830, true],
    ['inside the window after the firing', { nodes: '0', schedule: '0 8 * * *', durationMs: HOUR }, MONDAY_0830, true],
    ['after the window', { nodes: '0', schedule: '0 8 * * *', durationMs: 20 * 60_000 }, MONDAY_0830, false],
    ['exactly at the firing', { nodes: '0', schedule: '30 8 * * *', durationMs: 60_000 }, MONDAY_0830, true],
    ['weekdays only, on a Sunday', { nodes: '0', schedule: '0 8 * * 1-5', durationMs: 2 * HOUR }, MONDAY_0830 - 24 * HOUR, false],
  ])('%s', (_label, budget, now, expected) => {
    expect(budgetActive(budget, now)).toBe(expected);
  });

  it('a schedule needs a duration and a valid expression', () => {
    expect(() => budgetActive({ nodes: '0', schedule: '0 8 * * *' }, 0)).toThrowError(/duration/);
    expect(() => budgetActive({ nodes: '0', schedule: 'every day', durationMs: HOUR }, 0)).toThrowError(BudgetError);
  });
});

describe('allowedDisruptions', () => {
  const pool = (budgets: DisruptionBudget[]) => nodePool({ disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfterMs: 0, expireAfterMs: null, budgets } });
  it.each<[string, DisruptionBudget[], number, number, number]>([
    ['default 10% when no budget', [], 30, 0, 3],
    ['the most restrictive active budget wins', [{ nodes: '50%' }, { nodes: '2' }], 30, 0, 2],
    ['nodes already disrupting count', [{ nodes: '3' }], 30, 2, 1],
    ['never negative', [{ nodes: '1' }], 30, 4, 0],
    ['a budget for other reasons does not apply', [{ nodes: '0', reasons: ['Expired'] }, { nodes: '5' }], 30, 0, 5],
    ['a blackout window blocks everything', [{ nodes: '0', schedule: '0 8 * * *', durationMs: HOUR }, { nodes: '5' }], 30, 0, 0],
    ['an unreadable budget blocks rather than crashes', [{ nodes: '5', schedule: 'not cron', durationMs: HOUR }], 30, 0, 0],
  ])('%s', (_label, budgets, total, disrupting, expected) => {
    expect(allowedDisruptions(pool(budgets), 'Underutilized', total, disrupting, MONDAY_0830)).toBe(expected);
  });
});

describe('validateBudget', () => {
  it.each<[DisruptionBudget, boolean]>([
    [{ nodes: '10%' }, true],
    [{ nodes: '0', schedule: '0 9 * * 1-5', durationMs: HOUR }, true],
    [{ nodes: '0', schedule: '61 9 * * *', durationMs: HOUR }, false],
    [{ nodes: 'x' }, false],
  ])('%j valid: %s', (budget, valid) => {
    expect(validateBudget(budget) === undefined).toBe(valid);
  });
});
