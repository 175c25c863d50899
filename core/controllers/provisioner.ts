/**
 * The provisioner loop: pending pods + predicted pods → the solver → NodeClaims.
 *
 * - Real pending pods are always served (reactively, as Karpenter would), whatever the mode; so are
 *   the pods of nodes being deleted (an interruption, a repair, a user's delete) that will run again
 *   elsewhere: their capacity is launched while the node drains, not once they are pending.
 * - Predicted pods of Deployments in optimize mode are planned with them, so nodes launch before
 *   the pods exist; those of Deployments in observe mode are planned in a second, hypothetical
 *   pass whose extra claims are only recorded: an Event on the NodePool and its
 *   `status.wouldLaunch`.
 * - Launching claims count as capacity (nothing is launched twice); offerings the cloud recently
 *   could not sell are excluded; a claim like one the cloud refused as invalid waits out its
 *   backoff (LaunchBackoff; the pool's `Launchable` condition says why); at most
 *   `maxLaunchesPerPass` claims per pass.
 * - The backoff is kept in each NodePool's `status.launchRefusals` and read back every pass, so a
 *   new leader waits out what the previous one started, and an item a user deleted ends its wait
 *   (ADR 095 and its amendment; LaunchRefusalSync); items that do not parse are
 *   ignored with a warning.
 * - An invalid NodePool gets `Ready=False` with the reasons and a Warning Event, never a crash.
 */
import type { LaunchBackoff, LaunchBackoffEntry } from '../cloud/unavailable-offerings.js';
import type { KubeObject } from '../kube/client.js';
import { patchStatus } from '../kube/patch.js';
import { Refs } from '../kube/refs.js';
import { parseReplicaCount } from '../model/annotations.js';
import type { InstanceType } from '../model/instance-type.js';
import type { NodePool } from '../model/node-pool.js';
import { podKey } from '../model/pod.js';
import { formatBytes, formatMilli } from '../model/quantity.js';
import { solve } from '../scheduling/solver.js';
import type { PlannedNodeClaim } from '../scheduling/types.js';
import { claimName, launchKey, nodeClaimObject } from './claims.js';
import type { ClusterState, InvalidNodePool } from './cluster-state.js';
import type { LaunchRefusalSync, LaunchRefusalSyncResult } from './launch-refusal-sync.js';
import { launchRefusalsStatus } from './launch-refusals.js';
import type { Loop } from './loop.js';
import { instanceTypesByPool, nodeSnapshot, planningTypesByPool, predictedWorkloads } from './snapshot.js';
import type { NodeLoopDependencies } from './loop-dependencies.js';

export interface ProvisionerOptions extends NodeLoopDependencies {
  /** Launches the cloud refused as invalid: such a claim is not created again before its retry time. */
  launchBackoff: LaunchBackoff;
  /** The same backoff as the NodePools' `status.launchRefusals` show it (shared with the lifecycle). */
  launchRefusals: LaunchRefusalSync;
  /**
   * Pending pods are batched as Karpenter does: a pass waits while the newest pending pod is
   * younger than `batchIdleMs`, unless the oldest has waited `batchMaxMs` (defaults 3 s and 15 s).
   */
  batchIdleMs?: number;
  batchMaxMs?: number;
  /** Where ignored `status.launchRefusals` items are reported (besides a Warning Event). */
  logger?: { warn(obj: object, msg?: string): void };
}

/**
 * The planned claims to create this pass: those not waiting out a launch backoff (`allowed`), at
 * most `maxPerPass`. A pod following pods of the same pass into their zone (ADR 111; `followers`)
 * gets its node only when every claim of the plan (`planned` of them) launches: one held back may be
 * its leaders', and its node would wait idle; it is planned again next pass.
 */
export function claimsToLaunch(allowed: readonly PlannedNodeClaim[], planned: number, maxPerPass: number, followers: ReadonlySet<string>): PlannedNodeClaim[] {
  const launching = allowed.slice(0, maxPerPass);
  if (launching.length === planned || followers.size === 0) return launching;
  return launching.filter((claim) => !claim.pods.some((p) => followers.has(p)));
}

export interface ProvisionerPass {
  created: string[];
  wouldLaunch: number;
  pending: number;
  predicted: number;
  unplaceable: number;
}

