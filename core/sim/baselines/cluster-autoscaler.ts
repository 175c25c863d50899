/**
 * A model of the Kubernetes Cluster Autoscaler with one node group of one instance type, with its
 * documented defaults (kubernetes/autoscaler, cluster-autoscaler/FAQ.md):
 *  - `--scan-interval=10s`: the cluster is re-evaluated every 10 s;
 *  - scale-up: pods the scheduler cannot place make the group grow by as many nodes as the
 *    bin-packing estimator says, counting nodes already coming up ("upcoming nodes"); pods that fit
 *    on the current nodes do not count (see `podsToHelp`, ADR 104);
 *  - scale-down: a node whose requested CPU/memory is below `--scale-down-utilization-threshold=0.5`
 *    and whose pods fit on the other nodes is "unneeded"; after `--scale-down-unneeded-time=10m` it
 *    is removed — empty nodes in bulk (`--max-empty-bulk-delete=10`), others one at a time;
 *  - no scale-down within `--scale-down-delay-after-add=10m` of a scale-up;
 *  - cordoned nodes are no destination for other nodes' pods in the scale-down simulation.
 * It has no Spot interruption handling of its own (its AWS README leaves draining on termination
 * to other tools); the common setup adds AWS Node Termination Handler, which cordons and drains
 * the node at the notice — see `HpaClusterAutoscalerStrategy`.
 */
import { freeSlots, isReady, type NodeType, type SimCluster, type SimNode } from '../cluster.js';

export interface ClusterAutoscalerOptions {
  scanIntervalSeconds: number;
  scaleDownUnneededSeconds: number;
  utilizationThreshold: number;
  scaleDownDelayAfterAddSeconds: number;
  maxEmptyBulkDelete: number;
  minNodes: number;
}

export const DEFAULT_CLUSTER_AUTOSCALER: ClusterAutoscalerOptions = {
  scanIntervalSeconds: 10,
  scaleDownUnneededSeconds: 600,
  utilizationThreshold: 0.5,
  scaleDownDelayAfterAddSeconds: 600,
  maxEmptyBulkDelete: 10,
  minNodes: 1,
};

export class ClusterAutoscaler {
  readonly options: ClusterAutoscalerOptions;
  private nextScan = 0;

  constructor(readonly nodeType: NodeType, options: Partial<ClusterAutoscalerOptions> = {}) {
    this.options = { ...DEFAULT_CLUSTER_AUTOSCALER, ...options };
  }

  /** Requested share of the node's allocatable (the larger of CPU and memory), as CA computes it. */
  utilization(node: SimNode): number {
    return (node.pods + node.placeholders) * node.type.podShare;
  }

  reconcile(now: number, cluster: SimCluster): void {
    if (now < this.nextScan) return;
    this.nextScan = now + this.options.scanIntervalSeconds;
    const unschedulable = this.podsToHelp(cluster);
    if (unschedulable > 0) {
      const nodes = Math.ceil(unschedulable / this.nodeType.slots);
      for (let i = 0; i < nodes; i++) cluster.launch(this.nodeType, now);
      return;
    }
    this.scaleDown(now, cluster);
  }

  /**
   * Pending pods that a new node would have to hold: those that fit neither on the Ready nodes nor
   * on the upcoming ones. The engine's scheduler binds after the strategy acts, so at CA's scan
   * the pending pods include some the scheduler is about to place — on a node that became Ready
   * this tick, or on room that new replicas will take. The real CA does not scale up for those:
   *  - its pod-list processor FilterOutSchedulable packs the pods marked unschedulable onto the
   *    current nodes first, because "it's likely we added a new node and the scheduler just
   *    haven't managed to put the pod on it yet. In this situation we don't want to trigger
   *    another scale-up" (cluster-autoscaler/core/podlistprocessor/filter_out_schedulable.go).
   *    Pods the HPA created this tick count the same way: kube-scheduler tries a new pod within
   *    milliseconds, well before the next 10 s scan, so CA only ever sees those it could not place;
   *  - "upcoming nodes are recently created nodes that haven't registered in the cluster yet, or
   *    haven't become ready yet"; each is added to the snapshot as a Ready template node "so that
   *    we can pack unschedulable pods on them and not trigger another scale-up" (static_autoscaler.go).
   * All pods have one shape, so packing is counting slots. Cordoned nodes take no pods.
   */
  podsToHelp(cluster: SimCluster): number {
    let room = 0;
    for (const n of cluster.nodes) if (!n.cordoned) room += freeSlots(n);
    return cluster.pendingCount(true) - room;
  }

  private scaleDown(now: number, cluster: SimCluster): void {
    const o = this.options;
    const ready = cluster.nodes.filter((n) => isReady(n, now) && !n.cordoned);
    let free = 0;
    for (const n of ready) free += freeSlots(n);
    // FilterOutSchedulable left the pending pods that fit packed onto the Ready nodes of CA's
    // snapshot, which scale-down then simulates on: that room is taken.
    free -= Math.min(free, cluster.pendingCount(true));
    // Least utilized first; a node is unneeded if its pods fit in what the others have free.
    const candidates = ready.filter((n) => this.utilization(n) < o.utilizationThreshold).sort((a, b) => a.pods + a.placeholders - (b.pods + b.placeholders) || a.id - b.id);
    const unneeded = new Set<SimNode>();
    let remaining = ready.length;
    for (const c of candidates) {
      const used = c.pods + c.placeholders;
      if (remaining <= o.minNodes) break;
      if (used <= free - freeSlots(c)) {
        unneeded.add(c);
        free -= freeSlots(c) + used;
        remaining--;
      }
    }
    for (const n of cluster.nodes) {
      if (!unneeded.has(n)) n.candidateSince = NaN;
      else if (Number.isNaN(n.candidateSince)) n.candidateSince = now;
    }
    if (now - cluster.lastLaunchAt < o.scaleDownDelayAfterAddSeconds) return;
    const due = [...unneeded].filter((n) => now - n.candidateSince >= o.scaleDownUnneededSeconds);
    const empty = due.filter((n) => n.pods + n.placeholders === 0).slice(0, o.maxEmptyBulkDelete);
    if (empty.length > 0) {
      for (const n of empty) cluster.terminate(n);
      return;
    }
    if (due.length > 0) cluster.terminate(due[0]);
  }
}
