/**
 * "What would be consolidated next, and why": the controller's own disruption planner
 * (core/disruption) run once on a snapshot of the cluster, as the disruption loop would build it
 * (core/controllers: ClusterState, nodeSnapshot, predictedWorkloads).
 *
 * A one-shot command has not watched the cluster: the preview answers "what would go once
 * consolidate-after has passed" (every node taken as unchanged for longer than its pool's), then says
 * when that is for the nodes it names, from what a restarted controller reads too (ADR 103): the
 * claims' recorded last pod event, else the pods' own times. Instance types and prices are the
 * built-in catalog's (us-east-1 on-demand), which decide replacements.
 */
import { KubeApiError, type KubeClient, type KubeObject, type ListOptions, type ListResult, type ResourceRef, type WatchHandle } from '../../core/kube/client.js';
import { Refs } from '../../core/kube/refs.js';
import { ManualClock } from '../../core/model/clock.js';

/** Serves lists already fetched; watches stay open and silent; writes are refused. */
export class SnapshotKubeClient implements KubeClient {
  constructor(private readonly lists: ReadonlyMap<string, KubeObject[]>) {}

  private items(res: ResourceRef, options: ListOptions = {}): KubeObject[] {
    const all = this.lists.get(res.plural) ?? [];
    return options.namespace ? all.filter((o) => o.metadata.namespace === options.namespace) : all;
  }

  async get<T extends KubeObject>(res: ResourceRef, name: string, namespace?: string): Promise<T | undefined> {
    return this.items(res).find((o) => o.metadata.name === name && (!namespace || o.metadata.namespace === namespace)) as T | undefined;
  }

  async list<T extends KubeObject>(res: ResourceRef, options?: ListOptions): Promise<ListResult<T>> {
    return { items: this.items(res, options) as T[], resourceVersion: '1' };
  }

  watch(): WatchHandle {
    return { stop: () => undefined };
  }

  private refuse(): never {
    throw new KubeApiError(405, 'MethodNotAllowed', 'the consolidation preview never writes');
  }

  create(): Promise<never> {
    return Promise.resolve().then(() => this.refuse());
  }
  replace(): Promise<never> {
    return Promise.resolve().then(() => this.refuse());
  }
  patch(): Promise<never> {
    return Promise.resolve().then(() => this.refuse());
  }
  delete(): Promise<never> {
    return Promise.resolve().then(() => this.refuse());
  }
  postSubresource(): Promise<never> {
    return Promise.resolve().then(() => this.refuse());
  }
}

export interface ConsolidationInput {
  nodes: KubeObject[];
  pods: KubeObject[];
  nodeClaims: KubeObject[];
  nodePools: KubeObject[];
  pdbs: KubeObject[];
  deployments: KubeObject[];
  configMaps: KubeObject[];
  /** DaemonSets (what a replacement node also runs); absent: not considered. */
  daemonSets?: KubeObject[];
  /** PersistentVolumeClaims, PersistentVolumes, StorageClasses (volume topology); absent: not considered. */
  volumeClaims?: KubeObject[];
  volumes?: KubeObject[];
  storageClasses?: KubeObject[];
  /** Namespaces (their labels: pod affinity by namespaceSelector); absent: none known. */
  namespaces?: KubeObject[];
  /** CSINodes (volume attach limits); absent: no limits known. */
  csiNodes?: KubeObject[];
  nowMs: number;
  /** Namespace of smartscale-config (default smartscale-system). */
  home?: string;
}

export interface ConsolidationPreview {
  next?: {
    method: string;
    nodes: string[];
    replacements: string[];
    savingsPerHour: number;
    message: string;
    /**
     * Consolidation only: how long until consolidate-after has passed for all of `nodes` (0: now);
     * absent when the cluster does not record it (an empty node whose claim has no last pod event).
     */
    waitMs?: number;
  };
  blocked: Array<{ node: string; reason: string }>;
  invalidNodePools: string[];
}

