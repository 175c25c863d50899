/**
 * The controller's view of the cluster: one informer per resource it reads (list+watch with
 * restart, backoff and relist on 410 — core/kube/informer.ts), shared by every loop, plus the few
 * facts only time can tell (since when a node is empty, when its pods last changed).
 *
 * Loops read snapshots from here and never list from the API server themselves: one watch per
 * resource serves them all, and a loop that runs while the API server is down decides on the last
 * state it saw (the informers catch up when it is back).
 */
import { nodeExtendedResources, type AdvertisingNode } from '../model/extended-resources.js';
import { Labels } from '../model/labels.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import { Informer } from '../kube/informer.js';
import { Refs } from '../kube/refs.js';
import { systemClock, type Clock } from '../model/clock.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../model/cluster-config.js';
import { parseNodePoolResource } from '../model/custom-resources/node-pool.js';
import type { NodeClaim } from '../model/node-claim.js';
import type { NodePool } from '../model/node-pool.js';
import { Annotations } from '../model/annotations.js';
import { volumeLookupFrom, type VolumeLookup } from '../model/volume-topology.js';
import { csiNodeLimits } from '../model/volume-limits.js';
import { parseFullConfig, type FullConfig } from './settings.js';
import { isActivePod, isPendingPod, nodeClaimFromObject } from './objects.js';

export interface InvalidNodePool {
  name: string;
  object: KubeObject;
  errors: string[];
}

export interface ClusterStateOptions {
  client: KubeClient;
  clock: Clock;
  /** Namespace of `smartscale-config` (default smartscale-system). */
  namespace?: string;
  onError?: (where: string, error: unknown) => void;
  /** Informer backoff (tests shorten it). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Informer staleness watchdog (default 5 minutes; core/kube/informer.ts). */
  staleAfterMs?: number;
  /** What the watchdog measures silence on: default the wall clock, whatever pace `clock` keeps. */
  watchdogClock?: Clock;
}

export interface InformerHealth {
  resource: string;
  stale: boolean;
  lastEventAt: number;
  watchdogRestarts: number;
  relists: number;
}

/** How long a created NodeClaim is counted without the informer having delivered it (clock ms). */
export const CREATED_CLAIM_TTL_MS = 60_000;

/**
 * How long a node that went is remembered for extended-resource learning: a resource none of a
 * pool's nodes offered is not bought on faith again within it (ADR 116).
 */
export const DEPARTED_MEMORY_MS = 60 * 60 * 1000;

export class ClusterState {
  readonly deployments: Informer<KubeObject>;
  readonly pods: Informer<KubeObject>;
  readonly nodes: Informer<KubeObject>;
  readonly nodeClaims: Informer<KubeObject>;
  readonly nodePools: Informer<KubeObject>;
  readonly pdbs: Informer<KubeObject>;
  readonly configMaps: Informer<KubeObject>;
  /** What every new node also runs (core/model/daemonset-overhead.ts). */
  readonly daemonSets: Informer<KubeObject>;
  /** Where pods with persistent volumes can run (core/model/volume-topology.ts). */
  readonly persistentVolumeClaims: Informer<KubeObject>;
  readonly persistentVolumes: Informer<KubeObject>;
  readonly storageClasses: Informer<KubeObject>;
  /** Namespaces: their labels, for pod affinity terms with a namespaceSelector. */
  readonly namespaces: Informer<KubeObject>;
  /** Each node's volume attach limits per CSI driver (core/model/volume-limits.ts). */
  readonly csiNodes: Informer<KubeObject>;
  private readonly all = new Map<string, Informer<KubeObject>>();
  /** Informers the loops do not wait for (their data only refines a plan); their errors are still logged. */
  private readonly optional = new Set<string>();
  /** Node name → clock ms of the last bind/unbind/delete of a pod on it. */
  private readonly podChangeAt = new Map<string, number>();
  private readonly emptySinceAt = new Map<string, number>();
  /** Nodes gone lately, as extended-resource learning reads them (ADR 116), with when they went. */
  private readonly departed = new Map<string, { node: AdvertisingNode; at: number }>();
  private readonly listeners = new Set<(kind: string) => void>();
  /**
   * NodeClaims this controller created that the informer has not delivered yet (name → object and
   * clock ms): a pass that runs before the watch event arrives still counts them, or it would
   * launch the same capacity again. Dropped on any informer event for the name, or after
   * `CREATED_CLAIM_TTL_MS` (a claim deleted before this process ever saw it).
   */
  private readonly createdClaims = new Map<string, { object: KubeObject; at: number }>();
  /** Per informer that has not listed yet: the last error its list got. */
  private readonly listErrors = new Map<string, Error>();
  readonly namespace: string;

