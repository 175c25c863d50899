/**
 * The disruption planner's snapshot in and decisions out.
 */
import type { AdvertisingNode } from '../model/extended-resources.js';
import type { PodDisruptionBudget } from '../model/disruption-budget.js';
import type { InstanceType } from '../model/instance-type.js';
import type { ExistingNode } from '../model/node.js';
import type { DisruptionReason, NodePool } from '../model/node-pool.js';
import type { Pod } from '../model/pod.js';
import type { PlannedNodeClaim } from '../scheduling/types.js';

export interface DisruptionInput {
  /** Milliseconds since the epoch; the planner never reads a clock. */
  readonly now: number;
  /** Every node, including ones smartscale does not manage (they can receive pods). */
  readonly nodes: readonly ExistingNode[];
  readonly nodePools: readonly NodePool[];
  readonly instanceTypes: readonly InstanceType[];
  /** A pool's own view of the types where it differs (SchedulingInput.instanceTypesByPool). */
  readonly instanceTypesByPool?: ReadonlyMap<string, readonly InstanceType[]>;
  /** What a replacement node attaches at most per CSI driver (SchedulingInput.newNodeVolumeLimits). */
  readonly newNodeVolumeLimits?: Readonly<Record<string, number>>;
  /** Nodes gone lately, to learn extended resources from (SchedulingInput.advertisingNodes). */
  readonly advertisingNodes?: readonly AdvertisingNode[];
  readonly pdbs: readonly PodDisruptionBudget[];
  /**
   * Pods the forecast says will exist within the horizon (beyond the running ones). Capacity they
   * need is kept even when it is empty now: removing it would only launch it again.
   */
  readonly predictedPods: readonly Pod[];
  /**
   * How far ahead `predictedPods` look, for the reason a node is kept: `lead` — the need within the
   * node lead (the controller's default, ADR 101); `{ horizonSeconds }` — the forecast horizon's
   * peak (the controller with `controller.provisionLead` above 0s). Unset: the reason names no window.
   */
  readonly predictedWindow?: 'lead' | { readonly horizonSeconds: number };
  /** Real pods waiting for capacity: like predicted pods, they keep the capacity they need. */
  readonly pendingPods?: readonly Pod[];
  readonly excludedOfferings?: ReadonlySet<string>;
  /** Replace spot nodes with cheaper spot nodes, under Karpenter's guards (planner.ts `spotToSpotReplacement`); default off. */
  readonly spotToSpotConsolidation?: boolean;
}

export type DisruptionMethod = 'Emptiness' | 'Expiration' | 'Drift' | 'MultiNodeConsolidation' | 'SingleNodeConsolidation';

export interface DisruptionDecision {
  readonly method: DisruptionMethod;
  readonly reason: DisruptionReason;
  /** Nodes to drain and delete (after the replacement, if any, is ready). */
  readonly nodes: readonly string[];
  /** Nodes to launch first (at most one for consolidation; any number for expiry). */
  readonly replacements: readonly PlannedNodeClaim[];
  /** USD per hour saved: removed nodes' prices minus replacements' (negative for expiry that costs more). */
  readonly savingsPerHour: number;
  /** One line for humans: why. */
  readonly message: string;
}

/** A node that could not be considered, and why (for status output). */
export interface BlockedNode {
  readonly node: string;
  readonly reason: string;
}

export interface DisruptionPlan {
  /** At most one decision per pass, from the first method that found one (re-validate before acting). */
  readonly decision?: DisruptionDecision;
  readonly blocked: readonly BlockedNode[];
}
