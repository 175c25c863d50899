/**
 * The one interface between smartscale and a cloud. Implementations: `simulated/` (in-memory,
 * with a launch delay), `fake/` (records calls, for tests), `ec2/` (AWS). Every implementation
 * runs the same contract suite (`test/core/cloud/contract.ts`).
 */
import type { InstanceType } from '../model/instance-type.js';
import type { NodeClaim } from '../model/node-claim.js';
import type { NodePool } from '../model/node-pool.js';

export interface CloudProvider {
  /** Short name for logs and metrics (`simulated`, `fake`, `aws`). */
  readonly name: string;

  /**
   * Launches one instance for the claim and returns the claim with `status` filled in:
   * `providerId`, `instanceType`, `zone`, `capacityType`, `pricePerHour`, `capacity`,
   * `allocatable` and a `Launched=True` condition. It does not wait for the node to be ready.
   *
   * Choice: the cheapest available offering whose type is in `spec.instanceTypeOptions` and
   * which satisfies `spec.requirements` (zone, capacity type); on insufficient capacity it falls
   * back to the next offering itself.
   *
   * Idempotent by `claim.name`: creating a claim whose instance already exists returns that
   * instance (no second launch), so a controller that crashed mid-launch can simply retry.
   *
   * Errors: `InsufficientCapacityError` listing every offering that failed when none could be
   * launched (the caller excludes them, see `UnavailableOfferings`, and re-plans);
   * `InvalidNodeClaimError` when no offering satisfies the claim at all; a provider's own error
   * with `permanent: true` (`isPermanentLaunchError`) when the cloud rejects the request as
   * invalid or unauthorized — the caller backs both off. Others are transient.
   */
  create(claim: NodeClaim): Promise<NodeClaim>;

  /**
   * Terminates the instance behind a claim (or a provider ID). Idempotent in effect: once the
   * instance is terminating or gone it throws `NodeClaimNotFoundError`, which callers treat as
   * success ("already deleted"). Other errors are transient: retry.
   */
  delete(target: NodeClaim | string): Promise<void>;

  /**
   * The instance with this provider ID, as a claim (name, spec as far as the cloud knows it, and
   * status). Throws `NodeClaimNotFoundError` if it does not exist or is terminated.
   */
  get(providerId: string): Promise<NodeClaim>;

  /**
   * Every running or launching instance this smartscale installation launched (terminated ones
   * excluded). Used by garbage collection to find instances with no claim, so it must not miss any.
   */
  list(): Promise<NodeClaim[]>;

  /**
   * Instance types the pool may use (all types when no pool is given), with offerings and their
   * current prices and availability. The list may be cached; it never contains a type without
   * at least one offering.
   */
  getInstanceTypes(nodePool?: NodePool): Promise<InstanceType[]>;

  /**
   * Optional: the pool's own view of the instance types when it differs from `getInstanceTypes()`'s
   * capacity and allocatable (EC2: its node class's kubelet settings, e.g. `maxPods: 110`);
   * undefined when it does not. The solver plans that pool's new nodes with it. `shared`: what
   * `getInstanceTypes()` returned this pass (the view is derived from it, not read again).
   */
  instanceTypesForPool?(nodePool: NodePool, shared: readonly InstanceType[]): Promise<InstanceType[] | undefined>;

  /**
   * Optional. Of these claims (launched ones), whose instance no longer matches what its node class
   * would launch now: a newer image selected, the instance's subnet or security groups no longer
   * selected, the node class's launch settings edited (Karpenter's AMI, subnet, security group and
   * node class drift). Every claim the provider could judge is a key: its drift, or undefined when
   * it is current. Claims it cannot judge (no instance found, a node class missing or resolving to
   * nothing) are left out, so a caller keeps what it knew of them. Errors are transient: retry.
   */
  driftOf?(claims: readonly NodeClaim[]): Promise<ReadonlyMap<string, CloudDrift | undefined>>;

  /**
   * Optional, for providers with node class objects (EC2NodeClass): what the named node class
   * resolves to now, for its `status` — whether launches can use it and why not, and the fields its
   * CRD's status shows (resolved subnets, security groups, images, instance profile). undefined when
   * no node class of that name exists. A class that is invalid or resolves to nothing is a report
   * with `ready: false`; errors (the cloud unreachable) are transient: retry.
   */
  nodeClassStatus?(name: string): Promise<NodeClassReport | undefined>;
}

/** A node class as the cloud sees it now (`nodeClassStatus`). */
export interface NodeClassReport {
  readonly ready: boolean;
  /** For the Ready condition: `Ready`, or why not (`InvalidSpec`, `ResolutionFailed`). */
  readonly reason: string;
  readonly message: string;
  /** Status fields besides `conditions`, as the node class's CRD stores them (empty when not ready). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Why an instance no longer matches its node class. */
export interface CloudDrift {
  readonly reason: 'ImageDrift' | 'SubnetDrift' | 'SecurityGroupDrift' | 'NodeClassDrift';
  /** For people: what the instance has and what the node class selects now. */
  readonly message: string;
}

/** Reads the target of `delete` as a provider ID. */
export function providerIdOf(target: NodeClaim | string): string | undefined {
  return typeof target === 'string' ? target : target.status.providerId;
}