  constructor(private readonly options: ClusterStateOptions) {
    this.namespace = options.namespace ?? SMARTSCALE_NAMESPACE;
    const make = (res: (typeof Refs)[keyof typeof Refs], name: string, namespace?: string) => {
      const informer = new Informer<KubeObject>(options.client, res, {
        clock: options.clock,
        namespace,
        initialBackoffMs: options.initialBackoffMs,
        maxBackoffMs: options.maxBackoffMs,
        staleAfterMs: options.staleAfterMs,
        watchdogClock: options.watchdogClock ?? systemClock,
        onError: (e) => {
          if (!informer.hasSynced()) this.listErrors.set(name, e instanceof Error ? e : new Error(String(e)));
          options.onError?.(`informer/${name}`, e);
        },
      });
      this.all.set(name, informer);
      return informer;
    };
    this.deployments = make(Refs.deployments, 'deployments');
    this.pods = make(Refs.pods, 'pods');
    this.nodes = make(Refs.nodes, 'nodes');
    this.nodeClaims = make(Refs.nodeClaims, 'nodeclaims');
    this.nodePools = make(Refs.nodePools, 'nodepools');
    this.pdbs = make(Refs.pdbs, 'poddisruptionbudgets');
    this.configMaps = make(Refs.configMaps, 'configmaps', this.namespace);
    this.daemonSets = make(Refs.daemonSets, 'daemonsets');
    this.persistentVolumeClaims = make(Refs.persistentVolumeClaims, 'persistentvolumeclaims');
    this.persistentVolumes = make(Refs.persistentVolumes, 'persistentvolumes');
    this.storageClasses = make(Refs.storageClasses, 'storageclasses');
    this.namespaces = make(Refs.namespaces, 'namespaces');
    // Optional: without it (an upgrade whose ClusterRole lacks csinodes) nodes count no attach
    // limits, as before ADR 113; every other cache is needed for a pass to be right.
    this.csiNodes = make(Refs.csiNodes, 'csinodes');
    this.optional.add('csinodes');
    // A claim, volume or class created after its pod can make the waiting pod plannable; so can a
    // claim being bound (an Immediate class's, which the pod waits for: volume-topology.ts).
    for (const informer of [this.persistentVolumeClaims, this.persistentVolumes, this.storageClasses]) informer.on({ add: () => (informer.hasSynced() ? this.notify('pending-pod') : undefined) });
    this.persistentVolumeClaims.on({ update: (c, old) => (c.spec?.volumeName !== old.spec?.volumeName ? this.notify('pending-pod') : undefined) });
    // Only for nodes that exist: the pods of a deleted node are deleted after it, and their record
    // would outlive it (kept forever, and read by a later node given the same name).
    const podChanged = (...pods: KubeObject[]) => {
      for (const p of pods) if (p.spec?.nodeName && (!this.nodes.hasSynced() || this.nodes.get(p.spec.nodeName))) this.podChangeAt.set(p.spec.nodeName, options.clock.now());
    };
    this.pods.on({
      add: (p) => {
        // The first list is what the cluster holds, not what changed now: counting it would start
        // every node's consolidateAfter again at each restart. What changed before is read from
        // the claims' lastPodEventTime and the pods' own times (pod-event-time.ts, ADR 103).
        if (this.pods.hasSynced()) podChanged(p);
        if (!p.spec?.nodeName) this.notify('pending-pod');
      },
      update: (p, old) => {
        // Bound or moved, finished (it no longer holds the node), or terminating (it is leaving):
        // the changes Karpenter's lastPodEventTime counts too.
        if (p.spec?.nodeName !== old.spec?.nodeName) podChanged(p, old);
        else if ((isActivePod(old) && !isActivePod(p)) || (!old.metadata.deletionTimestamp && p.metadata.deletionTimestamp)) podChanged(p);
        // Waiting for a node from now on: its scheduling gates removed, its nomination dropped, or
        // another scheduler found no node for it (objects.ts, isPendingPod).
        if (isPendingPod(p) && !isPendingPod(old)) this.notify('pending-pod');
      },
      delete: (p) => podChanged(p),
    });
    this.configMaps.on({ add: () => this.notify('config'), update: () => this.notify('config'), delete: () => this.notify('config') });
    const claimSeen = (o: KubeObject) => {
      this.createdClaims.delete(o.metadata.name ?? '');
      this.notify('nodeclaim');
    };
    this.nodeClaims.on({ add: claimSeen, update: claimSeen, delete: claimSeen });
    this.nodes.on({
      add: () => this.notify('node'),
      update: () => this.notify('node'),
      delete: (n) => {
        // What was watched of a node goes with it: a node later given the same name (EC2 names
        // nodes by private IP) starts afresh instead of counting as empty since the old one was.
        this.podChangeAt.delete(n.metadata.name ?? '');
        this.emptySinceAt.delete(n.metadata.name ?? '');
        // What it advertised still says what a new node of its pool and type offers: without it, a
        // node bought on faith for a resource it lacks, then removed empty, would be bought again.
        const labels = n.metadata.labels ?? {};
        if (labels[Labels.nodePool] && labels[Labels.instanceType]) {
          this.departed.set(n.metadata.name ?? '', { node: { nodePool: labels[Labels.nodePool], instanceType: labels[Labels.instanceType], extendedResources: nodeExtendedResources(n.status?.allocatable) }, at: options.clock.now() });
        }
        this.notify('node');
      },
    });
  }

