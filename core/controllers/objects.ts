/**
 * Kubernetes objects → the planner's model (pods, nodes, PDBs, node claims) and node claims back
 * to objects. Never throws on what a user wrote: an unreadable quantity counts as zero and the
 * object is still represented, so one bad pod cannot stop provisioning for everyone.
 */
import type { KubeObject } from '../kube/client.js';
import { SCHEDULED_CHANGE_ANNOTATION } from '../cloud/interruption.js';
import { Annotations, KARPENTER_DO_NOT_DISRUPT } from '../model/annotations.js';
import type { PodDisruptionBudget } from '../model/disruption-budget.js';
import { Labels } from '../model/labels.js';
import { hasTaint, registrationLabels, remainingStartupTaints, REPLACES_ANNOTATION } from './claims.js';
import { nodeClaimCondition, type NodeClaim, type NodeClaimCondition } from '../model/node-claim.js';
import type { ExistingNode } from '../model/node.js';
import type { Pod, SelectorExpression, TopologySpreadConstraint } from '../model/pod.js';
import type { Requirement } from '../model/requirements.js';
import { podEphemeralStorage, podSpecRequests as podRequestsFromSpec } from '../model/pod-requests.js';
import { volumeTopology, type VolumeLookup } from '../model/volume-topology.js';
import { podAttachedVolumes, type AttachedVolume } from '../model/volume-limits.js';
import { podHostPorts } from '../model/host-ports.js';
import { nodeExtendedResources, podExtendedResources } from '../model/extended-resources.js';
import { requiredNodeAffinityTerms } from '../model/node-selector-terms.js';
import { resources, resourcesFromList, resourcesToList, type Resources } from '../model/resources.js';
import { readNonNegativeUnits } from '../model/quantity.js';
import type { Taint, Toleration } from '../model/scheduling-constraints.js';

type Obj = Record<string, any>;

function safeResources(list: unknown, defaults: { pods?: number } = {}): Resources {
  try {
    return resourcesFromList(list as any, defaults);
  } catch {
    return resources({ pods: defaults.pods ?? 0 });
  }
}

/** `{ephemeralStorage}` from a node's allocatable list, when it reports a readable one. */
function ephemeralAllocatable(list: unknown): { ephemeralStorage?: number } {
  const ephemeralStorage = readNonNegativeUnits((list as Obj | undefined)?.['ephemeral-storage']);
  return ephemeralStorage === undefined ? {} : { ephemeralStorage };
}

/**
 * What one pod of this pod spec requests (core/model/pod-requests.ts: a limit stands in for a missing
 * request, as on a Pod the API server created; sidecars, init containers, overhead, one slot). An
 * unreadable list counts as zero, so one bad container cannot hide the pod.
 */
export function podSpecRequests(spec: Obj | undefined): Resources {
  return podRequestsFromSpec(spec, (list) => safeResources(list));
}

/**
 * The equalities of a label selector: `matchLabels`, and `matchExpressions` of the form
 * `key In [one value]` (what Helm charts usually write), folded in. The other expressions are
 * `selectorExpressions`; the planners match both.
 */
export function matchLabels(selector: Obj | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (typeof v === 'string') out[k] = v;
  for (const e of Array.isArray(selector?.matchExpressions) ? selector!.matchExpressions : []) {
    if (isSingleIn(e) && out[e.key] === undefined) out[e.key] = e.values[0];
  }
  return out;
}

function isSingleIn(e: Obj | undefined): e is { key: string; values: [string] } {
  return e?.operator === 'In' && typeof e.key === 'string' && Array.isArray(e.values) && e.values.length === 1 && typeof e.values[0] === 'string';
}

const SELECTOR_OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * The expressions of a label selector that are not equalities `matchLabels` took (NotIn, Exists,
 * DoesNotExist, In with several values, and a single-value In on a key the equalities already fix);
 * malformed ones (which the API server refuses) are skipped.
 */
export function selectorExpressions(selector: Obj | undefined): SelectorExpression[] {
  const equalities = new Set(Object.keys(selector?.matchLabels ?? {}));
  const out: SelectorExpression[] = [];
  for (const e of Array.isArray(selector?.matchExpressions) ? selector!.matchExpressions : []) {
    if (typeof e?.key !== 'string' || !SELECTOR_OPERATORS.has(e.operator)) continue;
    const values = Array.isArray(e.values) ? e.values.filter((v: unknown): v is string => typeof v === 'string') : [];
    if (isSingleIn(e) && !equalities.has(e.key)) {
      equalities.add(e.key);
      continue;
    }
    out.push({ key: e.key, operator: e.operator, ...(values.length ? { values } : {}) });
  }
  return out;
}

