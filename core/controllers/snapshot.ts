/**
 * Builds the planners' snapshots from the cluster state: existing nodes (with their bound pods),
 * claims still launching (counted as capacity so nothing is launched twice), real pending pods,
 * and predicted pods — pods the forecast says each Deployment will need, built from its pod
 * template, from the webhook's `smartscale.io/peak-replicas` and `smartscale.io/capacity`.
 */
import type { AdvertisingNode } from '../model/extended-resources.js';
import type { KubeObject } from '../kube/client.js';
import { Annotations, DEFAULT_MAX_FORECAST_AGE_SEC, forecastAgeProblem, parseDeploymentSettings, parseForecastAnnotation, type CapacityAnnotation, type Mode } from '../model/annotations.js';
import { CLUSTER_CONFIG_NAME, effectiveMode, parseWebhookDefaults } from '../model/cluster-config.js';
import type { CloudProvider } from '../cloud/provider.js';
import type { NodePool } from '../model/node-pool.js';
import type { InstanceType } from '../model/instance-type.js';
import { isConditionTrue, type NodeClaim } from '../model/node-claim.js';
import type { ExistingNode } from '../model/node.js';
import { podKey, type Pod, type ZoneAffinityQuestion } from '../model/pod.js';
import { addResources, resources, subtractResources, type Resources } from '../model/resources.js';
import { claimProblem, registrationLabels } from './claims.js';
import type { ClusterState } from './cluster-state.js';
import { existingNodeFromObject, isActivePod, isPendingPod, isReschedulable, launchingNode, podFromObject, podFromSpec, withAttachedVolumes, withNodeAffinity } from './objects.js';
import { podAttachedVolumes } from '../model/volume-limits.js';
import { volumeTopology } from '../model/volume-topology.js';
import { podAffinityTopology, PlacedPods, type PlacedPod } from '../model/pod-affinity.js';
import { daemonSetShare, typesByPoolLessDaemonSets, withoutDaemonSets } from '../model/daemonset-overhead.js';
import { lastPodChange, persistedPodEventTime } from './pod-event-time.js';
import { parseDecisionRecord } from '../../webhook/mutate/decision-record.js';
import { canonicalLabelKey, Labels } from '../model/labels.js';
import type { Requirement } from '../model/requirements.js';

export interface PredictedWorkload {
  deployment: KubeObject;
  mode: Mode;
  /** Pods beyond the ones that exist, for the peak within the lead window. */
  pods: Pod[];
}

/**
 * The capacity the webhook wrote, while the forecast it was derived from may still be acted on;
 * undefined otherwise. The webhook drops the capacity of a stale forecast, but only when it runs:
 * with the webhook down (failurePolicy Ignore) the forecaster's patches land without it, leaving
 * the old capacity and decision, and with the forecaster stopped nothing is written at all. So
 * the capacity is dated here by what the annotations carry:
 * - the decision record's `forecastAt`: the forecast the capacity was sized from (the webhook
 *   writes the two together); a record without one (no forecast, or an unusable one) backs none;
 * - with no record (written by hand, or by something other than the webhook): the forecast's
 *   `generatedAt`, else the capacity's `neededAt` (not older than `maxAgeSec`); a capacity none of
 *   these dates counts as written.
 * A forecast annotation that is there but unusable or marked stale backs none, and a forecast
 * itself older than `maxAgeSec` (the forecaster stopped) neither.
 */
