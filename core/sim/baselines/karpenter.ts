/**
 * A model of Karpenter (karpenter.sh, v1) provisioning and consolidation, with its documented
 * defaults:
 *  - batching (docs/reference/settings): a batch of pending pods closes after
 *    `BATCH_IDLE_DURATION=1s` without new pods, or `BATCH_MAX_DURATION=10s` after it opened; pods
 *    created by one HPA sync arrive together, so a batch closes ~1 s after they appear;
 *  - provisioning: groupless cheapest-fit over all instance types — the same production solver
 *    smartscale uses (SolverPlanner), for pods that do not fit on nodes already launching;
 *  - disruption (docs/concepts/disruption): NodePool `consolidationPolicy: WhenEmptyOrUnderutilized`,
 *    `consolidateAfter: 0s`, budget `nodes: 10%` (rounded up); the disruption controller polls every
 *    10 s; a consolidation decision is re-validated after a 15 s TTL before it is carried out;
 *    empty nodes are deleted; underutilized nodes are deleted when their pods fit on the other
 *    nodes, or replaced by one cheaper node (launched first, drained once Ready);
 *  - it does not disrupt while pods are pending or nodes are still launching (cluster not settled);
 *  - interruption (docs/concepts/disruption, "Interruption", with the interruption queue set up):
 *    on a Spot interruption warning it "taints, drains, and terminates the node(s) ahead of the
 *    interruption event", and "the NodePool will start a new node as soon as it sees the Spot
 *    interruption warning" — the drained pods go pending and this provisioning path launches for
 *    them (`interruptionHandling: 'terminate'`, core/sim/interruptions.ts).
 */
import { freeSlots, isReady, type SimCluster, type SimNode } from '../cluster.js';
import type { NodePlanner } from '../planner.js';

export interface KarpenterOptions {
  batchIdleSeconds: number;
  batchMaxSeconds: number;
  disruptionPollSeconds: number;
  validationSeconds: number;
  budgetPercent: number;
  consolidateAfterSeconds: number;
  /** Replace an underutilized node by one cheaper node. */
  replace: boolean;
  /** `WhenEmpty`: only empty nodes are removed (no pod is ever evicted to consolidate). */
  policy: 'WhenEmpty' | 'WhenEmptyOrUnderutilized';
}

export const DEFAULT_KARPENTER: KarpenterOptions = {
  batchIdleSeconds: 1,
  batchMaxSeconds: 10,
  disruptionPollSeconds: 10,
  validationSeconds: 15,
  budgetPercent: 10,
  consolidateAfterSeconds: 0,
  replace: true,
  policy: 'WhenEmptyOrUnderutilized',
};

/**
 * Launches nodes for pending pods that fit nowhere — not on Ready nodes with room, not on nodes
 * already launching — and for `extraPods` more, for callers that plan ahead of the pods. Pods still
 * bound to cordoned nodes (an interrupted node handing its pods over) need a home too: they are
 * planned for with the pending ones, as Karpenter and smartscale do for pods on nodes being deleted
 * (ADR 100).
 */
export function provision(now: number, cluster: SimCluster, planner: NodePlanner, batchDelaySeconds: number, extraPods = 0): number {
  let free = 0;
  for (const n of cluster.nodes) if (Number.isNaN(n.drainAt)) free += freeSlots(n);
  const homeless = cluster.pendingCount(true) + extraPods + cluster.podsOnCordonedNodes() - free;
  if (homeless <= 0) return 0;
  const types = planner.plan(homeless);
  for (const t of types) cluster.launch(t, now + batchDelaySeconds);
  return types.length;
}

export class Consolidator {
  readonly options: KarpenterOptions;
  private nextPoll = 0;

  constructor(private readonly planner: NodePlanner, options: Partial<KarpenterOptions> = {}) {
    this.options = { ...DEFAULT_KARPENTER, ...options };
  }

  /**
   * One disruption pass. `reserveSlots` free slots are kept (smartscale's forecast-aware guard: the
   * pods the forecast says will be needed within the horizon); 0 for Karpenter itself.
   */
  reconcile(now: number, cluster: SimCluster, reserveSlots = 0): void {
    if (now < this.nextPoll) return;
    this.nextPoll = now + this.options.disruptionPollSeconds;
    const o = this.options;
    const settled = cluster.pendingCount(false) === 0 && cluster.nodes.every((n) => isReady(n, now));
    const ready = cluster.nodes.filter((n) => isReady(n, now) && Number.isNaN(n.drainAt));
    const draining = cluster.nodes.filter((n) => !Number.isNaN(n.drainAt)).length;
    let budget = Math.ceil((cluster.nodes.length * o.budgetPercent) / 100) - draining;
    if (!settled || budget <= 0) {
      for (const n of cluster.nodes) n.candidateSince = NaN;
      return;
    }
    let free = -reserveSlots;
    for (const n of ready) free += freeSlots(n);
    // Cheapest to disrupt first: fewest pods, then the most expensive node (the biggest saving).
    const order = [...ready].sort((a, b) => a.pods + a.placeholders - (b.pods + b.placeholders) || b.pricePerHour - a.pricePerHour || a.id - b.id);
    const deletable = new Set<SimNode>();
    for (const c of order) {
      const used = c.pods + c.placeholders;
      if (o.policy === 'WhenEmpty' && used > 0) continue;
      if (used <= free - freeSlots(c)) {
        deletable.add(c);
        free -= freeSlots(c) + used;
      }
    }
    for (const n of cluster.nodes) {
      if (!deletable.has(n)) n.candidateSince = NaN;
      else if (Number.isNaN(n.candidateSince)) n.candidateSince = now;
    }
    const wait = Math.max(o.validationSeconds, o.consolidateAfterSeconds);
    let acted = false;
    for (const n of order) {
      if (budget <= 0) break;
      if (deletable.has(n) && now - n.candidateSince >= wait) {
        cluster.terminate(n);
        budget--;
        acted = true;
      }
    }
    if (acted || !o.replace || o.policy === 'WhenEmpty' || deletable.size > 0) return;
    // Single-node replacement: the node's pods on one cheaper node.
    for (const n of order) {
      const used = n.pods + n.placeholders;
      if (used === 0) continue;
      const plan = this.planner.plan(used);
      if (plan.length !== 1) continue;
      const price = n.capacityType === 'spot' ? plan[0].spotPerHour : plan[0].onDemandPerHour;
      if (price >= n.pricePerHour - 1e-9 || plan[0].name === n.type.name) continue;
      const replacement = cluster.launch(plan[0], now);
      n.drainAt = replacement.readyAt;
      return;
    }
  }
}
