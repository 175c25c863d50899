/**
 * A model of the Kubernetes Cluster Autoscaler with one node group of one instance type, with its
 * documented defaults (kubernetes/autoscaler, cluster-autoscaler/FAQ.md):
 *  - `--scan-interval=10s`: the cluster is re-evaluated every 10 s;
 *  - scale-up: pods the scheduler cannot place make the group grow by as many nodes as the
 *    bin-packing estimator says, counting nodes already coming up ("upcoming nodes");
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
    const unschedulable = cluster.pendingCount(true) - cluster.launchingFreeSlots(now);
    if (unschedulable > 0) {
      const nodes = Math.ceil(unschedulable / this.nodeType.slots);
      for (let i = 0; i < nodes; i++) cluster.launch(this.nodeType, now);
      return;
    }
    this.scaleDown(now, cluster);
  }

  private scaleDown(now: number, cluster: SimCluster): void {
    const o = this.options;
    const ready = cluster.nodes.filter((n) => isReady(n, now) && !n.cordoned);
    let free = 0;
    for (const n of ready) free += freeSlots(n);
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