function readCapacity(annotations: Record<string, string | undefined>, nowSec: number, maxAgeSec: number): CapacityAnnotation | undefined {
  const raw = annotations[Annotations.capacity];
  if (!raw) return undefined;
  let capacity: CapacityAnnotation | undefined;
  try {
    const c = JSON.parse(raw);
    capacity = typeof c?.replicas === 'number' && c.replicas >= 0 ? (c as CapacityAnnotation) : undefined;
  } catch {
    return undefined;
  }
  if (!capacity) return undefined;
  const forecastRaw = annotations[Annotations.forecast];
  const forecast = forecastRaw === undefined ? undefined : parseForecastAnnotation(forecastRaw).value;
  if (forecastRaw !== undefined && (!forecast || forecast.stale || forecastAgeProblem(forecast.generatedAt, nowSec, maxAgeSec))) return undefined;
  const decisionRaw = annotations[Annotations.decision];
  if (decisionRaw !== undefined) {
    const sizedFrom = parseDecisionRecord(decisionRaw)?.forecastAt;
    return sizedFrom !== undefined && !forecastAgeProblem(sizedFrom, nowSec, maxAgeSec) ? capacity : undefined;
  }
  if (forecast) return capacity;
  const neededAt = typeof capacity.neededAt === 'number' ? capacity.neededAt : undefined;
  return neededAt !== undefined && nowSec - neededAt > maxAgeSec ? undefined : capacity;
}

/**
 * Bound, active pods with their node's labels, for required pod affinity (core/model/pod-affinity.ts);
 * built on first use, once per pass.
 */
function placedPods(state: ClusterState): () => PlacedPods {
  let placed: PlacedPods | undefined;
  return () => {
    if (placed) return placed;
    const labelsOf = new Map(state.nodes.list().map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
    const pods: PlacedPod[] = [];
    for (const p of state.pods.list()) {
      const nodeLabels = p.spec?.nodeName ? labelsOf.get(p.spec.nodeName) : undefined;
      if (nodeLabels && isActivePod(p) && !p.metadata.deletionTimestamp) pods.push({ namespace: p.metadata.namespace ?? 'default', labels: p.metadata.labels ?? {}, nodeLabels });
    }
    placed = new PlacedPods(pods);
    return placed;
  };
}

/**
 * What pending and predicted pods' zone affinity may be satisfied by besides placed pods: the pods
 * planned in the same pass (core/scheduling/in-flight-affinity.ts), in the cluster's namespaces.
 */
function inFlightScope(state: ClusterState): () => { namespaces: string[] } {
  let scope: { namespaces: string[] } | undefined;
  return () => (scope ??= { namespaces: state.namespaces.list().map((n) => n.metadata.name ?? '').filter((n) => n !== '') });
}

/** Whether the pod spec has required pod affinity (most have none: no placed-pod list is built for them). */
function hasPodAffinity(spec: { affinity?: { podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown } } } | undefined): boolean {
  const terms = spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(terms) && terms.length > 0;
}

/**
 * Predicted pods per opted-in Deployment: the replicas wanted minus those that exist (spec and
 * pods). Wanted: the webhook's `target-replicas` — what the node lead (and the time to the next
 * decision) needs, the rule the simulator measures (ADR 101); with `leadSeconds` > 0 also
 * `peak-replicas`, the horizon's peak, once the webhook's capacity says it is needed by
 * `nowSec + leadSeconds` (`controller.provisionLead`: capacity held ahead of the lead). A Deployment
 * with no capacity annotation (stale or no forecast: the webhook drops it), or with one from a
 * forecast older than `webhook.maxForecastAge` (default 15 min; `readCapacity`), gets none.
 */
