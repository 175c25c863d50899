/**
 * Node repair: which nodes smartscale launched have been unhealthy for longer than the toleration,
 * and may be replaced now. Pure: a snapshot in, decisions out. Unhealthy is what the repair
 * policies say: a condition with a status (Ready False or Unknown; KernelReady False; KernelDeadlock
 * True…), each tolerated for its own time (ADR 096 and its amendment).
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

/** Status of a Node condition. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export const CONDITION_STATUSES: readonly ConditionStatus[] = ['True', 'False', 'Unknown'];

export function isConditionStatus(value: unknown): value is ConditionStatus {
  return (CONDITION_STATUSES as readonly unknown[]).includes(value);
}

/**
 * A node is unhealthy while its condition `conditionType` has `status`, and due for repair once it
 * has had it for `tolerationMs` (counted from the condition's lastTransitionTime).
 */
export interface RepairPolicy {
  readonly conditionType: string;
  readonly status: ConditionStatus;
  readonly tolerationMs: number;
}

const MINUTE = 60_000;

/** Ready False (the kubelet says so) or Unknown (the kubelet stopped reporting): `controller.nodeRepairAfter`. */
export function readyRepairPolicies(tolerationMs: number): RepairPolicy[] {
  return [
    { conditionType: 'Ready', status: 'False', tolerationMs },
    { conditionType: 'Ready', status: 'Unknown', tolerationMs },
  ];
}

/**
 * Conditions that node problem detectors set while the kubelet still reports Ready (ADR 096,
 * amendment): the EKS node monitoring agent's (False when unhealthy; the tolerations Karpenter's
 * AWS provider uses) and node-problem-detector's permanent ones (True when unhealthy).
 * `controller.nodeRepairConditions` replaces this list.
 */
export const WELL_KNOWN_REPAIR_POLICIES: readonly RepairPolicy[] = [
  { conditionType: 'AcceleratedHardwareReady', status: 'False', tolerationMs: 10 * MINUTE },
  { conditionType: 'ContainerRuntimeReady', status: 'False', tolerationMs: 30 * MINUTE },
  { conditionType: 'KernelReady', status: 'False', tolerationMs: 30 * MINUTE },
  { conditionType: 'NetworkingReady', status: 'False', tolerationMs: 30 * MINUTE },
  { conditionType: 'StorageReady', status: 'False', tolerationMs: 30 * MINUTE },
  { conditionType: 'KernelDeadlock', status: 'True', tolerationMs: 10 * MINUTE },
  { conditionType: 'ReadonlyFilesystem', status: 'True', tolerationMs: 10 * MINUTE },
  { conditionType: 'FrequentKubeletRestart', status: 'True', tolerationMs: 30 * MINUTE },
];

/** Ready at `readyTolerationMs`, then `extra` (the well-known conditions unless configured otherwise). */
export function repairPolicies(readyTolerationMs: number, extra: readonly RepairPolicy[] = WELL_KNOWN_REPAIR_POLICIES): RepairPolicy[] {
  return [...readyRepairPolicies(readyTolerationMs), ...extra];
}

/** A Node condition as planRepairs reads it. */
export interface NodeCondition {
  readonly type: string;
  readonly status: ConditionStatus;
  /** When the condition last changed (ms since the epoch); undefined when unknown: never due then. */
  readonly since?: number;
  readonly reason?: string;
  readonly message?: string;
}

export interface RepairNode {
  readonly name: string;
  /** The NodeClaim that launched it; nodes smartscale did not launch are never repaired. */
  readonly claim?: string;
  readonly nodePool?: string;
  /** The claim reached Initialized once (the node was Ready): a node that never was is the registration timeout's to handle. */
  readonly initialized: boolean;
  /** The node's conditions (those the policies name suffice). */
  readonly conditions: readonly NodeCondition[];
  /** Its claim is being deleted already (disruption, a user, an earlier repair). */
  readonly deleting: boolean;
  /** Deleted by an earlier repair (counts against the pool's in-flight repairs). */
  readonly repairing: boolean;
}

export interface RepairSettings {
  /** What makes a node unhealthy, and for how long it is tolerated. */
  readonly policies: readonly RepairPolicy[];
  /** Share of a pool's nodes that may be unhealthy for repairs to go ahead (0–1). */
  readonly maxUnhealthyShare: number;
  /** Repairs of one pool in progress at once. */
  readonly maxInFlight: number;
}

export const DEFAULT_REPAIR_SETTINGS: RepairSettings = { policies: repairPolicies(30 * MINUTE), maxUnhealthyShare: 0.2, maxInFlight: 1 };

