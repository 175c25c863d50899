/**
 * Node repair: which nodes smartscale launched have been unhealthy (Ready False or Unknown) for
 * longer than the toleration, and may be replaced now. Pure: a snapshot in, decisions out.
 *
 * Safety:
 * - a circuit breaker per NodePool and one over all of them: when more of the nodes (those that
 *   were Ready once and are not going away) are unhealthy than `maxUnhealthyShare` of them
 *   (default 20%, rounded down, but never less than one node), nothing there is repaired — many
 *   nodes failing at once points at something outside them (the control plane's network, a bad
 *   image rolled out), and replacing them all would not help. Karpenter has a 20% breaker per pool
 *   without the floor, which its users report blocks repairs in small pools;
 * - pacing: at most `maxInFlight` (default 1) of a pool's repairs at once, so a false signal
 *   replaces one node at a time, not the whole pool.
 */

/** On a NodeClaim deleted by node repair: why (`kubectl smartscale nodes` and `kubectl describe` show it). */
export const REPAIR_ANNOTATION = 'smartscale.io/repair';

/** Ready condition of a Node, as the kubelet (or the node lifecycle controller) reports it. */
export type ReadyStatus = 'True' | 'False' | 'Unknown';

export interface RepairNode {
  readonly name: string;
  /** The NodeClaim that launched it; nodes smartscale did not launch are never repaired. */
  readonly claim?: string;
  readonly nodePool?: string;
  /** The claim reached Initialized once (the node was Ready): a node that never was is the registration timeout's to handle. */
  readonly initialized: boolean;
  /** Ready condition; undefined when the node reports none. */
  readonly ready?: ReadyStatus;
  /** When the Ready condition last changed (ms since the epoch); undefined when unknown. */
  readonly readySince?: number;
  /** Its claim is being deleted already (disruption, a user, an earlier repair). */
  readonly deleting: boolean;
  /** Deleted by an earlier repair (counts against the pool's in-flight repairs). */
  readonly repairing: boolean;
}

export interface RepairSettings {
  /** How long a node may stay not Ready before it is replaced (ms). */
  readonly toleranceMs: number;
  /** Share of a pool's nodes that may be unhealthy for repairs to go ahead (0–1). */
  readonly maxUnhealthyShare: number;
  /** Repairs of one pool in progress at once. */
  readonly maxInFlight: number;
}

export const DEFAULT_REPAIR_SETTINGS: RepairSettings = { toleranceMs: 30 * 60_000, maxUnhealthyShare: 0.2, maxInFlight: 1 };

export interface RepairDecision {
  readonly node: string;
  readonly claim: string;
  readonly nodePool: string;
  /** How long the node has been not Ready (ms). */
  readonly unhealthyForMs: number;
  readonly message: string;
}

export interface BlockedRepair {
  /** The breaker holds the pool (or every pool), or the pool's repairs wait their turn. */
  readonly kind: 'breaker' | 'pacing';
  /** The pool, or `*` when the cluster-wide breaker holds every pool. */
  readonly nodePool: string;
  /** Nodes due for repair that wait. */
  readonly nodes: readonly string[];
  readonly message: string;
}

export interface RepairPlan {
  readonly repairs: readonly RepairDecision[];
  readonly blocked: readonly BlockedRepair[];
}

function isUnhealthy(n: RepairNode): boolean {
  return n.ready === 'False' || n.ready === 'Unknown';
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}

/** Nodes a breaker weighs: launched by us, Ready once (a booting node is not "unhealthy"), not going away. */
function weighed(nodes: readonly RepairNode[]): RepairNode[] {
  return nodes.filter((n) => n.initialized && !n.deleting);
}

function tripped(nodes: readonly RepairNode[], share: number): { unhealthy: number; total: number } | undefined {
  const live = weighed(nodes);
  const unhealthy = live.filter(isUnhealthy).length;
  return unhealthy > Math.max(1, Math.floor(live.length * share)) ? { unhealthy, total: live.length } : undefined;
}

function breakerMessage(t: { unhealthy: number; total: number }, share: number, where: string): string {
  return `${t.unhealthy} of ${t.total} nodes ${where} are not Ready (more than ${Math.round(share * 100)}%, at least 1): not repairing, the cause is likely outside the nodes`;
}

/** The nodes to replace now, and the pools whose due repairs wait (breaker or pacing). */
export function planRepairs(nodes: readonly RepairNode[], now: number, settings: RepairSettings = DEFAULT_REPAIR_SETTINGS): RepairPlan {
  const byPool = new Map<string, RepairNode[]>();
  for (const n of nodes) {
    if (n.claim === undefined || n.nodePool === undefined) continue;
    const list = byPool.get(n.nodePool);
    if (list) list.push(n);
    else byPool.set(n.nodePool, [n]);
  }
  const dueIn = (members: readonly RepairNode[]) =>
    weighed(members)
      .filter((n) => isUnhealthy(n) && n.readySince !== undefined && now - n.readySince >= settings.toleranceMs)
      // Longest unhealthy first; by name when equal, so every pass picks the same one.
      .sort((a, b) => a.readySince! - b.readySince! || a.name.localeCompare(b.name));
  const repairs: RepairDecision[] = [];
  const blocked: BlockedRepair[] = [];
  // Across pools too: a control plane that loses every node would otherwise take one node from
  // each small pool (each within its own breaker's one-node floor) in the same pass.
  const cluster = byPool.size > 1 ? tripped([...byPool.values()].flat(), settings.maxUnhealthyShare) : undefined;
  const heldByCluster: RepairNode[] = [];
  for (const [nodePool, members] of [...byPool].sort(([a], [b]) => a.localeCompare(b))) {
    const due = dueIn(members);
    if (due.length === 0) continue;
    const pool = tripped(members, settings.maxUnhealthyShare);
    if (pool) {
      blocked.push({ kind: 'breaker', nodePool, nodes: due.map((n) => n.name), message: breakerMessage(pool, settings.maxUnhealthyShare, 'of the pool') });
      continue;
    }
    if (cluster) {
      heldByCluster.push(...due);
      continue;
    }
    const slots = settings.maxInFlight - members.filter((n) => n.repairing && n.deleting).length;
    const now_ = due.slice(0, Math.max(0, slots));
    for (const n of now_) {
      const unhealthyForMs = now - n.readySince!;
      repairs.push({
        node: n.name,
        claim: n.claim!,
        nodePool,
        unhealthyForMs,
        message: `node ${n.name} has been ${n.ready === 'Unknown' ? 'unreachable (Ready Unknown)' : 'not Ready'} for ${minutes(unhealthyForMs)} (tolerated: ${minutes(settings.toleranceMs)}): replacing it`,
      });
    }
    const waiting = due.slice(now_.length);
    if (waiting.length > 0) {
      blocked.push({ kind: 'pacing', nodePool, nodes: waiting.map((n) => n.name), message: `${settings.maxInFlight} repair(s) of this pool in progress at most: ${waiting.length} node(s) wait` });
    }
  }
  if (cluster && heldByCluster.length > 0) {
    blocked.push({ kind: 'breaker', nodePool: '*', nodes: heldByCluster.map((n) => n.name), message: breakerMessage(cluster, settings.maxUnhealthyShare, 'in all pools') });
  }
  return { repairs, blocked };
}
