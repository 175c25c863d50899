/**
 * Disruption budgets: how many of a pool's nodes may be disrupted now, for a reason.
 * A scheduled budget applies from each cron firing (UTC) for its duration; outside those windows
 * it does not constrain. With several active budgets the most restrictive wins; a pool with no
 * budget at all gets Karpenter's default of 10%.
 */
import { CronExpressionParser } from 'cron-parser';
import type { DisruptionBudget, DisruptionReason, NodePool } from '../model/node-pool.js';

export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

const DEFAULT_BUDGET: DisruptionBudget = { nodes: '10%' };

/**
 * Parses `"5"` or `"10%"` against a pool of `total` nodes. Percentages round up, as Karpenter's do,
 * so a small pool with the default 10% can still be consolidated one node at a time.
 */
export function budgetNodes(value: string, total: number): number {
  const percent = /^(\d{1,3})%$/.exec(value);
  if (percent) {
    const p = Number(percent[1]);
    if (p > 100) throw new BudgetError(`budget ${value}: a percentage must be at most 100%`);
    return Math.ceil((total * p) / 100);
  }
  if (/^\d+$/.test(value)) return Number(value);
  throw new BudgetError(`budget ${JSON.stringify(value)}: expected a count ("5") or a percentage ("10%")`);
}

/** Is a scheduled budget in force at `now`? Unscheduled budgets always are. */
export function budgetActive(budget: DisruptionBudget, now: number): boolean {
  if (budget.schedule === undefined) return true;
  if (budget.durationMs === undefined || !(budget.durationMs > 0)) {
    throw new BudgetError(`budget with schedule ${JSON.stringify(budget.schedule)} needs a positive duration`);
  }
  let lastFiring: number;
  try {
    // A firing exactly at `now` counts: look back from one millisecond later.
    lastFiring = CronExpressionParser.parse(budget.schedule, { currentDate: new Date(now + 1), tz: 'UTC' }).prev().getTime();
  } catch (error) {
    throw new BudgetError(`budget schedule ${JSON.stringify(budget.schedule)}: ${(error as Error).message}`);
  }
  return now < lastFiring + budget.durationMs;
}

/**
 * Nodes of the pool that may still be disrupted now for `reason`: the tightest active budget
 * minus the nodes already being disrupted. Never negative.
 */
export function allowedDisruptions(pool: NodePool, reason: DisruptionReason, totalNodes: number, disrupting: number, now: number): number {
  const budgets = pool.disruption.budgets.length > 0 ? pool.disruption.budgets : [DEFAULT_BUDGET];
  let allowed = Infinity;
  for (const budget of budgets) {
    if (budget.reasons && !budget.reasons.includes(reason)) continue;
    try {
      if (!budgetActive(budget, now)) continue;
      allowed = Math.min(allowed, budgetNodes(budget.nodes, totalNodes));
    } catch (error) {
      if (!(error instanceof BudgetError)) throw error;
      // A budget we cannot read protects everything rather than nothing (validate specs up front
      // with validateBudget to report it).
      allowed = 0;
    }
  }
  if (allowed === Infinity) allowed = totalNodes;
  return Math.max(0, allowed - disrupting);
}

/** Checks a budget fully (count or percentage, cron syntax, duration); returns the problem or undefined. */
export function validateBudget(budget: DisruptionBudget): string | undefined {
  try {
    budgetNodes(budget.nodes, 100);
    budgetActive(budget, 0);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
