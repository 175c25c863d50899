/**
 * Interruptions (leader, polling the queue continuously): the cloud says an instance smartscale
 * launched is about to go — a spot reclaim with two minutes' notice, a scheduled retirement or
 * maintenance, the instance stopping or terminating outside smartscale. Waiting for the node to
 * vanish would leave its pods to die with it and stay pending until a new node is up; instead its
 * NodeClaim is marked (`smartscale.io/interrupted`, the reason; `smartscale.io/terminates-at`, when
 * the instance goes, where the event says) and deleted at once: the provisioner launches capacity
 * for its pods in the same pass, and the lifecycle's termination cordons the node and hands its
 * pods over — evicted once they fit on Ready nodes elsewhere, or when only their graceful shutdown
 * remains before the instance goes (ADR 100); with no known end, drained at once. A spot reclaim
 * also marks its offering (type, zone, spot) unavailable for a while, so the replacement is not
 * bought from the pool being reclaimed. A rebalance recommendation (elevated risk only) is an Event.
 *
 * Observe mode says what it would do (`WouldHandleInterruption`) and changes nothing but the
 * offering's availability (which only smartscale's own launches read). Messages about instances
 * that are not smartscale's are acknowledged and counted; malformed or foreign events likewise
 * (never redelivered for ever). A message whose handling fails is not acknowledged: the queue
 * delivers it again after its visibility timeout.
 */
import { INTERRUPTION_ANNOTATION, isTerminal, SCHEDULED_CHANGE_ANNOTATION, SCHEDULED_CHANGE_AT_ANNOTATION, TERMINATES_AT_ANNOTATION, terminatesAt, type InterruptionMessage, type InterruptionQueue } from '../cloud/interruption.js';
import { Refs } from '../kube/refs.js';
import { updateWithRetry } from '../kube/patch.js';
import type { KubeObject } from '../kube/client.js';
import type { NodeClaim } from '../model/node-claim.js';
import type { CloudProvider } from '../cloud/provider.js';
import type { Loop } from './loop.js';
import type { NodeLoopDependencies } from './loop-dependencies.js';
import { nodeRef } from './disruption.js';
import { nodeClaimRef } from './node-claim-lifecycle.js';

export { INTERRUPTION_ANNOTATION, SCHEDULED_CHANGE_ANNOTATION, SCHEDULED_CHANGE_AT_ANNOTATION, TERMINATES_AT_ANNOTATION };

export type InterruptionOptions = Omit<NodeLoopDependencies, 'cloud'> & {
  queue: InterruptionQueue;
  /**
   * The cloud's own list of smartscale's instances, asked (at most every LISTED_TTL_MS) for an
   * instance no cached claim records yet — a claim launched moments ago whose provider ID the
   * informer has not delivered: without it a spot notice for a brand-new node was dropped.
   */
  cloud?: Pick<CloudProvider, 'list'>;
  /** Whether this process still leads, checked after a long poll returns (a lease can pass during one). */
  isLeader?: () => boolean;
};

/** How long the cloud's list of instances is reused for instances the cache does not map. */
export const LISTED_TTL_MS = 30_000;

/** Batches read in one pass while they come back full (a backlog is drained without waiting out the interval). */
const MAX_BATCHES_PER_PASS = 20;

/** A scheduled change further away than this is left to the disruption planner (replacement first, budgets). */
export const SCHEDULED_CHANGE_LEAD_MS = 30 * 60_000;

/** The instance ID at the end of a provider ID (`aws:///us-east-1a/i-0abc` → `i-0abc`). */
export function instanceIdOfProviderId(providerId: string): string {
  return providerId.slice(providerId.lastIndexOf('/') + 1);
}

export class InterruptionLoop implements Loop {
  readonly name = 'interruption';
  readonly leaderOnly = true;
  readonly intervalMs: number;
  private abort?: AbortController;
  /** Claims whose due scheduled change was reported in observe mode (said once). */
  private readonly warned = new Set<string>();

  constructor(private readonly options: InterruptionOptions) {
    // The SQS queue long-polls (up to 20 s per receive); between receives, no wait is needed.
    this.intervalMs = options.intervalMs ?? 1_000;
  }

