/**
 * Nodes as `nodes` shows them: each Node joined with its NodeClaim (when smartscale launched it),
 * the requests of the pods bound to it over its allocatable, and its age. NodeClaims that have no
 * Node yet (launching) are rows too. Pure.
 */
import type { KubeObject } from '../../core/kube/client.js';
import { podSpecRequests } from '../../core/model/pod-requests.js';
import { addResources, resourcesFromList, ZERO_RESOURCES, type Resources } from '../../core/model/resources.js';
import { WELL_KNOWN_REPAIR_POLICIES, type RepairPolicy } from '../../core/disruption/repair.js';
import type { NodeClaimView } from './node-claims.js';

export interface NodeRow {
  /** Node name, or "-" for a claim without a Node yet. */
  node: string;
  nodeClaim?: string;
  nodePool?: string;
  instanceType?: string;
  capacityType?: string;
  zone?: string;
  /** Ready, Unhealthy (Ready, but a problem detector's condition says otherwise), Drifted (Ready, to be replaced), NotReady, Cordoned, Deleting, Repairing (deleted by node repair), Interrupted (cordoned ahead of a spot reclaim, …: its pods move once their new capacity is Ready), or a claim's launch state. */
  state: string;
  /** When a NotReady node's Ready condition last changed. */
  notReadySince?: string;
  /**
   * A Ready node that a problem detector reports unhealthy (a node repair policy's condition, e.g.
   * `KernelReady=False`): which, since when, and after how long node repair replaces it.
   */
  unhealthy?: { condition: string; since?: string; repairAfterMs: number };
  /** Why node repair replaces it. */
  repair?: string;
  /** Why the cloud says it drifted (the disruption loop replaces it). */
  drifted?: string;
  /** What the cloud announced (a spot reclaim, …): the node is being drained before it goes. */
  interrupted?: string;
  pricePerHour?: number;
  predicted?: boolean;
  pods: number;
  requested: Resources;
  allocatable: Resources;
  cpuUtilization?: number;
  memoryUtilization?: number;
  createdAt?: string;
}

function safeResources(list: Record<string, unknown> | undefined, warnings: string[], what: string): Resources {
  try {
    return resourcesFromList(list as Record<string, string> | undefined);
  } catch (error) {
    warnings.push(`${what}: ${(error as Error).message}`);
    return ZERO_RESOURCES;
  }
}

/**
 * A pod's effective requests by the scheduler's rules (core/model/pod-requests.ts: containers,
 * sidecars and init containers, pod-level resources, overhead, one slot); an unreadable list counts
 * as zero and is reported.
 */
export function podRequests(pod: KubeObject, warnings: string[]): Resources {
  const where = `pod ${pod.metadata.namespace}/${pod.metadata.name}`;
  return podSpecRequests(pod.spec, (list) => safeResources(list, warnings, where));
}

