/**
 * NodePool: the constraints and guard rails for nodes smartscale may launch. Shaped after
 * Karpenter's `karpenter.sh/v1` NodePool so its users feel at home (DESIGN.md, "Custom resources").
 */
import type { Requirement } from './requirements.js';
import type { Taint } from './scheduling-constraints.js';

export interface NodeClassRef {
  readonly group?: string;
  readonly kind: string;
  readonly name: string;
}

/** Upper bounds on the total capacity of a pool's nodes (launched and launching). Absent = unbounded. */
export interface NodePoolLimits {
  readonly milliCpu?: number;
  readonly memoryBytes?: number;
  readonly gpus?: number;
  readonly nodes?: number;
}

export type DisruptionReason = 'Empty' | 'Underutilized' | 'Expired' | 'Drifted';
export const DISRUPTION_REASONS: readonly DisruptionReason[] = ['Empty', 'Underutilized', 'Expired', 'Drifted'];

/**
 * How many of a pool's nodes may be disrupted at once. With a schedule, the budget only applies
 * from each cron firing for `durationMs`; outside those windows it does not constrain.
 */
export interface DisruptionBudget {
  /** `"5"` (a count) or `"10%"` (of the pool's nodes, rounded down… but at least 0). */
  readonly nodes: string;
  /** Standard 5-field cron expression, evaluated in UTC. Requires `durationMs`. */
  readonly schedule?: string;
  readonly durationMs?: number;
  /** Reasons this budget applies to; absent = all reasons. */
  readonly reasons?: readonly DisruptionReason[];
}

export type ConsolidationPolicy = 'WhenEmpty' | 'WhenEmptyOrUnderutilized';

export interface NodePoolDisruption {
  readonly consolidationPolicy: ConsolidationPolicy;
  /** How long a node must be empty/underutilized before it is consolidated; null = never. */
  readonly consolidateAfterMs: number | null;
  /** Nodes older than this are replaced; null = never. */
  readonly expireAfterMs: number | null;
  readonly budgets: readonly DisruptionBudget[];
}

export interface NodePool {
  readonly name: string;
  /** Higher weight is tried first (0–100, like Karpenter). */
  readonly weight: number;
  /** Constraints on instance type labels, zone and capacity type (all must hold). */
  readonly requirements: readonly Requirement[];
  readonly taints: readonly Taint[];
  /** Taints present while a node starts (e.g. a CNI not ready); pods need not tolerate them. */
  readonly startupTaints?: readonly Taint[];
  /** Labels put on every node of the pool; pods may select on them. */
  readonly labels: Readonly<Record<string, string>>;
  readonly limits: NodePoolLimits;
  readonly disruption: NodePoolDisruption;
  readonly nodeClassRef?: NodeClassRef;
}

/** Karpenter's defaults: consolidate when empty or underutilized, right away; expire after 30 days; 10% budget. */
export const DEFAULT_DISRUPTION: NodePoolDisruption = Object.freeze({
  consolidationPolicy: 'WhenEmptyOrUnderutilized',
  consolidateAfterMs: 0,
  expireAfterMs: 30 * 24 * 3600 * 1000,
  budgets: Object.freeze([{ nodes: '10%' }]),
});