  cancel(): void {
    this.abort?.abort();
  }

  async reconcile(): Promise<void> {
    const { queue, controllerMetrics: m } = this.options;
    const abort = (this.abort = new AbortController());
    let failure: unknown;
    try {
      await this.dueScheduledChanges();
      for (let round = 0; round < MAX_BATCHES_PER_PASS; round++) {
        const batch = await queue.receive(abort.signal);
        // Stopped, or the lease passed while waiting: not acted on, not acknowledged (the queue
        // delivers it again, to whoever leads).
        if (abort.signal.aborted || (this.options.isLeader && !this.options.isLeader())) return;
        const done: string[] = [];
        for (const r of batch.rejected) {
          m.action(this.name, 'rejected');
          done.push(r.receipt);
        }
        // At most 10 messages: handled together, so a backlog does not eat a spot notice.
        const byInstance = batch.messages.length > 0 ? await this.claimsByInstance(batch.messages) : new Map();
        await Promise.all(
          batch.messages.map(async (message) => {
            try {
              await this.handle(message, byInstance);
              done.push(message.receipt);
            } catch (error) {
              m.action(this.name, 'failed');
              failure ??= error;
            }
          }),
        );
        await queue.acknowledge(done);
        if (batch.messages.length + batch.rejected.length < 10) break;
      }
    } finally {
      if (this.abort === abort) this.abort = undefined;
    }
    if (failure) throw failure;
  }

  /**
   * The claims by the instance ID in their provider ID; for instances of terminal messages no cached
   * claim records yet, while some cached claim has no provider ID (just launched), the cloud's list
   * names the claim (its provider ID filled in from there).
   */
  private async claimsByInstance(messages: readonly InterruptionMessage[]): Promise<Map<string, { object: KubeObject; claim: NodeClaim }>> {
    const byInstance = new Map<string, { object: KubeObject; claim: NodeClaim }>();
    const unrecorded = new Map<string, { object: KubeObject; claim: NodeClaim }>();
    for (const entry of this.options.state.claims()) {
      const providerId = entry.claim.status.providerId;
      if (providerId) byInstance.set(instanceIdOfProviderId(providerId), entry);
      else if (!entry.object.metadata.deletionTimestamp) unrecorded.set(entry.claim.name, entry);
    }
    const missing = messages.filter((m) => isTerminal(m.kind)).flatMap((m) => m.instanceIds).filter((id) => !byInstance.has(id));
    if (missing.length === 0 || unrecorded.size === 0 || !this.options.cloud) return byInstance;
    const newest = Math.max(...[...unrecorded.values()].map((e) => e.claim.createdAt));
    let listed: readonly NodeClaim[];
    try {
      listed = await this.listed(newest);
    } catch (error) {
      // The cloud cannot say now: the batch is not acknowledged (the queue delivers it again), not
      // taken for someone else's instances.
      this.options.controllerMetrics.apiErrors.add({ where: 'interruption/cloud-list' });
      throw error;
    }
    for (const instance of listed) {
      const providerId = instance.status.providerId;
      const entry = unrecorded.get(instance.name);
      if (!providerId || !entry || !missing.includes(instanceIdOfProviderId(providerId))) continue;
      byInstance.set(instanceIdOfProviderId(providerId), { object: entry.object, claim: { ...entry.claim, status: { ...instance.status, ...entry.claim.status, providerId } } });
    }
    return byInstance;
  }

  private listedCache?: { at: number; instances: Promise<readonly NodeClaim[]> };

  /** The cloud's list, reused for LISTED_TTL_MS unless it is older than a claim created at `newerThan` (ms). */
  private listed(newerThan: number): Promise<readonly NodeClaim[]> {
    const now = this.options.clock.now();
    if (!this.listedCache || now - this.listedCache.at >= LISTED_TTL_MS || this.listedCache.at < newerThan) {
      const instances = this.options.cloud!.list();
      this.listedCache = { at: now, instances };
      instances.catch(() => (this.listedCache = undefined));
    }
    return this.listedCache.instances;
  }