export function predictedWorkloads(state: ClusterState, clusterMode: Mode, nowSec: number, leadSeconds: number): PredictedWorkload[] {
  const out: PredictedWorkload[] = [];
  // The webhook's limit, as the controller's own webhook reads it: smartscale-config over the built-in one.
  const maxAgeSec = parseWebhookDefaults(state.configMaps.get(CLUSTER_CONFIG_NAME, state.namespace)?.data).value.maxForecastAgeSec ?? DEFAULT_MAX_FORECAST_AGE_SEC;
  const volumes = state.volumeLookup();
  const placed = placedPods(state);
  const inFlight = inFlightScope(state);
  for (const d of state.optedInDeployments()) {
    const annotations = d.metadata.annotations ?? {};
    const mode = effectiveMode(clusterMode, parseDeploymentSettings(annotations).value.mode);
    const capacity = readCapacity(annotations, nowSec, maxAgeSec);
    if (!capacity) continue;
    // The lead rule: the webhook's target, the need within the node lead and the next decision.
    const target = Number(annotations[Annotations.targetReplicas]);
    let wanted = Number.isInteger(target) ? target : 0;
    // The horizon rule (leadSeconds > 0): the horizon's peak once its capacity is needed within leadSeconds.
    const peak = Number(annotations[Annotations.peakReplicas]);
    if (leadSeconds > 0 && Number.isInteger(peak) && !(capacity.neededAt !== undefined && capacity.neededAt > nowSec + leadSeconds)) wanted = Math.max(wanted, peak);
    const existing = Math.max(Number(d.spec?.replicas ?? 0) || 0, Number(d.status?.replicas ?? 0) || 0);
    const extra = Math.min(Math.max(0, wanted - existing), 1000);
    if (extra === 0) continue;
    const template = d.spec?.template ?? {};
    const labels = template.metadata?.labels ?? {};
    const ns = d.metadata.namespace ?? 'default';
    const pods: Pod[] = [];
    const declared = podFromSpec(ns, `${d.metadata.name}-predicted-0`, labels, template.spec, { predicted: true });
    // Where its volumes let it run (a shared claim's zone, an ephemeral claim's class); a template
    // whose claim or class is missing gets no capacity ahead: its pods will wait for it anyway.
    const topology = volumeTopology(ns, d.metadata.name ?? '', template.spec, declared.requiredNodeAffinity, volumes, true);
    if (!topology.ok) continue;
    // Where the pods it must run near are (required pod affinity); none placed or planned: nothing ahead.
    const near = hasPodAffinity(template.spec) ? podAffinityTopology(ns, labels, template.spec, topology.terms, placed(), (n) => state.namespaceLabels(n), inFlight()) : topology;
    if (!near.ok) continue;
    const proto = withAttachedVolumes(nearPods(declared, near), podAttachedVolumes(ns, declared.name, template.spec, volumes, true));
    for (let i = 0; i < extra; i++) pods.push({ ...proto, name: `${d.metadata.name}-predicted-${i}` });
    out.push({ deployment: d, mode, pods });
  }
  return out;
}

/**
 * The pod with its node terms narrowed to where the pods it must run near are; the first of a group
 * that attracts itself by zone is marked so the planner keeps its class in one zone.
 */
function nearPods(pod: Pod, near: { terms: readonly (readonly Requirement[])[] | undefined; firstOfGroup?: readonly string[]; group?: string; nodeGroup?: string; awaits?: readonly ZoneAffinityQuestion[] }): Pod {
  const narrowed = withNodeAffinity(pod, near.terms);
  if (near.awaits) return { ...narrowed, awaitsZoneAffinity: near.awaits };
  const zoned = near.group !== undefined && near.firstOfGroup?.some((k) => canonicalLabelKey(k) === Labels.zone) ? { ...narrowed, zoneGroup: near.group } : narrowed;
  return near.nodeGroup !== undefined ? { ...zoned, nodeGroup: near.nodeGroup } : zoned;
}

export interface NodeSnapshot {
  nodes: ExistingNode[];
  /** Claims with no Node yet, as capacity. */
  launching: ExistingNode[];
  pending: Pod[];
  /**
   * Pods on nodes being deleted (their NodeClaim's or the Node's deletionTimestamp) that their
   * controllers will start again elsewhere (`isReschedulable`), unbound: planned for like pending
   * pods, so the capacity they will need is launched while their node drains, not after.
   */
  reschedulable: Pod[];
  /**
   * Pending pods not planned, `namespace/name` and why: a persistent volume they need is missing (a
   * claim, its volume, its StorageClass) or, of an Immediate class, not bound yet; or no running pod
   * satisfies their required pod affinity. They wait, as kube-scheduler makes them.
   */
  blocked: { pod: string; problem: string }[];
  /** Node name → claim, for smartscale's nodes. */
  claimByNode: Map<string, NodeClaim>;
  /** What a new node will attach at most per CSI driver (ClusterState.newNodeVolumeLimits), for the solver. */
  newNodeVolumeLimits?: Readonly<Record<string, number>>;
  /** Nodes gone lately, to learn extended resources from (ClusterState.departedAdvertisers; SchedulingInput.advertisingNodes). */
  advertising: AdvertisingNode[];
}

