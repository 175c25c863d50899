/**
 * The solver's snapshot in and plan out. Everything is plain data so the controller, the sandbox
 * and the simulator can build it from whatever they observe.
 */
import type { InstanceType, Offering } from '../model/instance-type.js';
import type { ExistingNode } from '../model/node.js';
import type { AdvertisingNode } from '../model/extended-resources.js';
import type { NodePool } from '../model/node-pool.js';
import type { Pod } from '../model/pod.js';
import type { Requirement } from '../model/requirements.js';
import type { Resources } from '../model/resources.js';

export interface SchedulingInput {
  /** Pods to place: real pending pods and predicted pods. Bound pods belong on `existingNodes`. */
  readonly pods: readonly Pod[];
  /** Nodes that exist or are launching; their bound pods determine their free capacity. */
  readonly existingNodes: readonly ExistingNode[];
  readonly nodePools: readonly NodePool[];
  /** The instance types the cloud offers (each pool narrows them with its requirements). */
  readonly instanceTypes: readonly InstanceType[];
  /**
   * A pool's own view of the types, where it differs (by pool name): its node class's kubelet
   * settings change what a node offers pods (EC2NodeClass `spec.kubelet.maxPods`). Pools without an
   * entry use `instanceTypes`.
   */
  readonly instanceTypesByPool?: ReadonlyMap<string, readonly InstanceType[]>;
  /**
   * The volumes a new node will attach at most, per CSI driver (the controller: the lowest count any
   * of the cluster's CSINodes reports). Absent: no limit on new nodes.
   */
  readonly newNodeVolumeLimits?: Readonly<Record<string, number>>;
  /** Offerings to avoid for now (`offeringKey`), e.g. after insufficient-capacity errors. */
  readonly excludedOfferings?: ReadonlySet<string>;
  /**
   * More nodes to learn what new nodes offer of extended resources from (ADR 116), beyond
   * `existingNodes`: nodes a disruption plan takes away, nodes gone lately. Not capacity.
   */
  readonly advertisingNodes?: readonly AdvertisingNode[];
  readonly options?: SolverOptions;
}

export interface SolverOptions {
  /** Alternatives listed on each new claim (the chosen type first). Default 20. */
  readonly maxInstanceTypeOptions?: number;
  /** Prefix for planned claim IDs (`<prefix>-<n>`). Default `planned`. */
  readonly claimIdPrefix?: string;
}

export interface PodPlacement {
  /** `namespace/name`. */
  readonly pod: string;
  readonly node: string;
}

export interface InstanceTypeOption {
  readonly instanceType: string;
  /** Cheapest acceptable offering of this type. */
  readonly offering: Offering;
}

export interface PlannedNodeClaim {
  /** Plan-local ID (`planned-0`); the controller gives the real claim its own unique name. */
  readonly id: string;
  readonly nodePool: string;
  readonly instanceType: string;
  /** The offering to launch: cheapest acceptable zone and capacity type of `instanceType`. */
  readonly offering: Offering;
  /** Acceptable types cheapest first (the chosen one first), each able to hold all `pods`. */
  readonly instanceTypeOptions: readonly InstanceTypeOption[];
  /** Requirements for the claim: pool's, narrowed to the acceptable types, zones and capacity types. */
  readonly requirements: readonly Requirement[];
  /** Pods planned onto it (`namespace/name`). */
  readonly pods: readonly string[];
  readonly requests: Resources;
  readonly allocatable: Resources;
}

export type UnplaceableReason =
  | 'NoCompatibleNodePool'
  | 'NoInstanceTypeFits'
  | 'NodePoolLimitReached'
  | 'ConstraintUnsatisfiable'
  | 'UnsupportedConstraint'
  /** Required pod affinity that only pods not planned yet (or not in its zone) could satisfy. */
  | 'AwaitingPodAffinity'
  | 'InvalidPod';

export interface UnplaceablePod {
  readonly pod: string;
  readonly reason: UnplaceableReason;
  readonly message: string;
}

export interface SchedulingResult {
  readonly placements: readonly PodPlacement[];
  readonly newNodeClaims: readonly PlannedNodeClaim[];
  readonly unplaceable: readonly UnplaceablePod[];
  /** Sum of the chosen offerings' prices of `newNodeClaims`, USD per hour. */
  readonly newCostPerHour: number;
}
