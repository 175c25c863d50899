/**
 * A node that exists (or is launching) in the cluster, as the planner sees it.
 */
import type { HostPort } from './host-ports.js';
import type { CapacityType } from './labels.js';
import type { Pod } from './pod.js';
import type { Resources } from './resources.js';
import type { NodeClassRef } from './node-pool.js';
import type { Taint } from './scheduling-constraints.js';

/** What a node was launched with from its NodePool's template (its NodeClaim's spec): drift compares it with the pool now. */
export interface LaunchTemplate {
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly nodeClassRef?: NodeClassRef;
}

export interface ExistingNode {
  readonly name: string;
  readonly providerId?: string;
  /** Pool that launched it; absent for nodes smartscale does not manage. */
  readonly nodePool?: string;
  readonly instanceType?: string;
  readonly zone?: string;
  readonly capacityType?: CapacityType;
  /** USD per hour; 0 when unknown (then it brings no savings when removed). */
  readonly pricePerHour: number;
  /** All labels, including zone, instance type, arch, hostname. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly allocatable: Resources;
  /**
   * How many volumes it attaches at most, per CSI driver (its CSINode's counts); a driver not listed
   * has no limit. Its pods' `attachedVolumes` use them up.
   */
  readonly volumeLimits?: Readonly<Record<string, number>>;
  /**
   * Host ports its DaemonSets will bind once it runs, while their pods are not bound yet (a node
   * still launching); bound pods' ports are read from `pods`.
   */
  readonly daemonSetHostPorts?: readonly HostPort[];
  /**
   * Allocatable local ephemeral storage in bytes (`status.allocatable["ephemeral-storage"]`; for a
   * node still launching, what its type offers less its DaemonSets' requests). Absent: not counted.
   * Its pods' `ephemeralStorage` uses it up.
   */
  readonly ephemeralStorage?: number;
  /**
   * Extended resources it advertises (`status.allocatable`; core/model/extended-resources.ts): one
   * it does not list, it has none of. Absent: not known (a node still launching, a simulation), and
   * not counted.
   */
  readonly extendedResources?: Readonly<Record<string, number>>;
  /** Pods bound to this node (their requests make up the used resources). */
  readonly pods: readonly Pod[];
  /** Milliseconds since the epoch when the node (or its claim) was created. */
  readonly createdAt: number;
  /** When the node last had no pods other than DaemonSet pods (ms since epoch); absent = not empty. */
  readonly emptySince?: number;
  /** When pods were last added to or removed from the node (ms since epoch); consolidateAfter counts from here. */
  readonly lastPodChangeAt?: number;
  /** False while launching: capacity is counted but disruption skips it. */
  readonly initialized: boolean;
  /** Cordoned or being deleted: no new pods go here. */
  readonly unschedulable?: boolean;
  /** The pool template it was launched with (smartscale's nodes only; drift compares it). */
  readonly launchedWith?: LaunchTemplate;
  /**
   * The cloud says its instance no longer matches its node class (a `Drifted` condition on its
   * NodeClaim, written by the cloud drift loop): why, in a few words.
   */
  readonly cloudDrift?: string;
  /** Launched to replace these nodes: not disrupted while any of them is still there. */
  readonly replaces?: readonly string[];
}