  /** Hears "something of this kind changed" (loops trigger on it). */
  subscribe(listener: (kind: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(kind: string): void {
    for (const l of this.listeners) l(kind);
  }

  /** Resolves once every informer has its first list. */
  /** Starts every informer; resolves once the caches the loops need are filled (`all`: every cache). */
  async start(options: { all?: boolean } = {}): Promise<void> {
    const started = [...this.all].map(([name, i]) => (this.optional.has(name) && !options.all ? (void i.start().catch(() => {}), undefined) : i.start()));
    await Promise.all(started);
  }

  stop(): void {
    for (const i of this.all.values()) i.stop();
  }

  synced(): boolean {
    return [...this.all].every(([name, i]) => this.optional.has(name) || i.hasSynced());
  }

  /** Per informer: stale or not, last sign of life, watchdog restarts, relists (metrics, readiness). */
  informerHealth(): InformerHealth[] {
    return [...this.all].map(([resource, i]) => ({ resource, stale: i.stale(), lastEventAt: i.lastEventAt(), watchdogRestarts: i.watchdogRestarts, relists: i.relists }));
  }

  /**
   * Resources whose first list has not come yet, each with the last error that list got (a 403
   * after an upgrade whose ClusterRole was not applied: no loop runs until every cache has filled).
   */
  unsyncedInformers(): { resource: string; error?: Error }[] {
    return [...this.all].filter(([name, i]) => !this.optional.has(name) && !i.hasSynced()).map(([resource]) => ({ resource, ...(this.listErrors.has(resource) ? { error: this.listErrors.get(resource) } : {}) }));
  }

  /** Resources whose cache has heard nothing from the API server for the staleness period. */
  staleInformers(): string[] {
    return this.informerHealth().filter((h) => h.stale && !this.optional.has(h.resource)).map((h) => h.resource);
  }

  /** The clock's time (clock ms), for readers that date what the state holds. */
  now(): number {
    return this.options.clock.now();
  }

  config(): FullConfig {
    return parseFullConfig(this.configMaps.get(CLUSTER_CONFIG_NAME, this.namespace)?.data);
  }

  optedInDeployments(): KubeObject[] {
    return this.deployments.list().filter((d) => d.metadata.annotations?.[Annotations.enabled] === 'true' && !d.metadata.deletionTimestamp);
  }

  nodePoolsParsed(): { valid: NodePool[]; invalid: InvalidNodePool[] } {
    const valid: NodePool[] = [];
    const invalid: InvalidNodePool[] = [];
    for (const o of this.nodePools.list()) {
      if (o.metadata.deletionTimestamp) continue;
      const parsed = parseNodePoolResource(o);
      if (parsed.nodePool) valid.push(parsed.nodePool);
      else invalid.push({ name: o.metadata.name ?? '', object: o, errors: parsed.errors });
    }
    return { valid, invalid };
  }

  /** Names of the NodePools that parse (the only ones smartscale launches claims for). */
  validNodePoolNames(): Set<string> {
    return new Set(this.nodePoolsParsed().valid.map((p) => p.name));
  }

  claims(): Array<{ object: KubeObject; claim: NodeClaim }> {
    const listed = this.nodeClaims.list();
    const out = listed.map((object) => ({ object, claim: nodeClaimFromObject(object) }));
    if (this.createdClaims.size === 0) return out;
    const now = this.options.clock.now();
    for (const [name, { object, at }] of this.createdClaims) {
      if (now - at > CREATED_CLAIM_TTL_MS || this.nodeClaims.get(name)) this.createdClaims.delete(name);
      else out.push({ object, claim: nodeClaimFromObject(object) });
    }
    return out;
  }

  /** A NodeClaim this controller just created (the API's answer), counted until the informer has it. */
  recordCreatedClaim(object: KubeObject): void {
    const name = object.metadata.name;
    if (name && !this.nodeClaims.get(name)) this.createdClaims.set(name, { object, at: this.options.clock.now() });
  }

  /** A node's volume attach limits per CSI driver, from its CSINode (undefined: none reported). */
  volumeLimits(nodeName: string): Record<string, number> | undefined {
    const limits = csiNodeLimits(this.csiNodes.get(nodeName));
    return limits.size > 0 ? Object.fromEntries(limits) : undefined;
  }

  /**
   * What a new node will attach at most, per CSI driver: the lowest count any CSINode reports (a new
   * node's own CSINode exists only once it runs). Undefined when none reports a count. A count of 0
   * (a node that attaches none of the driver's volumes, or a broken report) says nothing of new
   * nodes and is left out; the lowest count may still be below what the type planned attaches (the
   * plan then errs towards more nodes).
   */
  newNodeVolumeLimits(): Record<string, number> | undefined {
    const lowest = new Map<string, number>();
    for (const o of this.csiNodes.list()) for (const [driver, count] of csiNodeLimits(o)) if (count > 0) lowest.set(driver, Math.min(count, lowest.get(driver) ?? Infinity));
    return lowest.size > 0 ? Object.fromEntries(lowest) : undefined;
  }

  /** The volume claims, volumes and storage classes as the informers hold them. */
  volumeLookup(): VolumeLookup {
    return volumeLookupFrom({ claims: this.persistentVolumeClaims.list(), volumes: this.persistentVolumes.list(), storageClasses: this.storageClasses.list() });
  }

  /** A namespace's labels, as the informer holds them (undefined: not known). */
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined {
    const ns = this.namespaces.get(namespace);
    return ns ? (ns.metadata.labels ?? {}) : undefined;
  }

  /** Active pods per node name (bound, not finished). */
  podsByNode(): Map<string, KubeObject[]> {
    const byNode = new Map<string, KubeObject[]>();
    for (const p of this.pods.list()) {
      const node = p.spec?.nodeName;
      if (!node || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      const list = byNode.get(node);
      if (list) list.push(p);
      else byNode.set(node, [p]);
    }
    return byNode;
  }

  /**
   * Clock ms of the last pod change on the node this process watched happen (bound, finished,
   * terminating, deleted); undefined when it saw none since it started. The first list counts as
   * none: the planner's snapshot adds what the claim records (pod-event-time.ts).
   */
  lastPodChangeAt(node: string): number | undefined {
    return this.podChangeAt.get(node);
  }

  /**
   * Since when the node has had no workload pods; undefined when it has some. Counted from its last
   * pod change — seen here or, for a node already empty when this process started, `recorded`
   * (its claim's lastPodEventTime) — else from when this process first saw it empty.
   */
  /** Nodes gone within DEPARTED_MEMORY_MS, for extended-resource learning (SchedulingInput.advertisingNodes). */
  departedAdvertisers(): AdvertisingNode[] {
    const now = this.options.clock.now();
    for (const [name, d] of this.departed) if (now - d.at > DEPARTED_MEMORY_MS) this.departed.delete(name);
    return [...this.departed.values()].map((d) => d.node);
  }

  emptySince(node: string, empty: boolean, recorded?: number): number | undefined {
    if (!empty) {
      this.emptySinceAt.delete(node);
      return undefined;
    }
    let since = this.emptySinceAt.get(node);
    if (since === undefined) {
      const seen = this.podChangeAt.get(node);
      since = seen !== undefined ? Math.max(seen, recorded ?? seen) : (recorded ?? this.options.clock.now());
      this.emptySinceAt.set(node, since);
    }
    return since;
  }
}