/** A selector's equalities and expressions, as the Pod model carries them. */
function selectorOf(selector: Obj | undefined): { labelSelector: Record<string, string>; labelExpressions?: SelectorExpression[] } {
  const expressions = selectorExpressions(selector);
  return { labelSelector: matchLabels(selector), ...(expressions.length ? { labelExpressions: expressions } : {}) };
}

/** The scheduling-relevant part of a pod spec (also used for predicted pods from a template). */
export function podFromSpec(namespace: string, name: string, labels: Record<string, string>, spec: Obj | undefined, extra: Partial<Pod> = {}): Pod {
  const terms = requiredNodeAffinityTerms(spec) ?? [];
  const spread: TopologySpreadConstraint[] = [];
  for (const c of Array.isArray(spec?.topologySpreadConstraints) ? spec.topologySpreadConstraints : []) {
    if (typeof c?.topologyKey !== 'string') continue;
    // matchLabelKeys (e.g. pod-template-hash: spread each rollout's pods on their own): the pod's own
    // values of those keys join the selector, as kube-scheduler merges them; keys it lacks are ignored.
    const own = (Array.isArray(c.matchLabelKeys) ? c.matchLabelKeys : []).filter((k: unknown): k is string => typeof k === 'string' && Object.hasOwn(labels, k));
    const selector = own.length > 0 && c.labelSelector && typeof c.labelSelector === 'object' ? { ...c.labelSelector, matchLabels: { ...(c.labelSelector.matchLabels ?? {}), ...Object.fromEntries(own.map((k: string) => [k, labels[k]])) } } : c.labelSelector;
    spread.push({ topologyKey: c.topologyKey, maxSkew: Number(c.maxSkew) || 1, ...selectorOf(selector), whenUnsatisfiable: c.whenUnsatisfiable === 'ScheduleAnyway' ? 'ScheduleAnyway' : 'DoNotSchedule' });
  }
  const anti = (spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
    .filter((t: Obj) => typeof t?.topologyKey === 'string')
    .map((t: Obj) => ({ topologyKey: t.topologyKey, ...selectorOf(t.labelSelector) }));
  const hostPorts = podHostPorts(spec);
  const ephemeralStorage = podEphemeralStorage(spec);
  const extendedResources = podExtendedResources(spec);
  const tolerations: Toleration[] = (Array.isArray(spec?.tolerations) ? spec.tolerations : []).map((t: Obj) => ({ key: t.key, operator: t.operator, value: t.value, effect: t.effect }));
  return {
    namespace,
    name,
    labels,
    requests: podSpecRequests(spec),
    ...(spec?.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
    ...(terms.length ? { requiredNodeAffinity: terms } : {}),
    ...(tolerations.length ? { tolerations } : {}),
    ...(spread.length ? { topologySpread: spread } : {}),
    ...(anti.length ? { antiAffinity: anti } : {}),
    ...(hostPorts.length ? { hostPorts } : {}),
    ...(ephemeralStorage > 0 ? { ephemeralStorage } : {}),
    ...(Object.keys(extendedResources).length > 0 ? { extendedResources } : {}),
    ...extra,
  };
}

/**
 * The pod for planning. With `volumes`, where its persistent volumes can be attached joins its
 * required node affinity (core/model/volume-topology.ts); a volume problem (a missing claim) leaves
 * the pod as it is — callers that must not plan such a pod ask `volumeTopology` themselves.
 */
export function podFromObject(o: KubeObject, volumes?: VolumeLookup): Pod {
  const daemonSet = (o.metadata.ownerReferences ?? []).some((r) => r.controller && r.kind === 'DaemonSet');
  const pod = podFromSpec(o.metadata.namespace ?? 'default', o.metadata.name ?? '', o.metadata.labels ?? {}, o.spec, {
    ...(o.metadata.annotations ? { annotations: o.metadata.annotations } : {}),
    ...(o.spec?.nodeName ? { nodeName: o.spec.nodeName } : {}),
    ...(daemonSet ? { daemonSet } : {}),
  });
  if (!volumes) return pod;
  const topology = volumeTopology(pod.namespace, pod.name, o.spec, pod.requiredNodeAffinity, volumes);
  return withAttachedVolumes(topology.ok ? withNodeAffinity(pod, topology.terms) : pod, podAttachedVolumes(pod.namespace, pod.name, o.spec, volumes));
}

/** `pod` with the CSI volumes it attaches (none: unchanged). */
export function withAttachedVolumes(pod: Pod, volumes: readonly AttachedVolume[]): Pod {
  return volumes.length > 0 ? { ...pod, attachedVolumes: volumes } : pod;
}

/** `pod` with `terms` as its required node affinity (none: any node). */
export function withNodeAffinity(pod: Pod, terms: readonly (readonly Requirement[])[] | undefined): Pod {
  if (terms === pod.requiredNodeAffinity) return pod;
  const { requiredNodeAffinity: _old, ...rest } = pod;
  return terms && terms.length > 0 ? { ...rest, requiredNodeAffinity: terms } : rest;
}

/** Pods that hold resources: not finished. */
export function isActivePod(o: KubeObject): boolean {
  const phase = o.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * Unbound, not being deleted: waiting for a node. Not a DaemonSet's pod (or a static pod): it is
 * made for one node, which its controller pins it to (node affinity on `metadata.name`, a field the
 * planner does not read), so a new node never helps it — planning it would launch nodes for a
 * DaemonSet pod that waits for room on its own node. What DaemonSets take of new nodes is their
 * overhead (core/model/daemonset-overhead.ts). Karpenter leaves these pods out the same way.
 *
 * Two more are left to others, as Karpenter leaves them:
 * - a pod for another scheduler (`spec.schedulerName`: EKS Fargate's `fargate-scheduler`, a batch
 *   scheduler) until that scheduler says it cannot place it (PodScheduled False, reason
 *   Unschedulable): Fargate runs its pods on capacity of its own, and a node bought for them stays
 *   empty. The default scheduler's pods are planned at once, before it has tried them (a pod that
 *   fits on a node is planned there and buys nothing);
 * - a pod the scheduler has nominated to a node (`status.nominatedNodeName`: it is preempting
 *   lower-priority pods there, or on its way to be bound): it will run there; the pods it evicts come
 *   back pending and are planned then.
 */
export function isPendingPod(o: KubeObject): boolean {
  if (o.spec?.nodeName || o.metadata.deletionTimestamp || !isActivePod(o) || o.spec?.schedulingGates?.length) return false;
  if (typeof o.status?.nominatedNodeName === 'string' && o.status.nominatedNodeName !== '') return false;
  const scheduler = o.spec?.schedulerName;
  if (scheduler !== undefined && scheduler !== null && scheduler !== '' && scheduler !== DEFAULT_SCHEDULER && !markedUnschedulable(o)) return false;
  const owner = (o.metadata.ownerReferences ?? []).find((r) => r?.controller);
  return owner?.kind !== 'DaemonSet' && owner?.kind !== 'Node';
}

const DEFAULT_SCHEDULER = 'default-scheduler';

/** Whether its scheduler has found no node for it (PodScheduled False, reason Unschedulable). */
function markedUnschedulable(o: KubeObject): boolean {
  const conditions = o.status?.conditions;
  return Array.isArray(conditions) && conditions.some((c: Obj) => c?.type === 'PodScheduled' && c?.status === 'False' && c?.reason === 'Unschedulable');
}

/**
 * A pod bound to a node that is going away whose controller will run it again elsewhere: active,
 * owned by a controller that is not a DaemonSet (its pods come back on every node) or a Node (a
 * static pod), and not yet terminating — an evicted pod's replacement is a new pending pod, counted
 * as such. A StatefulSet's pod is the exception: its successor (same name) is only created once it
 * is gone, so it still needs the room while it terminates. Karpenter plans for the same pods.
 */
export function isReschedulable(o: KubeObject): boolean {
  if (!isActivePod(o)) return false;
  const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (!owner || owner.kind === 'DaemonSet' || owner.kind === 'Node') return false;
  return !o.metadata.deletionTimestamp || owner.kind === 'StatefulSet';
}

export function doNotDisrupt(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[Annotations.doNotDisrupt] === 'true' || annotations?.[KARPENTER_DO_NOT_DISRUPT] === 'true';
}

export function isNodeReady(o: KubeObject): boolean {
  return (o.status?.conditions ?? []).some((c: Obj) => c?.type === 'Ready' && c?.status === 'True');
}

const DISRUPTED_TAINT = 'smartscale.io/disrupted';
export { DISRUPTED_TAINT };

export interface NodeFacts {
  /** Pods bound to the node. */
  pods: Pod[];
  /** From the node's claim, when smartscale launched it. */
  claim?: NodeClaim;
  emptySince?: number;
  lastPodChangeAt?: number;
}

export function existingNodeFromObject(o: KubeObject, facts: NodeFacts): ExistingNode {
  const labels = o.metadata.labels ?? {};
  const nodeTaints: Taint[] = (o.spec?.taints ?? []).map((t: Obj) => ({ key: t.key, value: t.value, effect: t.effect }));
  // A claim's startup taints are temporary (another agent removes them once the node is set up):
  // pods need not tolerate them, and the node is initialized only once they are gone.
  const startup = facts.claim?.spec.startupTaints ?? [];
  const taints = startup.length > 0 ? nodeTaints.filter((t) => !hasTaint(startup, t)) : nodeTaints;
  const created = Date.parse(o.metadata.creationTimestamp ?? '');
  const driftCondition = facts.claim ? nodeClaimCondition(facts.claim, 'Drifted') : undefined;
  const drifted = driftCondition?.status === 'True' ? driftCondition : undefined;
  // A change the cloud scheduled for the instance (interruption loop): replaced ahead of it, as a drifted node is.
  const scheduled = facts.claim?.scheduledChange;
  return {
    name: o.metadata.name ?? '',
    providerId: o.spec?.providerID,
    nodePool: labels[Labels.nodePool] ?? facts.claim?.spec.nodePool,
    instanceType: labels[Labels.instanceType],
    zone: labels[Labels.zone],
    capacityType: labels[Labels.capacityType] as ExistingNode['capacityType'],
    pricePerHour: facts.claim?.status.pricePerHour ?? 0,
    labels,
    annotations: o.metadata.annotations,
    taints,
    allocatable: safeResources(o.status?.allocatable, { pods: 110 }),
    ...ephemeralAllocatable(o.status?.allocatable),
    extendedResources: nodeExtendedResources(o.status?.allocatable),
    pods: facts.pods,
    createdAt: facts.claim?.createdAt ?? (Number.isNaN(created) ? 0 : created),
    ...(facts.emptySince !== undefined ? { emptySince: facts.emptySince } : {}),
    ...(facts.lastPodChangeAt !== undefined ? { lastPodChangeAt: facts.lastPodChangeAt } : {}),
    initialized: isNodeReady(o) && (facts.claim ? remainingStartupTaints(nodeTaints, facts.claim).length === 0 : true),
    unschedulable: o.spec?.unschedulable === true || Boolean(o.metadata.deletionTimestamp) || taints.some((t) => t.key === DISRUPTED_TAINT),
    ...(facts.claim?.replaces ? { replaces: facts.claim.replaces } : {}),
    ...(drifted
      ? { cloudDrift: `${drifted.reason ?? 'Drifted'}: the instance ${drifted.message ?? 'no longer matches its node class'}` }
      : scheduled
        ? { cloudDrift: scheduled }
        : {}),
    ...(facts.claim
      ? {
          launchedWith: {
            labels: facts.claim.spec.labels,
            taints: facts.claim.spec.taints,
            ...(facts.claim.spec.nodeClassRef ? { nodeClassRef: facts.claim.spec.nodeClassRef } : {}),
          },
        }
      : {}),
  };
}

/** A claim still launching (no Node yet) as capacity the planner counts, so it is not launched twice. */
export function launchingNode(claim: NodeClaim, allocatable: Resources, pricePerHour: number, typeLabels?: Readonly<Record<string, string>>): ExistingNode {
  // The labels its Node will carry once registered (the launched type's included, when known).
  const labels: Record<string, string> = { ...registrationLabels(claim, typeLabels), [Labels.hostname]: `claim-${claim.name}` };
  return {
    name: `claim-${claim.name}`,
    providerId: claim.status.providerId,
    nodePool: claim.spec.nodePool,
    instanceType: claim.status.instanceType ?? claim.spec.instanceTypeOptions[0],
    zone: claim.status.zone,
    capacityType: claim.status.capacityType,
    pricePerHour,
    labels,
    taints: claim.spec.taints,
    allocatable,
    pods: [],
    createdAt: claim.createdAt,
    initialized: false,
  };
}

export function pdbFromObject(o: KubeObject): PodDisruptionBudget {
  const expressions = selectorExpressions(o.spec?.selector);
  return {
    namespace: o.metadata.namespace ?? 'default',
    name: o.metadata.name ?? '',
    selector: matchLabels(o.spec?.selector),
    ...(expressions.length ? { selectorExpressions: expressions } : {}),
    disruptionsAllowed: Number(o.status?.disruptionsAllowed ?? 0) || 0,
  };
}

function conditionFromObject(c: Obj): NodeClaimCondition {
  const t = Date.parse(c.lastTransitionTime ?? '');
  return { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: Number.isNaN(t) ? 0 : t };
}

export function nodeClaimFromObject(o: KubeObject): NodeClaim {
  const spec = o.spec ?? {};
  const status = o.status ?? {};
  const price = Number(status.pricePerHour);
  const replaces = o.metadata.annotations?.[REPLACES_ANNOTATION];
  const scheduled = o.metadata.annotations?.[SCHEDULED_CHANGE_ANNOTATION];
  return {
    name: o.metadata.name ?? '',
    ...(typeof replaces === 'string' && replaces !== '' ? { replaces: replaces.split(',') } : {}),
    ...(typeof scheduled === 'string' && scheduled !== '' ? { scheduledChange: scheduled.slice(0, 300) } : {}),
    createdAt: Date.parse(o.metadata.creationTimestamp ?? '') || 0,
    spec: {
      nodePool: String(spec.nodePool ?? ''),
      ...(spec.nodeClassRef ? { nodeClassRef: spec.nodeClassRef } : {}),
      requirements: Array.isArray(spec.requirements) ? spec.requirements : [],
      requests: safeResources(spec.resources?.requests),
      instanceTypeOptions: Array.isArray(spec.instanceTypeOptions) ? spec.instanceTypeOptions.map(String) : [],
      taints: Array.isArray(spec.taints) ? spec.taints : [],
      ...(Array.isArray(spec.startupTaints) && spec.startupTaints.length > 0 ? { startupTaints: spec.startupTaints } : {}),
      labels: spec.labels ?? {},
    },
    status: {
      ...(status.providerID ? { providerId: status.providerID } : {}),
      ...(status.instanceType ? { instanceType: status.instanceType } : {}),
      ...(status.zone ? { zone: status.zone } : {}),
      ...(status.capacityType ? { capacityType: status.capacityType } : {}),
      ...(Number.isFinite(price) && status.pricePerHour !== undefined ? { pricePerHour: price } : {}),
      ...(status.capacity ? { capacity: safeResources(status.capacity) } : {}),
      ...(status.allocatable ? { allocatable: safeResources(status.allocatable) } : {}),
      ...(status.nodeName ? { nodeName: status.nodeName } : {}),
      conditions: (Array.isArray(status.conditions) ? status.conditions : []).map(conditionFromObject),
    },
  };
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The status fields of a claim as the NodeClaim CRD stores them. */
export function nodeClaimStatusObject(claim: NodeClaim): Obj {
  const s = claim.status;
  return {
    ...(s.providerId ? { providerID: s.providerId } : {}),
    ...(s.instanceType ? { instanceType: s.instanceType } : {}),
    ...(s.zone ? { zone: s.zone } : {}),
    ...(s.capacityType ? { capacityType: s.capacityType } : {}),
    ...(s.pricePerHour !== undefined ? { pricePerHour: String(s.pricePerHour) } : {}),
    ...(s.capacity ? { capacity: resourcesToList(s.capacity) } : {}),
    ...(s.allocatable ? { allocatable: resourcesToList(s.allocatable) } : {}),
    ...(s.nodeName ? { nodeName: s.nodeName } : {}),
    conditions: s.conditions.map(conditionObject),
  };
}

function conditionObject(c: NodeClaimCondition): Obj {
  return { type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}), lastTransitionTime: rfc3339(c.lastTransitionTime) };
}

/**
 * A claim object's status conditions as stored, with the one of this type set (or removed when
 * `condition` is undefined) and every other entry left exactly as it is — for read-modify-write
 * status patches by loops that each own some condition types.
 */
export function withConditionObject(status: Obj | undefined, type: NodeClaimCondition['type'], condition: NodeClaimCondition | undefined): Obj[] {
  const others = (Array.isArray(status?.conditions) ? status.conditions : []).filter((c: Obj) => c?.type !== type);
  return condition ? [...others, conditionObject(condition)] : others;
}
