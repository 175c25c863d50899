/**
 * NodeClaims as the plugin shows them: one record per claim, and a summary per NodePool (count,
 * instance types, cost per hour, pending claims). Pure.
 */
import { REPAIR_ANNOTATION } from '../../core/disruption/repair.js';
import { INTERRUPTION_ANNOTATION, SCHEDULED_CHANGE_ANNOTATION, TERMINATES_AT_ANNOTATION } from '../../core/cloud/interruption.js';
import type { KubeObject } from '../../core/kube/client.js';

export interface NodeClaimView {
  name: string;
  nodePool: string;
  instanceType?: string;
  capacityType?: string;
  zone?: string;
  nodeName?: string;
  pricePerHour?: number;
  predicted: boolean;
  /** Launching → Registered → Ready (Initialized); Deleting once a deletion is under way. */
  state: 'Launching' | 'Launched' | 'Registered' | 'Ready' | 'Deleting';
  createdAt?: string;
  /** Deleted by node repair: why (its `smartscale.io/repair` annotation). */
  repair?: string;
  /** The cloud says its instance no longer matches its node class (a True `Drifted` condition): why. */
  drifted?: string;
  /** Deleted because the cloud announced the instance's end (a spot reclaim, …): what it said. */
  interrupted?: string;
}

export interface PoolSummary {
  nodePool: string;
  nodes: number;
  /** Claims not Ready yet (launching or registering). */
  pending: number;
  predicted: number;
  instanceTypes: Array<{ type: string; count: number }>;
  costPerHour: number;
  /** Claims whose price is unknown (not counted in costPerHour). */
  unpriced: number;
}

function trueCondition(claim: KubeObject, type: string): Record<string, unknown> | undefined {
  const conditions: any[] = Array.isArray(claim.status?.conditions) ? claim.status.conditions : [];
  return conditions.find((c) => c?.type === type && c?.status === 'True');
}

function conditionTrue(claim: KubeObject, type: string): boolean {
  return trueCondition(claim, type) !== undefined;
}

/** The cloud's Drifted condition, or a change it scheduled for the instance: both are replaced ahead. */
function driftOf(claim: KubeObject): string | undefined {
  const c = trueCondition(claim, 'Drifted');
  if (!c) {
    const scheduled = claim.metadata.annotations?.[SCHEDULED_CHANGE_ANNOTATION];
    return typeof scheduled === 'string' && scheduled !== '' ? scheduled : undefined;
  }
  const reason = typeof c.reason === 'string' && c.reason !== '' ? c.reason : 'Drifted';
  return typeof c.message === 'string' && c.message !== '' ? `${reason}: the instance ${c.message}` : reason;
}

export function nodeClaimView(claim: KubeObject): NodeClaimView {
  const price = Number(claim.status?.pricePerHour);
  const state: NodeClaimView['state'] = claim.metadata.deletionTimestamp
    ? 'Deleting'
    : conditionTrue(claim, 'Initialized')
      ? 'Ready'
      : conditionTrue(claim, 'Registered')
        ? 'Registered'
        : conditionTrue(claim, 'Launched')
          ? 'Launched'
          : 'Launching';
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const drifted = driftOf(claim);
  const goesAt = Date.parse(str(claim.metadata.annotations?.[TERMINATES_AT_ANNOTATION]) ?? '');
  const reason = str(claim.metadata.annotations?.[INTERRUPTION_ANNOTATION]);
  // When the instance goes: its pods serve until their new capacity is Ready or that time nears (ADR 100).
  const interrupted = reason && Number.isFinite(goesAt) ? `${reason}; the instance goes at ${new Date(goesAt).toISOString()}` : reason;
  return {
    name: claim.metadata.name ?? '',
    nodePool: str(claim.spec?.nodePool) ?? '-',
    instanceType: str(claim.status?.instanceType),
    capacityType: str(claim.status?.capacityType),
    zone: str(claim.status?.zone),
    nodeName: str(claim.status?.nodeName),
    pricePerHour: claim.status?.pricePerHour !== undefined && Number.isFinite(price) && price >= 0 ? price : undefined,
    predicted: claim.spec?.predicted === true,
    state,
    createdAt: claim.metadata.creationTimestamp,
    ...(str(claim.metadata.annotations?.[REPAIR_ANNOTATION]) ? { repair: str(claim.metadata.annotations?.[REPAIR_ANNOTATION]) } : {}),
    ...(drifted ? { drifted } : {}),
    ...(interrupted ? { interrupted } : {}),
  };
}

export function summarizePools(claims: readonly NodeClaimView[]): PoolSummary[] {
  const pools = new Map<string, PoolSummary>();
  for (const c of claims) {
    const p = pools.get(c.nodePool) ?? { nodePool: c.nodePool, nodes: 0, pending: 0, predicted: 0, instanceTypes: [], costPerHour: 0, unpriced: 0 };
    p.nodes++;
    if (c.state !== 'Ready' && c.state !== 'Deleting') p.pending++;
    if (c.predicted) p.predicted++;
    const type = c.instanceType ?? '?';
    const entry = p.instanceTypes.find((t) => t.type === type);
    if (entry) entry.count++;
    else p.instanceTypes.push({ type, count: 1 });
    if (c.pricePerHour === undefined) p.unpriced++;
    else p.costPerHour += c.pricePerHour;
    pools.set(c.nodePool, p);
  }
  for (const p of pools.values()) {
    p.instanceTypes.sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
    p.costPerHour = Math.round(p.costPerHour * 1e6) / 1e6;
  }
  return [...pools.values()].sort((a, b) => a.nodePool.localeCompare(b.nodePool));
}