export function nodePoolRef(name: string) {
  return { apiVersion: 'smartscale.io/v1', kind: 'NodePool', name };
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function summary(c: PlannedNodeClaim) {
  return { instanceType: c.instanceType, zone: c.offering.zone, capacityType: c.offering.capacityType, pricePerHour: c.offering.pricePerHour, pods: c.pods.length };
}

export class ProvisionerLoop implements Loop {
  readonly name = 'provisioner';
  readonly leaderOnly = true;
  readonly intervalMs: number;
  private readonly reportedInvalid = new Map<string, string>();
  private readonly lastWould = new Map<string, string>();
  /** Pool → the last unreadable `status.launchRefusals` reported (each is reported once). */
  private readonly reportedRefusalErrors = new Map<string, string>();
  lastPass: ProvisionerPass = { created: [], wouldLaunch: 0, pending: 0, predicted: 0, unplaceable: 0 };

  constructor(private readonly options: ProvisionerOptions) {
    this.intervalMs = options.intervalMs ?? 10_000;
  }

  async reconcile(): Promise<void> {
    const { state, cloud, clock } = this.options;
    const config = state.config();
    const { valid: pools, invalid } = state.nodePoolsParsed();
    await this.reportInvalid(invalid);
    await this.syncLaunchRefusals();
    const types = await cloud.getInstanceTypes();
    const views = await instanceTypesByPool(cloud, pools, types);
    const snap = nodeSnapshot(state, types, views);
    const byPool = planningTypesByPool(state, pools, types, views);
    const nowSec = Math.floor(clock.now() / 1000);
    if (this.batching(clock.now())) return;
    const workloads = predictedWorkloads(state, config.cluster.mode, nowSec, config.controller.provisionLeadSeconds);
    const acting = workloads.filter((w) => w.mode === 'optimize').flatMap((w) => w.pods);
    const observing = workloads.filter((w) => w.mode === 'observe').flatMap((w) => w.pods);
    const m = this.options.controllerMetrics;
    m.pendingCapacity.set({ kind: 'pending' }, snap.pending.length);
    m.pendingCapacity.set({ kind: 'rescheduling' }, snap.reschedulable.length);
    m.pendingCapacity.set({ kind: 'predicted' }, acting.length);
    m.pendingCapacity.set({ kind: 'predicted_observe' }, observing.length);
    await this.observePools(state, pools);
    this.observeTargets(state);
    const pass: ProvisionerPass = { created: [], wouldLaunch: 0, pending: snap.pending.length, predicted: acting.length, unplaceable: 0 };
    if (pools.length === 0) {
      this.lastPass = pass;
      return;
    }
    const existingNodes = [...snap.nodes, ...snap.launching];
    const excluded = this.options.unavailable.excluded();
    const input = {
      existingNodes,
      nodePools: pools,
      instanceTypes: types,
      ...(byPool ? { instanceTypesByPool: byPool } : {}),
      ...(snap.newNodeVolumeLimits ? { newNodeVolumeLimits: snap.newNodeVolumeLimits } : {}),
      advertisingNodes: snap.advertising,
      excludedOfferings: excluded,
    };
    // Pods on draining nodes are planned with the pending ones: their capacity launches while the node drains.
    const real = [...snap.pending, ...snap.reschedulable];
    const result = real.length + acting.length > 0 ? solve({ ...input, pods: [...real, ...acting] }) : undefined;
    const poolByName = new Map(pools.map((p) => [p.name, p]));
    const predictedKeys = new Set(acting.map(podKey));
    const movingKeys = new Set(snap.reschedulable.map(podKey));
    const backoff = this.options.launchBackoff;
    const allowed = (result?.newNodeClaims ?? []).filter((planned) => {
      if (!backoff.waiting(launchKey(planned.nodePool, planned.requirements))) return true;
      m.action(this.name, 'launch-backoff');
      return false;
    });
    const followers = new Set([...real, ...acting].filter((p) => p.awaitsZoneAffinity).map(podKey));
    for (const planned of claimsToLaunch(allowed, result?.newNodeClaims.length ?? 0, config.controller.maxLaunchesPerPass, followers)) {
      const pool = poolByName.get(planned.nodePool)!;
      const predicted = planned.pods.every((p) => predictedKeys.has(p));
      const moving = planned.pods.filter((p) => movingKeys.has(p)).length;
      const name = claimName(pool.name);
      state.recordCreatedClaim(await this.options.client.create(Refs.nodeClaims, nodeClaimObject(planned, pool, { name, predicted, reason: 'provisioning' })));
      pass.created.push(name);
      m.action(this.name, predicted ? 'create-claim-predicted' : 'create-claim-pending');
      this.options.events.emit({
        object: nodePoolRef(pool.name),
        type: 'Normal',
        reason: 'NodeClaimCreated',
        message: `created NodeClaim ${name} (${planned.instanceType}, ${planned.offering.zone}, ${planned.offering.capacityType}, $${planned.offering.pricePerHour}/h) for ${planned.pods.length} ${predicted ? 'predicted' : 'pending'} pod(s)${moving > 0 ? ` (${moving} of them on nodes being deleted)` : ''}`,
      });
    }
    // A pod waiting for a persistent volume that does not exist is not planned: say why on the pod.
    for (const b of snap.blocked) {
      const [namespace, name] = b.pod.split('/');
      this.options.events.emit({ object: { apiVersion: 'v1', kind: 'Pod', name, namespace }, type: 'Warning', reason: 'FailedProvisioning', message: `not planned: ${b.problem}` });
    }
    for (const u of result?.unplaceable ?? []) {
      pass.unplaceable++;
      if (predictedKeys.has(u.pod) || movingKeys.has(u.pod)) continue;
      const [namespace, name] = u.pod.split('/');
      this.options.events.emit({ object: { apiVersion: 'v1', kind: 'Pod', name, namespace }, type: 'Warning', reason: 'FailedProvisioning', message: `${u.reason}: ${u.message}` });
    }
    if (observing.length > 0) pass.wouldLaunch = await this.recordWouldLaunch(input, [...real, ...acting], observing, result?.newNodeClaims.length ?? 0, pools);
    else await this.clearWouldLaunch(pools);
    this.lastPass = pass;
  }

  /**
   * The NodePools' `status.launchRefusals` against the backoff, before anything is planned: items
   * other leaders wrote are taken over; an item someone deleted (after fixing the configuration)
   * ends its wait now (ADR 095, amended). Only pools with something to compare are read — afresh,
   * not from the informer, which may not show this leader's own last write yet.
   */
  private async syncLaunchRefusals(): Promise<void> {
    const { launchRefusals: sync, state, controllerMetrics: m } = this.options;
    const remembered = new Set(sync.backoff.list().map((e) => e.nodePool));
    const names = new Set<string>();
    for (const object of state.nodePools.list()) {
      const pool = object.metadata.name ?? '';
      names.add(pool);
      const cached = object.status?.launchRefusals;
      const listed = cached !== undefined && cached !== null && !(Array.isArray(cached) && cached.length === 0);
      if (!listed && !remembered.has(pool) && !sync.hasSeen(pool)) {
        this.reportRefusalErrors(pool, []);
        continue;
      }
      let result: LaunchRefusalSyncResult;
      try {
        result = await sync.sync(pool);
      } catch {
        // Unreadable now: the backoff stands as it is; the next pass reads again.
        m.apiErrors.add({ where: 'provisioner/launch-refusals' });
        continue;
      }
      if (result.adopted > 0) m.action(this.name, 'launch-backoff-restored', result.adopted);
      for (const key of result.dismissed) {
        m.action(this.name, 'launch-backoff-dismissed');
        this.options.events.emit({ object: nodePoolRef(pool), type: 'Normal', reason: 'LaunchRefusalDeleted', message: `status.launchRefusals no longer lists ${key.slice(0, 200)}: planning it again` });
      }
      this.reportRefusalErrors(pool, result.errors);
    }
    sync.retain(names);
  }

  /** Unreadable `status.launchRefusals` items: logged and a Warning Event, each distinct set once. */
  private reportRefusalErrors(pool: string, errors: string[]): void {
    const text = errors.join('; ').slice(0, 1000);
    if (this.reportedRefusalErrors.get(pool) === text) return;
    this.reportedRefusalErrors.set(pool, text);
    if (!text) return;
    this.options.logger?.warn({ nodePool: pool, errors }, 'ignoring unreadable launch refusals in the NodePool status');
    this.options.events.emit({ object: nodePoolRef(pool), type: 'Warning', reason: 'InvalidLaunchRefusals', message: `ignored: ${text}` });
  }

  /** True while pending pods are still arriving (a ReplicaSet creating its pods one by one). */
  private batching(now: number): boolean {
    let newest = -Infinity;
    let oldest = Infinity;
    for (const p of this.options.state.pods.list()) {
      if (p.spec?.nodeName || p.metadata.deletionTimestamp) continue;
      const created = Date.parse(p.metadata.creationTimestamp ?? '');
      if (Number.isNaN(created)) continue;
      newest = Math.max(newest, created);
      oldest = Math.min(oldest, created);
    }
    if (newest === -Infinity) return false;
    return now - newest < (this.options.batchIdleMs ?? 3_000) && now - oldest < (this.options.batchMaxMs ?? 15_000);
  }

  /** Observe mode: what the predicted pods of observe-mode Deployments would launch, recorded only. */
  private async recordWouldLaunch(
    input: { existingNodes: any[]; nodePools: NodePool[]; instanceTypes: InstanceType[]; excludedOfferings: ReadonlySet<string> },
    actual: any[],
    observing: any[],
    actualClaims: number,
    pools: NodePool[],
  ): Promise<number> {
    const observingKeys = new Set(observing.map(podKey));
    const hypothetical = solve({ ...input, pods: [...actual, ...observing] });
    const would = hypothetical.newNodeClaims.filter((c) => c.pods.some((p) => observingKeys.has(p)));
    const extra = Math.max(0, hypothetical.newNodeClaims.length - actualClaims);
    for (const pool of pools) {
      const mine = would.filter((c) => c.nodePool === pool.name).map(summary);
      const text = JSON.stringify(mine);
      if (this.lastWould.get(pool.name) === text) continue;
      await patchStatus(this.options.client, Refs.nodePools, pool.name, undefined, { wouldLaunch: mine });
      this.lastWould.set(pool.name, text);
      if (mine.length > 0) {
        this.options.controllerMetrics.action(this.name, 'would-launch', mine.length);
        const cost = mine.reduce((s, c) => s + c.pricePerHour, 0);
        this.options.events.emit({
          object: nodePoolRef(pool.name),
          type: 'Normal',
          reason: 'WouldLaunch',
          message: `observe mode: would launch ${mine.length} node(s) ahead of predicted demand (${mine.map((c) => c.instanceType).join(', ')}; $${cost.toFixed(4)}/h)`,
        });
      }
    }
    return extra;
  }

  private async clearWouldLaunch(pools: NodePool[]): Promise<void> {
    for (const pool of pools) {
      if (this.lastWould.get(pool.name) === '[]') continue;
      await patchStatus(this.options.client, Refs.nodePools, pool.name, undefined, { wouldLaunch: [] });
      this.lastWould.set(pool.name, '[]');
    }
  }

  private async reportInvalid(invalid: InvalidNodePool[]): Promise<void> {
    for (const pool of invalid) {
      const message = pool.errors.join('; ').slice(0, 1000);
      const key = `${pool.object.metadata.generation ?? pool.object.metadata.resourceVersion}:${message}`;
      if (this.reportedInvalid.get(pool.name) === key) continue;
      await patchStatus(this.options.client, Refs.nodePools, pool.name, undefined, {
        conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message, lastTransitionTime: new Date(this.options.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') }],
      });
      this.reportedInvalid.set(pool.name, key);
      this.options.events.emit({ object: nodePoolRef(pool.name), type: 'Warning', reason: 'InvalidNodePool', message });
    }
  }

  /**
   * Node count, cost per hour and resources per pool, into metrics and each pool's status. The
   * status (with the pool's launch refusals and the Launchable condition they decide) is written
   * when it changed, or when the list last read or written differs from the backoff's, through the
   * refusals' queue: built when the write runs, on a fresh copy, in order with the lifecycle's.
   */
  private async observePools(state: ClusterState, pools: NodePool[]): Promise<void> {
    const m = this.options.controllerMetrics;
    const byPool = new Map<string, { ready: number; launching: number; cost: number; milliCpu: number; memory: number }>();
    for (const pool of pools) byPool.set(pool.name, { ready: 0, launching: 0, cost: 0, milliCpu: 0, memory: 0 });
    for (const { object, claim } of state.claims()) {
      const p = byPool.get(claim.spec.nodePool) ?? byPool.set(claim.spec.nodePool, { ready: 0, launching: 0, cost: 0, milliCpu: 0, memory: 0 }).get(claim.spec.nodePool)!;
      if (object.metadata.deletionTimestamp) continue;
      const ready = claim.status.conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
      if (ready) p.ready++;
      else p.launching++;
      p.cost += claim.status.pricePerHour ?? 0;
      p.milliCpu += claim.status.capacity?.milliCpu ?? 0;
      p.memory += claim.status.capacity?.memoryBytes ?? 0;
    }
    m.nodes.retain((l) => byPool.has(l.nodepool));
    m.costPerHour.retain((l) => byPool.has(l.nodepool));
    const sync = this.options.launchRefusals;
    for (const [name, p] of byPool) {
      m.nodes.set({ nodepool: name, state: 'ready' }, p.ready);
      m.nodes.set({ nodepool: name, state: 'launching' }, p.launching);
      m.costPerHour.set({ nodepool: name }, Math.round(p.cost * 1e6) / 1e6);
      if (!pools.some((x) => x.name === name)) continue;
      const resources = { nodes: String(p.ready + p.launching), cpu: formatMilli(p.milliCpu), memory: formatBytes(p.memory) };
      const entries = sync.backoff.list().filter((e) => e.nodePool === name);
      if (this.lastStatus.get(name) === poolStatusKey(resources, entries) && !sync.differs(name)) continue;
      try {
        await sync.write(name, (now) => {
          this.lastStatus.set(name, poolStatusKey(resources, now));
          const at = rfc3339(this.options.clock.now());
          // A merge patch replaces the whole conditions list: Ready and Launchable are written together.
          return { resources, conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: '', lastTransitionTime: at }, { ...launchableCondition(now), lastTransitionTime: at }] };
        });
      } catch {
        this.lastStatus.delete(name);
        m.apiErrors.add({ where: 'provisioner/pool-status' });
      }
    }
  }

  private readonly lastStatus = new Map<string, string>();

  /** The webhook's targets, per Deployment, as metrics (they live on the Deployments' annotations). */
  private observeTargets(state: ClusterState): void {
    const m = this.options.controllerMetrics.targetReplicas;
    const seen = new Set<string>();
    for (const d of state.optedInDeployments()) {
      const labels = { namespace: d.metadata.namespace ?? 'default', deployment: d.metadata.name ?? '' };
      seen.add(`${labels.namespace}/${labels.deployment}`);
      for (const [kind, key] of [['target', 'smartscale.io/target-replicas'], ['peak', 'smartscale.io/peak-replicas']] as const) {
        const value = parseReplicaCount(d.metadata.annotations?.[key]);
        if (value !== undefined) m.set({ ...labels, kind }, value);
      }
      m.set({ ...labels, kind: 'spec' }, Number(d.spec?.replicas ?? 0) || 0);
    }
    m.retain((l) => seen.has(`${l.namespace}/${l.deployment}`));
  }
}

/** `Launchable`: False with the newest refusal's reason while any request of the pool is backed off. */
function launchableCondition(entries: readonly LaunchBackoffEntry[]) {
  const refused = entries.reduce<LaunchBackoffEntry | undefined>((newest, e) => (!newest || e.refusedAt > newest.refusedAt ? e : newest), undefined);
  return refused
    ? { type: 'Launchable', status: 'False', reason: 'InvalidNodeClaim', message: `${refused.reason} (refused ${refused.failures} time(s) in a row; next attempt not before ${rfc3339(refused.retryAt)})`.slice(0, 1000) }
    : { type: 'Launchable', status: 'True', reason: 'NoRefusal', message: '' };
}

/** What the pool's status write says, times aside: unchanged → not written again. */
function poolStatusKey(resources: Record<string, string>, entries: readonly LaunchBackoffEntry[]): string {
  return JSON.stringify([resources, launchRefusalsStatus(entries), launchableCondition(entries)]);
}

export type { KubeObject };