/**
 * How long after it registers a node's extended resources are taken as what it has: device plugins
 * and the VPC resource controller advertise theirs once the node runs, so a node that lists none
 * yet may just be early. Until then (and while it is not initialized) it is judged like a node
 * still launching: by what its pool's settled nodes of its type advertise (ADR 116).
 */
export const EXTENDED_RESOURCES_SETTLE_MS = 2 * 60 * 1000;

/** The labels every one of the types has with the same value (what a launch among them surely gives). */
function commonLabels(types: ReadonlyArray<InstanceType | undefined>): Record<string, string> {
  if (types.length === 0 || types.some((t) => !t)) return {};
  const out: Record<string, string> = { ...types[0]!.labels };
  for (const t of types.slice(1)) for (const [k, v] of Object.entries(out)) if (t!.labels[k] !== v) delete out[k];
  return out;
}

function withClaimLabels(node: KubeObject, claim: NodeClaim, type: InstanceType | undefined): KubeObject {
  return { ...node, metadata: { ...node.metadata, labels: { ...registrationLabels(claim, type?.labels), ...node.metadata.labels } } };
}

/** Nodes with their pods, launching claims and pending pods. */
/** `byPool`: pools' own views of the types (instanceTypesByPool), for what a launching claim will offer. */
export function nodeSnapshot(state: ClusterState, instanceTypes: readonly InstanceType[], byPool?: ReadonlyMap<string, readonly InstanceType[]>): NodeSnapshot {
  const byNode = state.podsByNode();
  const nominated = nominatedRequests(state.pods.list());
  const claims = state.claims();
  const claimByProvider = new Map<string, NodeClaim>();
  const claimObjectByProvider = new Map<string, KubeObject>();
  const claimByNode = new Map<string, NodeClaim>();
  for (const { object, claim } of claims) {
    if (!claim.status.providerId) continue;
    claimByProvider.set(claim.status.providerId, claim);
    claimObjectByProvider.set(claim.status.providerId, object);
  }
  const now = state.now();
  const typeByName = new Map(instanceTypes.map((t) => [t.name, t]));
  const deletingClaims = new Set(claims.filter((c) => c.object.metadata.deletionTimestamp).map((c) => c.claim.name));
  const nodes: ExistingNode[] = [];
  const reschedulable: Pod[] = [];
  const registered = new Set<string>();
  const volumes = state.volumeLookup();
  const placed = placedPods(state);
  // A launching node attaches what new nodes do (its CSINode comes once it runs).
  const newNodeLimits = state.newNodeVolumeLimits();
  // A pod with required pod affinity, moved by a hand-off or a consolidation, goes only where the
  // pods it must run near are (unchanged when that cannot be met: it runs where it is).
  const attracted = (pod: Pod, o: KubeObject): Pod => {
    if (!hasPodAffinity(o.spec)) return pod;
    const near = podAffinityTopology(pod.namespace, pod.labels, o.spec, pod.requiredNodeAffinity, placed(), (n) => state.namespaceLabels(n));
    return near.ok ? withNodeAffinity(pod, near.terms) : pod;
  };
  for (const o of state.nodes.list()) {
    const name = o.metadata.name!;
    const claim = o.spec?.providerID ? claimByProvider.get(o.spec.providerID) : undefined;
    if (claim) {
      claimByNode.set(name, claim);
      registered.add(claim.name);
    }
    const bound = byNode.get(name) ?? [];
    const deleting = Boolean(o.metadata.deletionTimestamp) || (claim !== undefined && deletingClaims.has(claim.name));
    if (deleting) {
      for (const p of bound) {
        if (!isReschedulable(p)) continue;
        const { nodeName: _bound, ...pod } = podFromObject(p, volumes);
        reschedulable.push(attracted(pod, p));
      }
    }
    const pods = bound.map((p) => attracted(podFromObject(p, volumes), p));
    const workload = pods.filter((p) => !p.daemonSet);
    // Until the lifecycle has patched the launch's labels on (registration), the claim vouches for them.
    const labelled = claim && !isConditionTrue(claim, 'Registered') ? withClaimLabels(o, claim, typeByName.get(claim.status.instanceType ?? '')) : o;
    // What a previous leader saw survives on the claim (ADR 103): a restart neither starts the
    // node's consolidateAfter again nor judges it by facts older than its last pod change.
    const recorded = persistedPodEventTime(o.spec?.providerID ? claimObjectByProvider.get(o.spec.providerID) : undefined, now);
    const node = existingNodeFromObject(labelled, {
      pods,
      claim,
      emptySince: state.emptySince(name, workload.length === 0, recorded),
      lastPodChangeAt: lastPodChange({ seen: state.lastPodChangeAt(name), persisted: recorded, pods: bound, now }),
    });
    // Its CSINode's counts; a node of ours whose driver has not registered yet keeps what it was
    // planned with (a new node's counts) until it does.
    const own = state.volumeLimits(name);
    const limits = claim && newNodeLimits ? { ...newNodeLimits, ...own } : own;
    const limited = limits ? { ...node, volumeLimits: limits } : node;
    // Its extended resources once it has settled (device plugins advertise after it runs).
    const registeredAt = Date.parse(o.metadata.creationTimestamp ?? '');
    const settled = node.initialized && Number.isFinite(registeredAt) && now - registeredAt >= EXTENDED_RESOURCES_SETTLE_MS;
    const { extendedResources: _early, ...unsettled } = limited;
    // The room kube-scheduler keeps for pods nominated to it (preempting there).
    const known = reserveNominated(settled ? limited : unsettled, nominated.get(name));
    // A node going away takes nothing new, cordoned yet or not.
    nodes.push(deleting && !known.unschedulable ? { ...known, unschedulable: true } : known);
  }
  const launching: ExistingNode[] = [];
  const validPools = state.validNodePoolNames();
  // A claim's node will run the DaemonSets too: until it registers (and their pods are bound and
  // counted), what it offers other pods is its allocatable less their share.
  const daemonSets = state.daemonSets.list();
  const poolByName = daemonSets.length > 0 ? new Map(state.nodePoolsParsed().valid.map((p) => [p.name, p])) : undefined;
  for (const { object, claim } of claims) {
    if (registered.has(claim.name) || object.metadata.deletionTimestamp) continue;
    // A claim the lifecycle will not launch (no pool, an unknown one, a malformed spec) is no capacity.
    if (!claim.status.providerId && claimProblem(object, validPools)) continue;
    const type = typeByName.get(claim.status.instanceType ?? claim.spec.instanceTypeOptions[0]);
    // Before the launch records it, what the pool's nodes offer (a node class's kubelet maxPods).
    const poolType = byPool?.get(claim.spec.nodePool)?.find((t) => t.name === type?.name);
    let allocatable = claim.status.allocatable ?? poolType?.allocatable ?? type?.allocatable ?? resources();
    const pool = poolByName?.get(claim.spec.nodePool);
    const share = pool && type ? daemonSetShare(daemonSets, pool, type) : undefined;
    if (share) allocatable = withoutDaemonSets({ ...type!, allocatable }, share.requests).allocatable;
    const price = claim.status.pricePerHour ?? type?.offerings.reduce((m, o) => Math.min(m, o.pricePerHour), Infinity) ?? 0;
    const options = claim.status.instanceType ? [type] : claim.spec.instanceTypeOptions.map((n) => typeByName.get(n));
    const node = launchingNode(claim, allocatable, Number.isFinite(price) ? price : 0, commonLabels(options));
    // Ephemeral storage as the pool's nodes offer it (a node class's root volume), when the cloud says.
    const ephemeral = poolType?.ephemeralStorage ?? type?.ephemeralStorage;
    launching.push({
      ...node,
      ...(newNodeLimits ? { volumeLimits: newNodeLimits } : {}),
      ...(share && share.ports.length > 0 ? { daemonSetHostPorts: share.ports } : {}),
      ...(ephemeral !== undefined ? { ephemeralStorage: Math.max(0, ephemeral - (share?.ephemeralStorage ?? 0)) } : {}),
    });
  }
  const pending: Pod[] = [];
  const blocked: NodeSnapshot['blocked'] = [];
  const inFlight = inFlightScope(state);
  for (const p of state.pods.list()) {
    if (!isPendingPod(p)) continue;
    const pod = withAttachedVolumes(podFromObject(p), podAttachedVolumes(p.metadata.namespace ?? 'default', p.metadata.name ?? '', p.spec, volumes));
    const volume = volumeTopology(pod.namespace, pod.name, p.spec, pod.requiredNodeAffinity, volumes);
    // Then where the pods it must run near are (required pod affinity).
    const topology = volume.ok && hasPodAffinity(p.spec) ? podAffinityTopology(pod.namespace, pod.labels, p.spec, volume.terms, placed(), (n) => state.namespaceLabels(n), inFlight()) : volume;
    if (topology.ok) pending.push(nearPods(pod, topology));
    else blocked.push({ pod: podKey(pod), problem: topology.problem });
  }
  return { nodes, launching, pending, reschedulable, blocked, claimByNode, ...(newNodeLimits ? { newNodeVolumeLimits: newNodeLimits } : {}), advertising: state.departedAdvertisers() };
}