  private async handle(message: InterruptionMessage, byInstance: ReadonlyMap<string, { object: KubeObject; claim: NodeClaim }>): Promise<void> {
    const { state, events, unavailable, clock, controllerMetrics: m } = this.options;
    const act = state.config().cluster.mode === 'optimize';
    if (message.at > 0) m.interruptionLatency.set({ kind: message.kind }, Math.max(0, (clock.now() - message.at) / 1000));
    for (const instanceId of message.instanceIds) {
      const entry = byInstance.get(instanceId);
      if (!entry) {
        // Not a node smartscale launched — or one it already terminated itself (its claim gone).
        m.action(this.name, 'unknown-instance');
        continue;
      }
      const { claim, object } = entry;
      const involved = claim.status.nodeName ? nodeRef(claim.status.nodeName) : nodeClaimRef(claim.name);
      if (message.kind === 'SpotInterruption' && claim.status.instanceType && claim.status.zone) {
        unavailable.markUnavailable({ instanceType: claim.status.instanceType, zone: claim.status.zone, capacityType: 'spot' }, 'SpotInterruption');
      }
      if (!isTerminal(message.kind)) {
        m.action(this.name, 'rebalance');
        events.emit({ object: involved, type: 'Normal', reason: 'RebalanceRecommendation', message: `${message.detail} (instance ${instanceId}); nothing done` });
        continue;
      }
      if (message.kind === 'ScheduledChange' && message.closed) {
        // The change is over or cancelled: a node waiting for it is not replaced for it any more.
        if (await this.setScheduled(claim.name, undefined)) m.action(this.name, 'scheduled-cleared');
        continue;
      }
      if (object.metadata.deletionTimestamp) continue;
      const why = `${message.kind}: ${message.detail}`;
      if (message.kind === 'ScheduledChange' && message.startsAt !== undefined && message.startsAt - clock.now() > SCHEDULED_CHANGE_LEAD_MS) {
        // Days ahead (AWS Health announces maintenance about two weeks before): replaced gracefully
        // by the disruption planner like a drifted node — its replacement first, within the pool's
        // budgets — instead of draining every listed node at once; drained anyway once the start is
        // within SCHEDULED_CHANGE_LEAD_MS (`dueScheduledChanges`), whatever held the planner back.
        const at = new Date(message.startsAt).toISOString();
        const note = `${why} at ${at}`;
        const before = object.metadata.annotations?.[SCHEDULED_CHANGE_ANNOTATION];
        if ((await this.setScheduled(claim.name, { note, at })) && before !== note) {
          m.action(this.name, 'scheduled');
          events.emit({ object: involved, type: 'Normal', reason: 'ScheduledChange', message: `${note} (instance ${instanceId}); the node is replaced ahead of it within the NodePool's budgets, and drained ${SCHEDULED_CHANGE_LEAD_MS / 60_000} minutes before it at the latest${act ? '' : ' (in optimize mode)'}` });
        }
        continue;
      }
      await this.drainNow(claim, why, instanceId, act, terminatesAt(message, clock.now()));
    }
  }

  /**
   * Claims whose recorded scheduled change starts within SCHEDULED_CHANGE_LEAD_MS (the planner did
   * not replace them in time: a budget, a do-not-disrupt pod) are drained now; a record long past
   * its start (a day) is removed.
   */
  private async dueScheduledChanges(): Promise<void> {
    const { state, clock } = this.options;
    const act = state.config().cluster.mode === 'optimize';
    for (const { object, claim } of state.claims()) {
      const at = Date.parse(object.metadata.annotations?.[SCHEDULED_CHANGE_AT_ANNOTATION] ?? '');
      if (!Number.isFinite(at) || object.metadata.deletionTimestamp) continue;
      const now = clock.now();
      if (now > at + 86_400_000) {
        await this.setScheduled(claim.name, undefined);
        continue;
      }
      if (at - now > SCHEDULED_CHANGE_LEAD_MS) continue;
      const note = object.metadata.annotations?.[SCHEDULED_CHANGE_ANNOTATION] ?? `ScheduledChange at ${new Date(at).toISOString()}`;
      const instanceId = claim.status.providerId ? instanceIdOfProviderId(claim.status.providerId) : claim.name;
      if (!act && this.warned.has(claim.name)) continue;
      this.warned.add(claim.name);
      await this.drainNow(claim, note, instanceId, act, at);
    }
  }

