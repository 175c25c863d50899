/**
 * smartscale's disruption in the simulator: the production planner (core/disruption,
 * `planDisruption`) on a snapshot of the simulated cluster, with the forecast's predicted pods —
 * emptiness, multi- and single-node consolidation, budgets, forecast-aware keep. Its decision is
 * carried out as the controller would: replacements launch first and the old nodes drain once they
 * are Ready; plain removals drain at once.
 *
 * A full plan is several solver runs, so the planner is only consulted when a cheap slot count says
 * some node could go (its pods fit in the others' free slots beyond the predicted pods, or a node
 * is empty) and that has held for the 15 s a decision is re-validated after — the same trigger
 * Karpenter's disruption loop has, polled every 10 s.
 */
import type { InstanceType } from '../model/instance-type.js';
import { Labels } from '../model/labels.js';
import type { ExistingNode } from '../model/node.js';
import { DEFAULT_DISRUPTION, type NodePool } from '../model/node-pool.js';
import type { Pod } from '../model/pod.js';
import { planDisruption } from '../disruption/planner.js';
import { withoutSlack } from '../sizing/slack.js';
import type { DisruptionDecision, DisruptionInput } from '../disruption/types.js';
import { isReady, type NodeType, type SimCluster, type SimNode } from './cluster.js';
import type { PodShape } from './scenario.js';

const ZONE = 'us-east-1a';

interface NodeSnapshot {
  readonly readyAt: number;
  readonly placeholders: number;
  readonly perService: Int32Array;
  readonly node: ExistingNode;
}