/**
 * Per node, what the pods nominated to it request (`status.nominatedNodeName`: unbound, preempting
 * there; not pending either, isPendingPod): kube-scheduler keeps that room for them while their
 * victims leave, so a pending pod planned into it would wait.
 */
function nominatedRequests(pods: readonly KubeObject[]): Map<string, Resources> {
  const out = new Map<string, Resources>();
  for (const p of pods) {
    const node = p.status?.nominatedNodeName;
    if (typeof node !== 'string' || node === '' || p.spec?.nodeName || p.metadata.deletionTimestamp || !isActivePod(p)) continue;
    const requests = podFromObject(p).requests;
    const sum = out.get(node);
    out.set(node, sum ? addResources(sum, requests) : requests);
  }
  return out;
}

/** `node` with `reserved` taken off what it offers (never below zero). */
function reserveNominated(node: ExistingNode, reserved: Resources | undefined): ExistingNode {
  if (!reserved) return node;
  const left = subtractResources(node.allocatable, reserved);
  return { ...node, allocatable: { milliCpu: Math.max(0, left.milliCpu), memoryBytes: Math.max(0, left.memoryBytes), pods: Math.max(0, left.pods), gpus: Math.max(0, left.gpus) } };
}

export function claimInitialized(claim: NodeClaim): boolean {
  return isConditionTrue(claim, 'Initialized');
}

