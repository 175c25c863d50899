/**
 * A pod as the planner sees it: its requests and the scheduling constraints it brings.
 * Real pods (pending or bound) and predicted pods (the forecast says they will exist soon) share
 * this shape; there are no placeholder pods.
 */
import { labelSatisfies, type Requirement } from './requirements.js';
import type { Resources } from './resources.js';
import type { Toleration } from './scheduling-constraints.js';
import type { HostPort } from './host-ports.js';
import type { AttachedVolume } from './volume-limits.js';

/** A label selector's set expression (`matchExpressions`): In, NotIn, Exists, DoesNotExist. */
export interface SelectorExpression {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** Topology spread (`topologySpreadConstraints`). The planner honours `topology.kubernetes.io/zone` and hostname. */
export interface TopologySpreadConstraint {
  readonly topologyKey: string;
  readonly maxSkew: number;
  /** Pods counted are those whose labels contain all of these… */
  readonly labelSelector: Readonly<Record<string, string>>;
  /** …and satisfy all of these (`matchExpressions`). */
  readonly labelExpressions?: readonly SelectorExpression[];
  /** ScheduleAnyway is a preference and is not enforced. */
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
}

/** Required pod anti-affinity: no two pods matching `labelSelector` in the same topology domain. */
export interface PodAntiAffinityTerm {
  readonly topologyKey: string;
  readonly labelSelector: Readonly<Record<string, string>>;
  readonly labelExpressions?: readonly SelectorExpression[];
}

/** A required pod affinity term on the zone key, as the pods that may satisfy it are looked up. */
export interface ZoneAffinityQuestion {
  readonly topologyKey: string;
  /** The namespaces the term looks in ('all': every one). */
  readonly namespaces: readonly string[] | 'all';
  /** The term's label selector, as the API has it (matchLabels, matchExpressions). */
  readonly labelSelector: unknown;
}

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Requests summed over containers (init containers: max), with `pods: 1`. */
  readonly requests: Resources;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Required node affinity: OR over terms, each term an AND of requirements
   * (`requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`). Absent or empty = any node.
   */
  readonly requiredNodeAffinity?: readonly (readonly Requirement[])[];
  readonly tolerations?: readonly Toleration[];
  readonly topologySpread?: readonly TopologySpreadConstraint[];
  readonly antiAffinity?: readonly PodAntiAffinityTerm[];
  /**
   * Pods that must end up in one zone, named by the value; the planner puts the whole group in one
   * zone. Set on the first pods of a group that attracts itself (required pod affinity its own
   * labels satisfy, no matching pod placed yet) on the zone key — the scheduler places the first
   * anywhere and the rest must follow it; the value is then the group's namespace and terms. The
   * solver also joins pods awaiting zone affinity (below) to the pods they wait for this way.
   */
  readonly zoneGroup?: string;
  /**
   * The same on the hostname key: the first pods of a group that attracts itself by hostname (the
   * scheduler places the first anywhere and the rest must join it on its node). The planner puts
   * the whole group on one node, or plans none of it when no node holds it all.
   */
  readonly nodeGroup?: string;
  /**
   * Required pod affinity on the zone key that no placed pod satisfies yet, but pods planned in the
   * same pass may: the pod can run once one of them runs in its zone. The solver plans it in the
   * zone of such pods (all of them in one), or not at all when none is planned.
   */
  readonly awaitsZoneAffinity?: readonly ZoneAffinityQuestion[];
  /**
   * The CSI volumes it attaches (core/model/volume-limits.ts), for nodes' attach limits; absent:
   * none known.
   */
  readonly attachedVolumes?: readonly AttachedVolume[];
  /**
   * The ports it binds on its node (core/model/host-ports.ts): no two pods binding one of them share
   * a node. Absent: none.
   */
  readonly hostPorts?: readonly HostPort[];
  /**
   * Local ephemeral storage it requests, in bytes (core/model/pod-requests.ts, podEphemeralStorage),
   * against nodes' allocatable `ephemeral-storage`. Absent: none.
   */
  readonly ephemeralStorage?: number;
  /**
   * Extended resources it requests (core/model/extended-resources.ts: devices, pod ENIs, huge
   * pages), name → amount, against nodes' allocatable. Absent: none.
   */
  readonly extendedResources?: Readonly<Record<string, number>>;
  /** True for pods the forecast says will be needed but do not exist yet. */
  readonly predicted?: boolean;
  /** Node the pod is bound to, if any. */
  readonly nodeName?: string;
  /** DaemonSet pods move with the node, so they never block removing it. */
  readonly daemonSet?: boolean;
}

export function podKey(pod: Pick<Pod, 'namespace' | 'name'>): string {
  return `${pod.namespace}/${pod.name}`;
}

/** Whether `labels` have every equality of `selector` and satisfy every expression. */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>, expressions?: readonly SelectorExpression[]): boolean {
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  if (expressions) for (const e of expressions) if (!labelSatisfies(e, Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) return false;
  return true;
}