function sameCounts(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface PlannerDisruptionOptions {
  pollSeconds: number;
  validationSeconds: number;
  budgetPercent: number;
}

export const DEFAULT_PLANNER_DISRUPTION: PlannerDisruptionOptions = { pollSeconds: 10, validationSeconds: 15, budgetPercent: 10 };

export class PlannerDisruption {
  readonly options: PlannerDisruptionOptions;
  private nextPoll = 0;
  private candidateSince = NaN;
  private readonly byName: Map<string, NodeType>;
  private readonly catalog: InstanceType[];
  /**
   * The snapshot is rebuilt for every plan, so its parts are kept between plans: one requests and
   * one labels object per app (pods of a Deployment share them in the API too, and the solver's
   * equivalence classes key on them by identity), the predicted pods, and each node's snapshot
   * until its pods change. The planner and the solver never mutate their input.
   */
  private readonly requests: Pod['requests'];
  private readonly labelsByApp = new Map<string, Readonly<Record<string, string>>>();
  private readonly predictedPods: Pod[] = [];
  private readonly snapshots = new WeakMap<SimNode, NodeSnapshot>();
  /** Planner calls made, and how many returned a decision (for the docs' cost note and tests). */
  plans = 0;
  decisions = 0;

  constructor(types: readonly NodeType[], pod: PodShape, private readonly serviceNames: readonly string[], options: Partial<PlannerDisruptionOptions> = {}) {
    this.options = { ...DEFAULT_PLANNER_DISRUPTION, ...options };
    this.byName = new Map(types.map((t) => [t.name, t]));
    this.catalog = types.map((t) => t.source);
    this.requests = { milliCpu: pod.milliCpu, memoryBytes: pod.memoryBytes, pods: 1, gpus: 0 };
  }

  /**
   * `slack`: per service, pods beyond what the strategy decided (slack pods, core/sizing/slack.ts);
   * the plan is made as if they did not exist — the emptiest nodes' first, as scale-down deletes them.
   */
  reconcile(now: number, cluster: SimCluster, predictedPods: number, slack?: readonly number[]): void {
    if (now < this.nextPoll) return;
    this.nextPoll = now + this.options.pollSeconds;
    const settled = cluster.pendingCount(false) === 0 && cluster.nodes.every((n) => isReady(n, now) && Number.isNaN(n.drainAt));
    const counts = slack?.some((n) => n > 0) ? withoutSlack(cluster.nodes, slack) : undefined;
    if (!settled || !this.someNodeCouldGo(cluster, predictedPods, counts)) {
      this.candidateSince = NaN;
      return;
    }
    if (Number.isNaN(this.candidateSince)) this.candidateSince = now;
    if (now - this.candidateSince < this.options.validationSeconds) return;
    this.candidateSince = NaN;
    this.act(now, cluster, predictedPods, counts);
  }

  /** A slot count: is there a node whose pods fit in the others' free slots, beyond the predicted pods? */
  private someNodeCouldGo(cluster: SimCluster, predictedPods: number, counts?: readonly Int32Array[]): boolean {
    const used = cluster.nodes.map((n, i) => (counts ? sum(counts[i]) : n.pods) + n.placeholders);
    let free = -predictedPods;
    cluster.nodes.forEach((n, i) => (free += n.type.slots - used[i]));
    return cluster.nodes.some((n, i) => used[i] <= free - (n.type.slots - used[i]));
  }

  private act(now: number, cluster: SimCluster, predictedPods: number, counts?: readonly Int32Array[]): void {
    this.plans++;
    this.carryOut(now, cluster, planDisruption(this.planInput(now, cluster, predictedPods, counts)).decision);
  }

  /** The planner's input for the simulated cluster now, as the controller would assemble it. */
  planInput(now: number, cluster: SimCluster, predictedPods: number, counts?: readonly Int32Array[]): DisruptionInput {
    const nodes = this.snapshot(cluster, counts);
    const budget = String(Math.max(1, Math.ceil((cluster.nodes.length * this.options.budgetPercent) / 100)));
    const pool: NodePool = {
      name: 'default',
      weight: 0,
      requirements: [{ key: Labels.capacityType, operator: 'In', values: ['on-demand', 'spot'] }],
      taints: [],
      labels: {},
      limits: {},
      // Karpenter's defaults, with the 10% budget rounded up as Karpenter does and no expiry (the
      // baselines do not expire nodes either).
      disruption: { ...DEFAULT_DISRUPTION, expireAfterMs: null, budgets: [{ nodes: budget }] },
    };
    for (let i = this.predictedPods.length; i < predictedPods; i++) this.predictedPods.push(this.podOf('predicted', i, 'predicted'));
    const predicted = this.predictedPods.slice(0, Math.max(0, predictedPods));
    return { now: now * 1000, nodes, nodePools: [pool], instanceTypes: this.catalog, pdbs: [], predictedPods: predicted };
  }

  private carryOut(now: number, cluster: SimCluster, decision: DisruptionDecision | undefined): void {
    if (!decision) return;
    this.decisions++;
    const victims: SimNode[] = [];
    for (const name of decision.nodes) {
      const victim = cluster.nodes.find((n) => this.snapshots.get(n)?.node.name === name);
      if (victim) victims.push(victim);
    }
    if (decision.replacements.length === 0) {
      for (const v of victims) cluster.terminate(v);
      return;
    }
    let readyAt = now;
    for (const claim of decision.replacements) {
      const type = this.byName.get(claim.instanceType);
      if (!type) return;
      readyAt = Math.max(readyAt, cluster.launch(type, now).readyAt);
    }
    for (const v of victims) v.drainAt = readyAt;
  }

  private podOf(app: string, i: number, prefix: string, nodeName?: string): Pod {
    let labels = this.labelsByApp.get(app);
    if (!labels) this.labelsByApp.set(app, (labels = { app }));
    return { namespace: 'sim', name: `${prefix}-${i}`, labels, requests: this.requests, nodeName };
  }

  /** The cluster as the planner sees it (what the controller would list from the API). */
  snapshot(cluster: SimCluster, counts?: readonly Int32Array[]): ExistingNode[] {
    return cluster.nodes.map((n, i) => this.existingNode(n, counts ? counts[i] : n.perService));
  }

  /**
   * The node's snapshot, rebuilt only when its pods (or its Ready time) changed since the last plan;
   * a rebuild keeps the node's labels and the pod objects whose position and app are unchanged.
   */
  private existingNode(n: SimNode, perService: Int32Array): ExistingNode {
    const cached = this.snapshots.get(n);
    if (cached && cached.readyAt === n.readyAt && cached.placeholders === n.placeholders && sameCounts(cached.perService, perService)) return cached.node;
    const node = this.buildExistingNode(n, perService, cached?.node);
    this.snapshots.set(n, { readyAt: n.readyAt, placeholders: n.placeholders, perService: perService.slice(), node });
    return node;
  }

  private buildExistingNode(n: SimNode, perService: Int32Array, previous: ExistingNode | undefined): ExistingNode {
    const name = `node-${n.id}`;
    const pods: Pod[] = [];
    const add = (app: string) => {
      const k = pods.length;
      const old = previous?.pods[k];
      pods.push(old && old.labels.app === app ? old : this.podOf(app, k, `${name}-pod`, name));
    };
    for (let s = 0; s < perService.length; s++) {
      for (let j = 0; j < perService[s]; j++) add(this.serviceNames[s] ?? `svc-${s}`);
    }
    for (let j = 0; j < n.placeholders; j++) add('placeholder');
    const emptySince = pods.length === 0 ? n.readyAt * 1000 : undefined;
    if (previous) return { ...previous, pods, emptySince };
    const src = n.type.source;
    return {
      name,
      nodePool: 'default',
      instanceType: n.type.name,
      zone: ZONE,
      capacityType: n.capacityType,
      pricePerHour: n.pricePerHour,
      labels: { ...src.labels, [Labels.zone]: ZONE, [Labels.capacityType]: n.capacityType, [Labels.nodePool]: 'default', [Labels.hostname]: name },
      taints: [],
      // The simulator's slots (the kubelet's pods minus DaemonSets) bound the pods per node.
      allocatable: { ...src.allocatable, pods: n.type.slots },
      pods,
      createdAt: n.launchedAt * 1000,
      emptySince,
      initialized: true,
    };
  }
}

function sum(counts: Int32Array): number {
  let s = 0;
  for (const c of counts) s += c;
  return s;
}