export interface RepairDecision {
  readonly node: string;
  readonly claim: string;
  readonly nodePool: string;
  /** The condition that makes it due, e.g. `KernelReady=False`. */
  readonly condition: string;
  /** How long the node has had that condition (ms). */
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

/** A condition a policy matches. */
interface Match {
  readonly condition: NodeCondition;
  readonly policy: RepairPolicy;
}

function matches(n: RepairNode, policies: readonly RepairPolicy[]): Match[] {
  const out: Match[] = [];
  for (const condition of n.conditions) {
    for (const policy of policies) {
      if (policy.conditionType === condition.type && policy.status === condition.status) out.push({ condition, policy });
    }
  }
  return out;
}

/** When the node became due for repair (ms since the epoch): the earliest of its matches' ends of toleration. */
function dueSince(n: RepairNode, policies: readonly RepairPolicy[], now: number): { at: number; match: Match } | undefined {
  let best: { at: number; match: Match } | undefined;
  for (const match of matches(n, policies)) {
    if (match.condition.since === undefined) continue;
    const at = match.condition.since + match.policy.tolerationMs;
    if (at <= now && (!best || at < best.at)) best = { at, match };
  }
  return best;
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}

/** `Ready Unknown` reads as unreachable, `Ready False` as not Ready, any other as its type and status. */
function phrase({ type, status }: NodeCondition): string {
  if (type === 'Ready') return status === 'Unknown' ? 'unreachable (Ready Unknown)' : 'not Ready';
  return `${type} ${status}`;
}

/** What the node's problem detector said, kept short (it ends up in an Event and an annotation). */
function detail({ reason, message }: NodeCondition): string {
  const parts = [reason, message].filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
  if (parts.length === 0) return '';
  const text = parts.join(': ');
  return `; ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

/** Nodes a breaker weighs: launched by us, Ready once (a booting node is not "unhealthy"), not going away. */
function weighed(nodes: readonly RepairNode[]): RepairNode[] {
  return nodes.filter((n) => n.initialized && !n.deleting);
}

/**
 * The breaker: more than `share` of the nodes unhealthy. Nodes not Ready may be repaired one at a
 * time even in pools too small for a share (at least 1): the kubelet itself says they are down. A
 * problem detector's condition gets no such floor — a detector that is wrong on every node (a log
 * pattern an image always prints, a mistyped setting) would otherwise replace a one-node pool's
 * working node again and again; such conditions are repaired only where one node is within the
 * share (pools of 5 or more at 20%, as Karpenter does for every condition).
 */
function tripped(nodes: readonly RepairNode[], policies: readonly RepairPolicy[], share: number): { unhealthy: number; total: number; floor: boolean } | undefined {
  const live = weighed(nodes);
  const allowed = Math.floor(live.length * share);
  const unhealthy = live.filter((n) => matches(n, policies).length > 0);
  const detectorOnly = unhealthy.filter((n) => matches(n, policies).every((m) => m.policy.conditionType !== 'Ready')).length;
  if (unhealthy.length > Math.max(1, allowed)) return { unhealthy: unhealthy.length, total: live.length, floor: true };
  if (detectorOnly > allowed) return { unhealthy: unhealthy.length, total: live.length, floor: false };
  return undefined;
}

function breakerMessage(t: { unhealthy: number; total: number; floor: boolean }, share: number, where: string): string {
  const limit = t.floor ? `more than ${Math.round(share * 100)}%, at least 1` : `more than ${Math.round(share * 100)}% — a problem detector's condition is repaired only where one node is within that`;
  return `${t.unhealthy} of ${t.total} nodes ${where} are unhealthy (${limit}): not repairing, the cause is likely outside the nodes`;
}

/** The nodes to replace now, and the pools whose due repairs wait (breaker or pacing). */
export function planRepairs(nodes: readonly RepairNode[], now: number, settings: RepairSettings = DEFAULT_REPAIR_SETTINGS): RepairPlan {
  const { policies, maxUnhealthyShare: share } = settings;
  const byPool = new Map<string, RepairNode[]>();
  for (const n of nodes) {
    if (n.claim === undefined || n.nodePool === undefined) continue;
    const list = byPool.get(n.nodePool);
    if (list) list.push(n);
    else byPool.set(n.nodePool, [n]);
  }
  const dueIn = (members: readonly RepairNode[]) =>
    weighed(members)
      .flatMap((node) => {
        const due = dueSince(node, policies, now);
        return due ? [{ node, ...due }] : [];
      })
      // Due longest first; by name when equal, so every pass picks the same one.
      .sort((a, b) => a.at - b.at || a.node.name.localeCompare(b.node.name));
  const repairs: RepairDecision[] = [];
  const blocked: BlockedRepair[] = [];
  // Across pools too: a control plane that loses every node would otherwise take one node from
  // each small pool (each within its own breaker's one-node floor) in the same pass.
  const cluster = byPool.size > 1 ? tripped([...byPool.values()].flat(), policies, share) : undefined;
  const heldByCluster: string[] = [];
  for (const [nodePool, members] of [...byPool].sort(([a], [b]) => a.localeCompare(b))) {
    const due = dueIn(members);
    if (due.length === 0) continue;
    const pool = tripped(members, policies, share);
    if (pool) {
      blocked.push({ kind: 'breaker', nodePool, nodes: due.map((d) => d.node.name), message: breakerMessage(pool, share, 'of the pool') });
      continue;
    }
    if (cluster) {
      heldByCluster.push(...due.map((d) => d.node.name));
      continue;
    }
    const slots = settings.maxInFlight - members.filter((n) => n.repairing && n.deleting).length;
    const now_ = due.slice(0, Math.max(0, slots));
    for (const { node, match } of now_) {
      const { condition, policy } = match;
      const unhealthyForMs = now - condition.since!;
      repairs.push({
        node: node.name,
        claim: node.claim!,
        nodePool,
        condition: `${condition.type}=${condition.status}`,
        unhealthyForMs,
        message: `node ${node.name} has been ${phrase(condition)} for ${minutes(unhealthyForMs)} (tolerated: ${minutes(policy.tolerationMs)}${detail(condition)}): replacing it`,
      });
    }
    const waiting = due.slice(now_.length);
    if (waiting.length > 0) {
      blocked.push({ kind: 'pacing', nodePool, nodes: waiting.map((d) => d.node.name), message: `${settings.maxInFlight} repair(s) of this pool in progress at most: ${waiting.length} node(s) wait` });
    }
  }
  if (cluster && heldByCluster.length > 0) {
    blocked.push({ kind: 'breaker', nodePool: '*', nodes: heldByCluster, message: breakerMessage(cluster, share, 'in all pools') });
  }
  return { repairs, blocked };
}