export async function previewConsolidation(input: ConsolidationInput): Promise<ConsolidationPreview> {
  const [{ ClusterState }, { nodeSnapshot, planningTypesByPool, predictedWorkloads }, { pdbFromObject }, { planDisruption, consolidationWaitMs }, { findCandidates }, { persistedPodEventTime }, { loadCatalogSync }] = await Promise.all([
    import('../../core/controllers/cluster-state.js'),
    import('../../core/controllers/snapshot.js'),
    import('../../core/controllers/objects.js'),
    import('../../core/disruption/planner.js'),
    import('../../core/disruption/candidates.js'),
    import('../../core/controllers/pod-event-time.js'),
    import('../../core/cloud/catalog/load.js'),
  ]);
  const lists = new Map<string, KubeObject[]>([
    [Refs.nodes.plural, input.nodes],
    [Refs.pods.plural, input.pods],
    [Refs.nodeClaims.plural, input.nodeClaims],
    [Refs.nodePools.plural, input.nodePools],
    [Refs.pdbs.plural, input.pdbs],
    [Refs.deployments.plural, input.deployments],
    [Refs.configMaps.plural, input.configMaps],
    [Refs.daemonSets.plural, input.daemonSets ?? []],
    [Refs.persistentVolumeClaims.plural, input.volumeClaims ?? []],
    [Refs.persistentVolumes.plural, input.volumes ?? []],
    [Refs.storageClasses.plural, input.storageClasses ?? []],
    [Refs.namespaces.plural, input.namespaces ?? []],
    [Refs.csiNodes.plural, input.csiNodes ?? []],
  ]);
  // Epoch 0 as the informers' clock: every pod change and emptiness looks long past (see above).
  // staleAfterMs 0: lists of a snapshot, no watch that could go silent (and no watchdog timer to outlive the command).
  const state = new ClusterState({ client: new SnapshotKubeClient(lists), clock: new ManualClock(0), namespace: input.home, staleAfterMs: 0 });
  await state.start({ all: true });
  try {
    const config = state.config();
    const { valid: pools, invalid } = state.nodePoolsParsed();
    const types = loadCatalogSync();
    const snap = nodeSnapshot(state, types);
    const byPool = planningTypesByPool(state, pools, types, undefined);
    const horizonSeconds = config.controller.forecastStepSeconds * config.controller.horizonSteps;
    // As the disruption loop counts them (core/controllers/disruption.ts): optimize-mode Deployments', the horizon's peak only with a provision lead.
    const predicted = predictedWorkloads(state, config.cluster.mode, Math.floor(input.nowMs / 1000), config.controller.provisionLeadSeconds > 0 ? horizonSeconds : 0)
      .filter((w) => w.mode === 'optimize')
      .flatMap((w) => w.pods);
    const plan = planDisruption({
      now: input.nowMs,
      nodes: [...snap.nodes, ...snap.launching],
      nodePools: pools,
      instanceTypes: types,
      ...(byPool ? { instanceTypesByPool: byPool } : {}),
      ...(snap.newNodeVolumeLimits ? { newNodeVolumeLimits: snap.newNodeVolumeLimits } : {}),
      pdbs: state.pdbs.list().map(pdbFromObject),
      predictedPods: predicted,
      predictedWindow: config.controller.provisionLeadSeconds > 0 ? { horizonSeconds } : 'lead',
      pendingPods: [...snap.pending, ...snap.reschedulable],
      spotToSpotConsolidation: config.controller.spotToSpotConsolidation,
    });
    const d = plan.decision;
    // When consolidate-after passes for the nodes named: the same lists read at the real time.
    let waitMs: number | undefined;
    if (d && d.method !== 'Expiration' && d.method !== 'Drift') {
      const now = new ClusterState({ client: new SnapshotKubeClient(lists), clock: new ManualClock(input.nowMs), namespace: input.home, staleAfterMs: 0 });
      await now.start();
      try {
        const { candidates } = findCandidates(nodeSnapshot(now, types).nodes, new Map(pools.map((p) => [p.name, p])));
        // An empty node's emptiness is counted from its claim's record; without one the running
        // controller counts from when it first saw it empty, which a one-shot command cannot know.
        const recorded = new Set(input.nodeClaims.filter((o) => persistedPodEventTime(o, input.nowMs) !== undefined).map((o) => o.status?.nodeName));
        const named = candidates.filter((c) => d.nodes.includes(c.node.name));
        if (named.length === d.nodes.length && named.every((c) => c.pods.length > 0 || recorded.has(c.node.name))) {
          waitMs = Math.max(...named.map((c) => consolidationWaitMs(c, input.nowMs)));
        }
      } finally {
        now.stop();
      }
    }
    return {
      next: d
        ? {
            method: d.method,
            nodes: [...d.nodes],
            replacements: d.replacements.map((r) => `${r.instanceType} (${r.nodePool})`),
            savingsPerHour: d.savingsPerHour,
            message: d.message,
            ...(waitMs !== undefined ? { waitMs } : {}),
          }
        : undefined,
      blocked: plan.blocked.map((b) => ({ node: b.node, reason: b.reason })),
      invalidNodePools: invalid.map((p) => `${p.name}: ${p.errors.join('; ')}`),
    };
  } finally {
    state.stop();
  }
}
