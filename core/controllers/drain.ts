/**
 * Draining a node, shared by the two loops that take nodes away: disruption (a voluntary decision,
 * abandoned when it cannot finish) and the node claim lifecycle (a NodeClaim being deleted, which
 * always finishes — bounded by its termination grace period).
 *
 * - Cordon: `unschedulable` plus the taint `smartscale.io/disrupted`, so nothing new lands there
 *   and a new leader can tell which nodes were being drained.
 * - Evict through the Eviction API, never a plain delete: the API server answers 429 for a pod a
 *   PodDisruptionBudget protects now, and the caller simply tries again on its next pass.
 * - DaemonSet pods are not drained (they would come straight back); finished pods do not count.
 */
import { KubeApiError, type KubeClient, type KubeObject } from '../kube/client.js';
import { updateWithRetry } from '../kube/patch.js';
import { Refs } from '../kube/refs.js';
import type { ClusterState } from './cluster-state.js';
import { DISRUPTED_TAINT, doNotDisrupt } from './objects.js';

type Taint = { key?: string; effect?: string };

export function podName(p: KubeObject): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

export function isTerminating(p: KubeObject): boolean {
  return Boolean(p.metadata.deletionTimestamp);
}

export function isDoNotDisrupt(p: KubeObject): boolean {
  return doNotDisrupt(p.metadata.annotations);
}

/**
 * A pod still terminating a minute after its deletionTimestamp (which already includes its grace
 * period): its kubelet is not finishing it (an instance already gone); waiting longer helps nothing.
 */
export function isStuckTerminating(p: KubeObject, now: number): boolean {
  const at = p.metadata.deletionTimestamp ? Date.parse(p.metadata.deletionTimestamp) : NaN;
  return Number.isFinite(at) && now - at > 60_000;
}

/** The pods a drain waits for: bound to the node, not finished, not a DaemonSet's. Terminating ones included. */
export function podsToDrain(state: ClusterState, node: string): KubeObject[] {
  return (state.podsByNode().get(node) ?? []).filter((p) => !(p.metadata.ownerReferences ?? []).some((r) => r.controller && r.kind === 'DaemonSet'));
}

/** The node carries the disruption loop's taint (whatever `spec.unschedulable` says). */
export function hasDisruptionTaint(node: KubeObject | undefined): boolean {
  return ((node?.spec?.taints ?? []) as Taint[]).some((t) => t.key === DISRUPTED_TAINT);
}

export function isCordoned(node: KubeObject | undefined): boolean {
  return Boolean(node?.spec?.unschedulable) && hasDisruptionTaint(node);
}

/**
 * When the disruption loop started draining the node (RFC 3339), written with the cordon: a new
 * leader resuming the drain counts its timeout from there, not from its own start.
 */
export const DRAIN_STARTED_ANNOTATION = 'smartscale.io/drain-started-at';

/**
 * Marks the node unschedulable with our taint: `cordoned` now, `already` cordoned, or `gone`.
 * With `startedAt` (clock ms), also records it in DRAIN_STARTED_ANNOTATION.
 */
export async function cordon(client: KubeClient, node: string, startedAt?: number): Promise<'cordoned' | 'already' | 'gone'> {
  let changed = false;
  const current = await updateWithRetry(client, Refs.nodes, node, undefined, (fresh) => {
    changed = false;
    if (isCordoned(fresh)) return undefined;
    const taints = ((fresh.spec?.taints ?? []) as Taint[]).filter((t) => t.key !== DISRUPTED_TAINT);
    fresh.spec = { ...fresh.spec, unschedulable: true, taints: [...taints, { key: DISRUPTED_TAINT, effect: 'NoSchedule' }] };
    if (startedAt !== undefined) fresh.metadata.annotations = { ...fresh.metadata.annotations, [DRAIN_STARTED_ANNOTATION]: new Date(startedAt).toISOString() };
    changed = true;
    return fresh;
  });
  return current === undefined ? 'gone' : changed ? 'cordoned' : 'already';
}

export async function uncordon(client: KubeClient, node: string): Promise<void> {
  await updateWithRetry(client, Refs.nodes, node, undefined, (fresh) => {
    fresh.spec = { ...fresh.spec, unschedulable: false, taints: ((fresh.spec?.taints ?? []) as Taint[]).filter((t) => t.key !== DISRUPTED_TAINT) };
    if (fresh.metadata.annotations?.[DRAIN_STARTED_ANNOTATION] !== undefined) {
      const { [DRAIN_STARTED_ANNOTATION]: _started, ...rest } = fresh.metadata.annotations;
      fresh.metadata.annotations = rest;
    }
    return fresh;
  });
}

/**
 * When the drain of `node` started, from DRAIN_STARTED_ANNOTATION; undefined when it says nothing
 * usable (absent, not a time, or later than `now`: a clock ahead of ours is not trusted).
 */
export function drainStartedAt(node: KubeObject, now: number): number | undefined {
  const raw = node.metadata.annotations?.[DRAIN_STARTED_ANNOTATION];
  const at = typeof raw === 'string' ? Date.parse(raw) : NaN;
  return Number.isFinite(at) && at <= now ? at : undefined;
}

export interface EvictionResult {
  /** Pods the API server accepted to evict. */
  evicted: string[];
  /** Pods a PodDisruptionBudget protects now (429): try again later. */
  blocked: string[];
}

/**
 * Asks the Eviction API to evict each pod. 429 (a PDB does not allow it now) and 404 (already
 * gone) are expected answers; any other error is thrown (the loop backs off and retries).
 * `onEvicted` hears each accepted eviction as it happens, so a caller keeps what was done before an
 * error stops the rest.
 */
export async function evictPods(client: KubeClient, pods: KubeObject[], onEvicted?: (pod: KubeObject) => void): Promise<EvictionResult> {
  const result: EvictionResult = { evicted: [], blocked: [] };
  for (const p of pods) {
    try {
      await client.postSubresource(Refs.pods, p.metadata.name!, p.metadata.namespace, 'eviction', {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: p.metadata.name, namespace: p.metadata.namespace },
      });
      result.evicted.push(podName(p));
      onEvicted?.(p);
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 429) result.blocked.push(podName(p));
      else if (!(error instanceof KubeApiError && error.code === 404)) throw error;
    }
  }
  return result;
}