/**
 * The types as each pool's new nodes offer them to the pods planned onto them: the cloud's view
 * (`instanceTypesByPool`) less the share of the DaemonSets that would run there
 * (core/model/daemonset-overhead.ts). `views`: the cloud's views, when the caller has them.
 */
export function planningTypesByPool(state: ClusterState, pools: readonly NodePool[], shared: readonly InstanceType[], views: ReadonlyMap<string, readonly InstanceType[]> | undefined): Map<string, InstanceType[]> | undefined {
  return typesByPoolLessDaemonSets(pools, shared, views, state.daemonSets.list());
}

/**
 * The pools whose nodes offer pods something else than `getInstanceTypes()` says (EC2: a node
 * class's kubelet settings), with their own types, for the solver's `instanceTypesByPool`. A pool
 * whose view cannot be read now plans with the shared types (its launches report the problem).
 */
export async function instanceTypesByPool(cloud: CloudProvider, pools: readonly NodePool[], shared: readonly InstanceType[]): Promise<Map<string, InstanceType[]> | undefined> {
  if (!cloud.instanceTypesForPool) return undefined;
  const out = new Map<string, InstanceType[]>();
  for (const pool of pools) {
    try {
      const types = await cloud.instanceTypesForPool(pool, shared);
      if (types) out.set(pool.name, types);
    } catch {
      // Unreadable now: the shared types.
    }
  }
  return out.size > 0 ? out : undefined;
}