function isActive(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

function readyCondition(node: KubeObject): { ready: boolean; since?: string } {
  const conditions: any[] = Array.isArray(node.status?.conditions) ? node.status.conditions : [];
  const c = conditions.find((x) => x?.type === 'Ready');
  return { ready: c?.status === 'True', since: typeof c?.lastTransitionTime === 'string' ? c.lastTransitionTime : undefined };
}

/** The first repair policy (other than Ready's) the node's conditions match, as shown. */
function unhealthyCondition(node: KubeObject, policies: readonly RepairPolicy[]): NodeRow['unhealthy'] {
  const conditions: any[] = Array.isArray(node.status?.conditions) ? node.status.conditions : [];
  for (const policy of policies) {
    if (policy.conditionType === 'Ready') continue;
    const c = conditions.find((x) => x?.type === policy.conditionType && x?.status === policy.status);
    if (!c) continue;
    const why = [c.reason, c.message].filter((v) => typeof v === 'string' && v !== '').join(': ');
    return {
      condition: `${policy.conditionType}=${policy.status}${why ? ` (${why.length > 120 ? `${why.slice(0, 119)}…` : why})` : ''}`,
      ...(typeof c.lastTransitionTime === 'string' ? { since: c.lastTransitionTime } : {}),
      repairAfterMs: policy.tolerationMs,
    };
  }
  return undefined;
}

function nodeState(node: KubeObject, claim: NodeClaimView | undefined, ready: boolean, unhealthy: boolean): string {
  // The mark is written just before the claim is deleted; a mark on a live claim is a repair that did not go through.
  if (claim?.repair && claim.state === 'Deleting') return 'Repairing';
  if (claim?.interrupted && claim.state === 'Deleting') return 'Interrupted';
  if (node.metadata.deletionTimestamp || claim?.state === 'Deleting') return 'Deleting';
  return node.spec?.unschedulable ? 'Cordoned' : !ready ? 'NotReady' : unhealthy ? 'Unhealthy' : claim?.drifted ? 'Drifted' : 'Ready';
}

/** `policies`: what node repair counts as unhealthy (default: the well-known conditions; `controller.nodeRepairConditions`). */
export function nodeRows(nodes: readonly KubeObject[], pods: readonly KubeObject[], claims: readonly NodeClaimView[] | null, warnings: string[], policies: readonly RepairPolicy[] = WELL_KNOWN_REPAIR_POLICIES): NodeRow[] {
  const byNode = new Map<string, { count: number; requested: Resources }>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || !isActive(pod)) continue;
    const entry = byNode.get(nodeName) ?? { count: 0, requested: ZERO_RESOURCES };
    entry.count++;
    entry.requested = addResources(entry.requested, podRequests(pod, warnings));
    byNode.set(nodeName, entry);
  }
  const claimByNode = new Map((claims ?? []).filter((c) => c.nodeName).map((c) => [c.nodeName!, c]));
  const rows: NodeRow[] = [];
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    const claim = claimByNode.get(name);
    claimByNode.delete(name);
    const allocatable = safeResources(node.status?.allocatable, warnings, `node ${name}`);
    const used = byNode.get(name) ?? { count: 0, requested: ZERO_RESOURCES };
    const labels = node.metadata.labels ?? {};
    const ready = readyCondition(node);
    const unhealthy = ready.ready ? unhealthyCondition(node, policies) : undefined;
    const state = nodeState(node, claim, ready.ready, unhealthy !== undefined);
    rows.push({
      node: name,
      nodeClaim: claim?.name,
      nodePool: claim?.nodePool ?? labels['smartscale.io/nodepool'],
      instanceType: claim?.instanceType ?? labels['node.kubernetes.io/instance-type'],
      capacityType: claim?.capacityType,
      zone: claim?.zone ?? labels['topology.kubernetes.io/zone'],
      state,
      ...(!ready.ready && ready.since ? { notReadySince: ready.since } : {}),
      ...(state === 'Unhealthy' ? { unhealthy } : {}),
      ...(state === 'Repairing' ? { repair: claim!.repair } : {}),
      ...(state === 'Interrupted' ? { interrupted: claim!.interrupted } : {}),
      ...(claim?.drifted && state !== 'Deleting' && state !== 'Repairing' && state !== 'Interrupted' ? { drifted: claim.drifted } : {}),
      pricePerHour: claim?.pricePerHour,
      predicted: claim?.predicted,
      pods: used.count,
      requested: used.requested,
      allocatable,
      cpuUtilization: allocatable.milliCpu > 0 ? used.requested.milliCpu / allocatable.milliCpu : undefined,
      memoryUtilization: allocatable.memoryBytes > 0 ? used.requested.memoryBytes / allocatable.memoryBytes : undefined,
      createdAt: claim?.createdAt ?? node.metadata.creationTimestamp,
    });
  }
  // Claims whose Node is not there (yet, or any more).
  for (const claim of claims ?? []) {
    if (claim.nodeName && !claimByNode.has(claim.nodeName)) continue;
    rows.push({
      node: claim.nodeName ?? '-',
      nodeClaim: claim.name,
      nodePool: claim.nodePool,
      instanceType: claim.instanceType,
      capacityType: claim.capacityType,
      zone: claim.zone,
      state: claim.repair && claim.state === 'Deleting' ? 'Repairing' : claim.interrupted && claim.state === 'Deleting' ? 'Interrupted' : claim.state,
      ...(claim.repair && claim.state === 'Deleting' ? { repair: claim.repair } : {}),
      ...(!claim.repair && claim.interrupted && claim.state === 'Deleting' ? { interrupted: claim.interrupted } : {}),
      pricePerHour: claim.pricePerHour,
      predicted: claim.predicted,
      pods: 0,
      requested: ZERO_RESOURCES,
      allocatable: ZERO_RESOURCES,
      createdAt: claim.createdAt,
    });
  }
  // smartscale's pools first (by name), nodes it does not manage last.
  const poolKey = (r: NodeRow) => (r.nodePool === undefined ? `1` : `0${r.nodePool}`);
  return rows.sort((a, b) => poolKey(a).localeCompare(poolKey(b)) || a.node.localeCompare(b.node) || (a.nodeClaim ?? '').localeCompare(b.nodeClaim ?? ''));
}