  /** Sets (or, with undefined, removes) a claim's scheduled-change record; whether the claim has it as asked. */
  private async setScheduled(name: string, change: { note: string; at: string } | undefined): Promise<boolean> {
    const written = await updateWithRetry(this.options.client, Refs.nodeClaims, name, undefined, (fresh) => {
      const a = fresh.metadata.annotations ?? {};
      if (change ? a[SCHEDULED_CHANGE_ANNOTATION] === change.note && a[SCHEDULED_CHANGE_AT_ANNOTATION] === change.at : a[SCHEDULED_CHANGE_ANNOTATION] === undefined && a[SCHEDULED_CHANGE_AT_ANNOTATION] === undefined) return undefined;
      if (change && fresh.metadata.deletionTimestamp) return undefined;
      const next = { ...a };
      delete next[SCHEDULED_CHANGE_ANNOTATION];
      delete next[SCHEDULED_CHANGE_AT_ANNOTATION];
      fresh.metadata.annotations = change ? { ...next, [SCHEDULED_CHANGE_ANNOTATION]: change.note, [SCHEDULED_CHANGE_AT_ANNOTATION]: change.at } : next;
      return fresh;
    });
    if (!written) return false;
    const a = written.metadata.annotations ?? {};
    return change ? a[SCHEDULED_CHANGE_ANNOTATION] === change.note : a[SCHEDULED_CHANGE_ANNOTATION] === undefined;
  }

  /**
   * Deletes the claim now so its node is drained before it goes (optimize); observe mode says so.
   * `goesAt`: when the cloud takes the instance, recorded for the hand-off (its pods run until their
   * new capacity is Ready or that time nears; ADR 100).
   */
  private async drainNow(claim: NodeClaim, why: string, instanceId: string, act: boolean, goesAt?: number): Promise<void> {
    const { client, events, controllerMetrics: m } = this.options;
    const node = claim.status.nodeName;
    const involved = node ? nodeRef(node) : nodeClaimRef(claim.name);
    if (!act) {
      m.action(this.name, 'would-drain');
      events.emit({ object: involved, type: 'Warning', reason: 'WouldHandleInterruption', message: `${why} (instance ${instanceId}); in optimize mode its NodeClaim would be deleted now to drain it before it goes (not done: observe mode)` });
      return;
    }
    // Marked first, so whoever looks (kubectl smartscale nodes, a new leader) knows why it went.
    const deadline = goesAt !== undefined && Number.isFinite(goesAt) ? new Date(goesAt).toISOString() : undefined;
    const marked = await updateWithRetry(client, Refs.nodeClaims, claim.name, undefined, (fresh) => {
      const a = fresh.metadata.annotations ?? {};
      if (fresh.metadata.deletionTimestamp || (a[INTERRUPTION_ANNOTATION] === why && a[TERMINATES_AT_ANNOTATION] === deadline)) return undefined;
      const next: Record<string, string> = { ...a, [INTERRUPTION_ANNOTATION]: why };
      if (deadline) next[TERMINATES_AT_ANNOTATION] = deadline;
      else delete next[TERMINATES_AT_ANNOTATION];
      fresh.metadata.annotations = next;
      return fresh;
    });
    if (!marked || marked.metadata.deletionTimestamp) return;
    if (!(await client.delete(Refs.nodeClaims, claim.name))) return;
    m.action(this.name, 'drain');
    const text = deadline
      ? `${why} (instance ${instanceId}); NodeClaim ${claim.name} deleted: the node is cordoned and its pods' new capacity launched now; they run where they are until it is Ready or the instance's end (${deadline}) nears`
      : `${why} (instance ${instanceId}); NodeClaim ${claim.name} deleted: the node is drained now and its pods get capacity elsewhere`;
    events.emit({ object: involved, type: 'Warning', reason: 'Interrupted', message: text });
    if (node) events.emit({ object: nodeClaimRef(claim.name), type: 'Warning', reason: 'Interrupted', message: text });
  }
}
