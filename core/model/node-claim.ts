/**
 * NodeClaim: one launched or launching node. It records the request (what the solver asked for)
 * and the result (what the cloud gave), so launches survive a controller restart and instances
 * without a claim can be found and removed.
 */
import type { CapacityType } from './labels.js';
import type { NodeClassRef } from './node-pool.js';
import type { Requirement } from './requirements.js';
import type { Resources } from './resources.js';
import type { Taint } from './scheduling-constraints.js';

/**
 * `Drifted` (True) is written by the cloud drift loop when the cloud says the instance no longer
 * matches what its node class would launch now (a new image, other subnets or security groups, an
 * edited node class); the disruption loop replaces such nodes (core/disruption/drift.ts).
 */
export type NodeClaimConditionType = 'Launched' | 'Registered' | 'Initialized' | 'Drifted';

export interface NodeClaimCondition {
  readonly type: NodeClaimConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
  /** Milliseconds since the epoch. */
  readonly lastTransitionTime: number;
}

export interface NodeClaimSpec {
  readonly nodePool: string;
  readonly nodeClassRef?: NodeClassRef;
  /**
   * What the instance must satisfy: the pool's requirements narrowed by the pods', always with an
   * `In` on `node.kubernetes.io/instance-type` listing the acceptable types.
   */
  readonly requirements: readonly Requirement[];
  /** Sum of the requests of the pods planned onto this node. */
  readonly requests: Resources;
  /**
   * Acceptable instance types, cheapest first: the cloud launches the first one it can and falls
   * back down the list on insufficient capacity.
   */
  readonly instanceTypeOptions: readonly string[];
  readonly taints: readonly Taint[];
  readonly startupTaints?: readonly Taint[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface NodeClaimStatus {
  /** The cloud's ID for the instance, e.g. `aws:///us-east-1a/i-0abc…`. Set once launched. */
  readonly providerId?: string;
  readonly instanceType?: string;
  readonly zone?: string;
  readonly capacityType?: CapacityType;
  readonly pricePerHour?: number;
  readonly capacity?: Resources;
  readonly allocatable?: Resources;
  /** Name of the Kubernetes Node once registered. */
  readonly nodeName?: string;
  readonly conditions: readonly NodeClaimCondition[];
}

export interface NodeClaim {
  /** Unique and stable: the cloud uses it to make create idempotent. */
  readonly name: string;
  /** A replacement launched by a disruption decision: the nodes it replaces (`smartscale.io/replaces`). */
  readonly replaces?: readonly string[];
  /** A change the cloud scheduled for its instance, what and when (`smartscale.io/scheduled-change`): replaced ahead of it. */
  readonly scheduledChange?: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly spec: NodeClaimSpec;
  readonly status: NodeClaimStatus;
}

export function nodeClaimCondition(claim: NodeClaim, type: NodeClaimConditionType): NodeClaimCondition | undefined {
  return claim.status.conditions.find((c) => c.type === type);
}

export function isConditionTrue(claim: NodeClaim, type: NodeClaimConditionType): boolean {
  return nodeClaimCondition(claim, type)?.status === 'True';
}

/** Returns the conditions without any of this type. */
export function withoutCondition(conditions: readonly NodeClaimCondition[], type: NodeClaimConditionType): NodeClaimCondition[] {
  return conditions.filter((c) => c.type !== type);
}

/** Returns the conditions with `condition` set (replacing one of the same type). */
export function withCondition(conditions: readonly NodeClaimCondition[], condition: NodeClaimCondition): NodeClaimCondition[] {
  return [...conditions.filter((c) => c.type !== condition.type), condition];
}
