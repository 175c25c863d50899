/**
 * The node claim lifecycle: launch → register → initialize → terminate.
 *
 * - A claim without a provider ID is launched through the CloudProvider. `create` is idempotent by
 *   claim name, so a controller that died between launching and recording simply launches again
 *   and gets the same instance back (no duplicate, no leak).
 * - Insufficient capacity: the offerings tried are excluded for a while (UnavailableOfferings) and
 *   the claim is deleted, so the provisioner re-plans on what the cloud can sell.
 * - An invalid claim (no node class, no image, no subnet in the zone, a request EC2 rejects as
 *   invalid or unauthorized — `isPermanentLaunchError`): deleted too, and its
 *   pool + requirements backed off (LaunchBackoff, doubling) with a Warning on the NodePool, so
 *   the provisioner does not ask again every pass; a successful launch forgets it. The backoff is
 *   written to the NodePool's `status.launchRefusals` before the claim is deleted (after a fresh
 *   read, in order with the provisioner's writes: LaunchRefusalSync), so a leader that takes over
 *   right after still honours it (ADR 095).
 * - Registered once a Node with the claim's provider ID exists and carries the labels the launch
 *   decided (type, zone, capacity type, the type's family/size/…, the pool's labels) and the
 *   claim's taints: the controller patches them on, as Karpenter's registration does, since a
 *   kubelet may not set most of them. Initialized once it is Ready and none of the claim's startup
 *   taints (copied from the pool; the kubelet registers with them, another agent removes them) is
 *   left on it. A
 *   claim whose node never registers within `registrationTimeoutMs` is deleted (and terminated).
 * - A deleted claim (finalizer `smartscale.io/termination`), whoever deleted it — a user's
 *   `kubectl delete nodeclaim`, the disruption loop, garbage collection — is terminated as
 *   Karpenter's termination finalizer does: its Node cordoned and drained through the Eviction API
 *   (a PodDisruptionBudget's 429 → try again next pass; do-not-disrupt pods are not evicted but
 *   waited for), and only when no workload pod is left (terminating ones included) the Node is
 *   deleted, the instance terminated and, last, the finalizer removed. Every step is read back
 *   from the API (deletionTimestamp, the cordon), so a restarted controller or a new leader resumes
 *   a drain where it stood. The wait is bounded by `terminationGracePeriodMs` counted from the
 *   claim's deletionTimestamp (default 1 h): past it the remaining pods are deleted and the
 *   termination goes on (docs/adr/094-drains-watchdog-and-replacements.md).
 */
import { isInsufficientCapacityError, isNodeClaimNotFoundError, isPermanentLaunchError } from '../cloud/errors.js';
import type { CloudProvider } from '../cloud/provider.js';
import type { LaunchBackoff, UnavailableOfferings } from '../cloud/unavailable-offerings.js';
import type { InstanceType } from '../model/instance-type.js';
import { isNotFound, type KubeObject } from '../kube/client.js';
import { patchStatus, patchStatusWithRetry, updateWithRetry } from '../kube/patch.js';
import { Refs } from '../kube/refs.js';
import { isConditionTrue, type NodeClaim, type NodeClaimCondition } from '../model/node-claim.js';
import { CLAIM_REASON_LABEL, claimProblem, labelChanges, launchKey, missingTaints, registrationLabels, remainingStartupTaints, TERMINATION_FINALIZER } from './claims.js';
import { nodePoolRef } from './provisioner.js';
import { cordon, evictPods, isCordoned, isDoNotDisrupt, isStuckTerminating, isTerminating, podName, podsToDrain } from './drain.js';
import { runLimited } from './forecaster.js';
import type { LaunchRefusalSync } from './launch-refusal-sync.js';
import type { Loop } from './loop.js';
import { isActivePod, isNodeReady, isReschedulable, nodeClaimFromObject, nodeClaimStatusObject, podFromObject, withConditionObject } from './objects.js';
import { handoff, podGraceMs } from '../disruption/handoff.js';
import { TERMINATES_AT_ANNOTATION } from '../cloud/interruption.js';
import type { ExistingNode } from '../model/node.js';
import { podKey, type Pod } from '../model/pod.js';
import { solve } from '../scheduling/solver.js';
import { nodeSnapshot } from './snapshot.js';
import { HandOffHolds } from './handoff-holds.js';
import type { NodeLoopDependencies } from './loop-dependencies.js';

export interface LifecycleOptions extends NodeLoopDependencies {
  /** Launches refused as invalid, shared with the provisioner (which waits before asking again). */
  launchBackoff: LaunchBackoff;
  /** The same backoff as the NodePools' `status.launchRefusals` show it (shared with the provisioner). */
  launchRefusals: LaunchRefusalSync;
  /** Default 15 minutes. */
  registrationTimeoutMs?: number;
  /** Launches in flight at once (default 10). */
  launchConcurrency?: number;
  /**
   * How long a deleted claim's drain may wait (PDBs, do-not-disrupt pods, slow pods), from its
   * deletionTimestamp; then the remaining pods are deleted and the instance terminated. Default 1 h.
   */
  terminationGracePeriodMs?: number;
}

export const DEFAULT_TERMINATION_GRACE_PERIOD_MS = 60 * 60_000;

/** How long a claim smartscale made may wait for its pool to be valid again before it is deleted. */
export const NOT_LAUNCHED_GRACE_MS = 5 * 60_000;


/** How long a pod whose eviction was accepted is not evicted again while the cache catches up. */
export const EVICTION_ECHO_MS = 30_000;

export function nodeClaimRef(name: string) {
  return { apiVersion: 'smartscale.io/v1', kind: 'NodeClaim', name };
}

export class NodeClaimLifecycleLoop implements Loop {
  readonly name = 'node-claim-lifecycle';
  readonly leaderOnly = true;
  readonly intervalMs: number;
  /** Launches this process has in flight (a trigger during a launch must not start a second one). */
  private readonly launching = new Set<string>();
  /** Launched and recorded by us, but the informer has not shown the status yet: not launched again. */
  private readonly recorded = new Set<string>();
  /** Pods evicted (or, past the grace period, deleted) while terminating claims (tests). */
  readonly evicted: string[] = [];
  /**
   * Ready, schedulable nodes and the pods waiting for room (pending, and moved by hand-offs this
   * pass), read once per pass when a hand-off asks.
   */
  private ready: { nodes: ExistingNode[]; waiting: Pod[] } | undefined;
  /** Interrupted claims' hand-offs: waiting (announced once) or evicting (counted once). */
  private readonly handingOver = new Map<string, 'waiting' | 'evicting'>();
  /** The pods the current pass's hand-offs found room for, by pod name (recorded once evicted). */
  private movedThisPass = new Map<string, { pod: Pod; ownerUid: string; uid: string }>();
  /**
   * Pods a hand-off evicted: their room stays taken until their successor shows (handoff-holds.ts).
   * Once the evicted pod is gone, the cache may not show its successor yet; without this, the room
   * it was moved for looks free and a second pod is evicted for it.
   */
  private readonly handedOff = new HandOffHolds();
  /**
   * Evictions the API accepted, by pod UID, with when: the cache may show the pod as it was (not
   * yet terminating) for a moment, and it is not evicted (and counted) again meanwhile.
   */
  private readonly acceptedEvictions = new Map<string, number>();

  constructor(private readonly options: LifecycleOptions) {
    this.intervalMs = options.intervalMs ?? 5_000;
  }

  async reconcile(): Promise<void> {
    this.ready = undefined;
    this.movedThisPass = new Map();
    const claims = this.options.state.claims();
    const nodesByProvider = new Map<string, KubeObject>();
    for (const n of this.options.state.nodes.list()) if (n.spec?.providerID) nodesByProvider.set(n.spec.providerID, n);
    const names = new Set(claims.map((c) => c.claim.name));
    for (const { claim } of claims) if (claim.status.providerId) this.recorded.delete(claim.name);
    for (const name of [...this.recorded]) if (!names.has(name)) this.recorded.delete(name);
    const validPools = this.options.state.validNodePoolNames();
    const toLaunch = claims.filter(
      ({ object, claim }) => !object.metadata.deletionTimestamp && !claim.status.providerId && !this.launching.has(claim.name) && !this.recorded.has(claim.name) && this.launchable(object, claim, validPools),
    );
    for (const name of this.refusedSpecs.keys()) if (!names.has(name)) this.refusedSpecs.delete(name);
    const abandoned = this.abandonedClaims;
    this.abandonedClaims = [];
    for (const name of abandoned) {
      await this.options.client.delete(Refs.nodeClaims, name);
      this.options.controllerMetrics.action(this.name, 'not-launchable-deleted');
      this.options.events.emit({ object: nodeClaimRef(name), type: 'Warning', reason: 'NotLaunched', message: `its NodePool stayed missing or invalid for ${NOT_LAUNCHED_GRACE_MS / 60_000} minutes: claim deleted` });
    }
    await runLimited(toLaunch, this.options.launchConcurrency ?? 10, ({ claim }) => this.launch(claim));
    let types: Promise<InstanceType[]> | undefined;
    const typeLabels = async (name: string | undefined) => {
      types ??= this.options.cloud.getInstanceTypes();
      return { ...(await types).find((t) => t.name === name)?.labels };
    };
    for (const { object, claim } of claims) {
      if (object.metadata.deletionTimestamp) await this.terminate(object, claim, nodesByProvider);
      else if (claim.status.providerId) await this.track(claim, nodesByProvider.get(claim.status.providerId), typeLabels);
    }
    for (const name of this.handingOver.keys()) if (!names.has(name)) this.handingOver.delete(name);
  }

  /** Claims of ours `launchable` gave up on this pass: deleted after the filter. */
  private abandonedClaims: string[] = [];
  /** Claims not launched because of their spec: the problem said (once each) and since when (clock ms). */
  private readonly refusedSpecs = new Map<string, { problem: string; since: number }>();

  /**
   * Whether the claim may be launched; a claim smartscale cannot launch is said once (Warning
   * Event), not launched. One smartscale made itself (its claim-reason label) whose pool stays
   * missing or invalid for NOT_LAUNCHED_GRACE_MS is deleted — a pool deleted or broken under its
   * launching claims; the termination still finds an instance launched before a crash by the
   * claim's name. A claim made by hand is left to its owner.
   */
  private launchable(object: KubeObject, claim: NodeClaim, validPools: ReadonlySet<string>): boolean {
    const problem = claimProblem(object, validPools);
    if (!problem) {
      this.refusedSpecs.delete(claim.name);
      return true;
    }
    const now = this.options.clock.now();
    const known = this.refusedSpecs.get(claim.name);
    if (known?.problem !== problem) {
      this.refusedSpecs.set(claim.name, { problem, since: known?.since ?? now });
      this.options.controllerMetrics.action(this.name, 'not-launchable');
      const ours = object.metadata.labels?.[CLAIM_REASON_LABEL] !== undefined;
      this.options.events.emit({ object: nodeClaimRef(claim.name), type: 'Warning', reason: 'NotLaunched', message: `${problem}; not launched (${ours ? `deleted in ${NOT_LAUNCHED_GRACE_MS / 60_000} minutes unless it is fixed` : 'delete the claim, or fix it'})` });
    } else if (object.metadata.labels?.[CLAIM_REASON_LABEL] !== undefined && now - known.since >= NOT_LAUNCHED_GRACE_MS) {
      this.refusedSpecs.delete(claim.name);
      this.abandonedClaims.push(claim.name);
    }
    return false;
  }

  private condition(type: NodeClaimCondition['type'], reason: string, message?: string): NodeClaimCondition {
    return { type, status: 'True', reason, ...(message ? { message } : {}), lastTransitionTime: this.options.clock.now() };
  }

  private async launch(claim: NodeClaim): Promise<void> {
    const { cloud, client, events, controllerMetrics: m } = this.options;
    this.launching.add(claim.name);
    try {
      let launched: NodeClaim;
      const key = launchKey(claim.spec.nodePool, claim.spec.requirements);
      try {
        launched = await cloud.create(claim);
      } catch (error) {
        if (isInsufficientCapacityError(error) || isPermanentLaunchError(error)) {
          if (isInsufficientCapacityError(error)) this.options.unavailable.markUnavailable(error.offerings);
          else await this.refused(claim, key, error);
          m.action(this.name, isInsufficientCapacityError(error) ? 'insufficient-capacity' : 'invalid-claim');
          events.emit({ object: nodeClaimRef(claim.name), type: 'Warning', reason: isInsufficientCapacityError(error) ? 'InsufficientCapacity' : 'InvalidNodeClaim', message: `${(error as Error).message}; deleting the claim to re-plan` });
          await client.delete(Refs.nodeClaims, claim.name);
          return;
        }
        throw error;
      }
      this.options.launchBackoff.succeeded(key);
      await patchStatus(client, Refs.nodeClaims, claim.name, undefined, nodeClaimStatusObject(launched));
      this.recorded.add(claim.name);
      m.action(this.name, 'launch');
      events.emit({
        object: nodeClaimRef(claim.name),
        type: 'Normal',
        reason: 'Launched',
        message: `launched ${launched.status.instanceType} in ${launched.status.zone} (${launched.status.capacityType}, $${launched.status.pricePerHour}/h): ${launched.status.providerId}`,
      });
    } finally {
      this.launching.delete(claim.name);
    }
  }

  /**
   * The cloud refused the claim as invalid: asking again the same way cannot work until the
   * configuration changes, so the provisioner waits (doubling) before planning it again, and the
   * NodePool's owner is told why.
   */
  private async refused(claim: NodeClaim, key: string, error: Error): Promise<void> {
    const pool = claim.spec.nodePool;
    // Read afresh first (a leader that just took over continues the previous one's doubling and
    // keeps its other items), then recorded and written, in order with the provisioner's writes.
    // Best effort: should the write fail, the provisioner writes the same list on its next pass.
    const { entry, result, error: notPersisted } = await this.options.launchRefusals.refused(pool, key, error.message);
    if (notPersisted || result?.gone) this.options.controllerMetrics.action(this.name, result?.gone ? 'refusal-pool-gone' : 'refusal-not-persisted');
    const wait = Math.round((entry.retryAt - this.options.clock.now()) / 1000);
    this.options.events.emit({
      object: nodePoolRef(claim.spec.nodePool),
      type: 'Warning',
      reason: 'InvalidNodeClaim',
      message: `the cloud refused a launch for this pool: ${error.message}; not asking again for ${wait} s (refusal ${entry.failures} in a row)`,
    });
  }

  private async track(claim: NodeClaim, node: KubeObject | undefined, typeLabels: (instanceType: string | undefined) => Promise<Record<string, string>>): Promise<void> {
    const { client, clock, events, controllerMetrics: m } = this.options;
    if (!node) {
      const launchedAt = claim.status.conditions.find((c) => c.type === 'Launched')?.lastTransitionTime ?? claim.createdAt;
      if (!isConditionTrue(claim, 'Registered') && clock.now() - launchedAt > (this.options.registrationTimeoutMs ?? 15 * 60_000)) {
        events.emit({ object: nodeClaimRef(claim.name), type: 'Warning', reason: 'RegistrationTimeout', message: `no node registered for ${claim.status.providerId}; deleting the claim` });
        m.action(this.name, 'registration-timeout');
        await client.delete(Refs.nodeClaims, claim.name);
      }
      return;
    }
    const set: NodeClaimCondition[] = [];
    if (!isConditionTrue(claim, 'Registered')) {
      if (!(await this.register(claim, node, typeLabels))) return;
      set.push(this.condition('Registered', 'Registered'));
      m.action(this.name, 'registered');
    }
    if (!isConditionTrue(claim, 'Initialized') && isNodeReady(node) && remainingStartupTaints(node.spec?.taints ?? [], claim).length === 0) {
      set.push(this.condition('Initialized', 'Ready'));
      m.action(this.name, 'initialized');
      const startup = claim.spec.startupTaints?.length ? ` and its startup taints (${claim.spec.startupTaints.map((t) => t.key).join(', ')}) are gone` : '';
      events.emit({ object: nodeClaimRef(claim.name), type: 'Normal', reason: 'Initialized', message: `node ${node.metadata.name} is Ready${startup}` });
    }
    if (set.length === 0 && claim.status.nodeName === node.metadata.name) return;
    // Read-modify-write: only this loop's conditions and the node name change; a condition another
    // loop wrote since this pass's snapshot (the cloud drift loop's Drifted) stays.
    await patchStatusWithRetry(client, Refs.nodeClaims, claim.name, undefined, (fresh) => {
      let conditions = fresh.status?.conditions;
      const stored = nodeClaimFromObject(fresh).status.conditions;
      for (const c of set) {
        const before = stored.find((x) => x.type === c.type);
        if (before?.status !== 'True') conditions = withConditionObject({ conditions }, c.type, c);
      }
      if (conditions === fresh.status?.conditions && fresh.status?.nodeName === node.metadata.name) return undefined;
      return { ...fresh.status, nodeName: node.metadata.name, conditions: conditions ?? [] };
    });
  }

  /**
   * Karpenter's registration step: the Node gets the labels the launch decided and the claim's
   * taints it lacks, once, before the claim is Registered (so a failed patch is retried next pass
   * and a restarted controller repeats it harmlessly). A label the kubelet already set with
   * another value is left as it is — the kubelet describes the machine it runs on — with a
   * Warning Event. False when the Node is gone.
   */
  private async register(claim: NodeClaim, node: KubeObject, typeLabels: (instanceType: string | undefined) => Promise<Record<string, string>>): Promise<boolean> {
    const { client, events, controllerMetrics: m } = this.options;
    const name = node.metadata.name!;
    const { missing, conflicting } = labelChanges(node.metadata.labels ?? {}, registrationLabels(claim, await typeLabels(claim.status.instanceType)));
    if (conflicting.length > 0) {
      m.action(this.name, 'label-conflict', conflicting.length);
      events.emit({
        object: nodeClaimRef(claim.name),
        type: 'Warning',
        reason: 'LabelConflict',
        message: `node ${name} registered with ${conflicting.map((c) => `${c.key}=${c.node}`).join(', ')}; the claim says ${conflicting.map((c) => `${c.key}=${c.claim}`).join(', ')}: kept the node's values`,
      });
    }
    try {
      // A merge patch of labels carries no resourceVersion: it cannot conflict with the kubelet's status updates.
      if (Object.keys(missing).length > 0) await client.patch(Refs.nodes, name, undefined, { metadata: { labels: missing } }, 'merge');
      if (missingTaints(node.spec?.taints ?? [], claim.spec.taints).length > 0) {
        // The taint list is replaced whole, so read-modify-write on a fresh copy (a merge patch would drop taints added meanwhile).
        await updateWithRetry(client, Refs.nodes, name, undefined, (fresh) => {
          const add = missingTaints(fresh.spec?.taints ?? [], claim.spec.taints);
          if (add.length === 0) return undefined;
          fresh.spec = { ...fresh.spec, taints: [...(fresh.spec?.taints ?? []), ...add.map((t) => ({ ...t }))] };
          return fresh;
        });
      }
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    if (Object.keys(missing).length > 0) m.action(this.name, 'registration-labels', Object.keys(missing).length);
    return true;
  }

  private async terminate(object: KubeObject, claim: NodeClaim, nodesByProvider: Map<string, KubeObject>): Promise<void> {
    if (!(object.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) return;
    const { client, cloud, events, controllerMetrics: m } = this.options;
    const node = claim.status.providerId ? nodesByProvider.get(claim.status.providerId) : undefined;
    if (node && !node.metadata.deletionTimestamp) {
      if (!(await this.drain(object, claim, node.metadata.name!))) return;
      await client.delete(Refs.nodes, node.metadata.name!);
    }
    try {
      // Without a provider ID the launch may still have happened (a crash before recording): the
      // cloud finds the instance by claim name.
      await cloud.delete(claim);
      m.action(this.name, 'terminate');
      events.emit({ object: nodeClaimRef(claim.name), type: 'Normal', reason: 'Terminated', message: `terminated ${claim.status.providerId ?? 'instance'}` });
    } catch (error) {
      if (!isNodeClaimNotFoundError(error)) throw error;
    }
    await updateWithRetry(client, Refs.nodeClaims, claim.name, undefined, (fresh) => {
      const finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== TERMINATION_FINALIZER);
      if (finalizers.length === (fresh.metadata.finalizers ?? []).length) return undefined;
      fresh.metadata.finalizers = finalizers;
      return fresh;
    });
  }

  /**
   * One drain pass over a deleted claim's node; true once nothing is left to wait for. Waits for
   * the cache to show the pods gone rather than trusting an accepted eviction: a pod in its
   * graceful shutdown still runs on the instance.
   */
  private async drain(object: KubeObject, claim: NodeClaim, node: string): Promise<boolean> {
    const { client, clock, state, events, controllerMetrics: m } = this.options;
    if (!isCordoned(state.nodes.get(node))) {
      const cordoned = await cordon(client, node);
      if (cordoned === 'gone') return true;
      if (cordoned === 'cordoned') {
        m.action(this.name, 'cordon');
        events.emit({ object: nodeClaimRef(claim.name), type: 'Normal', reason: 'Draining', message: `NodeClaim deleted: node ${node} cordoned; evicting its pods before terminating the instance` });
      }
    }
    const pods = podsToDrain(state, node).filter((p) => !isStuckTerminating(p, clock.now()));
    if (pods.length === 0) return true;
    const deletedAt = Date.parse(object.metadata.deletionTimestamp!);
    const grace = this.options.terminationGracePeriodMs ?? DEFAULT_TERMINATION_GRACE_PERIOD_MS;
    const waiting = pods.filter((p) => !isTerminating(p));
    if (Number.isFinite(deletedAt) && clock.now() - deletedAt >= grace) {
      for (const p of waiting) await client.delete(Refs.pods, p.metadata.name!, p.metadata.namespace);
      this.evicted.push(...waiting.map(podName));
      if (waiting.length > 0) m.action(this.name, 'grace-period-delete', waiting.length);
      events.emit({
        object: nodeClaimRef(claim.name),
        type: 'Warning',
        reason: 'TerminationGracePeriodElapsed',
        message: `drain of ${node} not finished after ${Math.round(grace / 1000)} s: deleted ${waiting.length} pod(s), terminating the instance`,
      });
      return true;
    }
    // do-not-disrupt pods are never evicted: they hold the node until they finish or the grace period ends.
    const now = clock.now();
    for (const [uid, at] of this.acceptedEvictions) if (now - at > EVICTION_ECHO_MS) this.acceptedEvictions.delete(uid);
    const leaving = (p: KubeObject) => this.acceptedEvictions.has(p.metadata.uid ?? '');
    const movable = this.handOver(object, claim, node, waiting.filter((p) => !isDoNotDisrupt(p) && !leaving(p)));
    // Each accepted eviction recorded as it happens: an error on a later pod must not lose it.
    await evictPods(client, [...movable], (p) => {
      const name = podName(p);
      this.evicted.push(name);
      m.action(this.name, 'evict');
      if (p.metadata.uid) this.acceptedEvictions.set(p.metadata.uid, now);
      const moved = this.movedThisPass.get(name);
      if (moved) this.handedOff.add(name, { ...moved, at: now });
    });
    return false;
  }

  /**
   * An interrupted node's hand-off (ADR 100): which of its pods are evicted now. With the time the
   * instance goes on the claim, each pod its controller will run again keeps running until it fits
   * on Ready nodes elsewhere (next to the pods already waiting for room, and those this pass moved
   * from other nodes), all of them once only their graceful shutdown and a margin remain; without
   * it (or unreadable), all at once.
   */
  private handOver(object: KubeObject, claim: NodeClaim, node: string, pods: readonly KubeObject[]): readonly KubeObject[] {
    const { clock, events, controllerMetrics: m } = this.options;
    const raw = object.metadata.annotations?.[TERMINATES_AT_ANNOTATION];
    if (raw === undefined || pods.length === 0) return pods;
    const deadline = Date.parse(raw);
    const decision = handoff({ now: clock.now(), deadline: Number.isFinite(deadline) ? deadline : undefined, longestGraceMs: Math.max(0, ...pods.map((p) => podGraceMs(p.spec))) });
    if (decision.evict === 'all') {
      if (this.handingOver.get(claim.name) !== 'evicting') {
        this.handingOver.set(claim.name, 'evicting');
        m.action(this.name, `handoff-${decision.why}`);
      }
      return pods;
    }
    // A pod evicted by an earlier pass that the cache still shows is on its way out, not to move again.
    const fitting = this.fitOnReadyNodes(pods.filter((p) => isReschedulable(p) && !this.handedOff.has(podName(p))));
    if (fitting.length > 0) {
      m.action(this.name, 'handoff-moved', fitting.length);
      if (fitting.length === pods.length && this.handingOver.get(claim.name) !== 'evicting') {
        this.handingOver.set(claim.name, 'evicting');
        m.action(this.name, 'handoff-capacity-ready');
      }
      return fitting;
    }
    if (!this.handingOver.has(claim.name)) {
      this.handingOver.set(claim.name, 'waiting');
      m.action(this.name, 'handoff-wait');
      events.emit({
        object: nodeClaimRef(claim.name),
        type: 'Normal',
        reason: 'HandingOver',
        message: `node ${node} cordoned; its ${pods.length} pod(s) keep running until they fit on Ready nodes elsewhere, evicted by ${new Date(decision.until).toISOString()} at the latest (the instance goes at ${raw})`,
      });
    }
    return [];
  }

  /**
   * The pods that fit on Ready, schedulable nodes now (no new node), after the pending pods, the
   * pods already on their way out of nodes being deleted (evicted by an earlier pass, their
   * successors perhaps not created yet: without them, the room one took would be handed out twice)
   * and the pods this pass already moved; those that fit count as moved for the next node's check.
   */
  private fitOnReadyNodes(pods: readonly KubeObject[]): KubeObject[] {
    if (pods.length === 0) return [];
    const volumes = this.options.state.volumeLookup();
    if (!this.ready) {
      const snap = nodeSnapshot(this.options.state, []);
      const leaving = this.leavingPods().map((p) => {
        const { nodeName: _bound, ...pod } = podFromObject(p, volumes);
        return pod;
      });
      const leavingNames = new Set(leaving.map(podKey));
      const held = this.handedOff.held(this.options.state.pods.list(), this.options.clock.now()).filter((p) => !leavingNames.has(podKey(p)));
      this.ready = { nodes: snap.nodes.filter((n) => n.initialized && !n.unschedulable), waiting: [...snap.pending, ...leaving, ...held] };
    }
    const candidates = pods.map((p) => {
      const { nodeName: _bound, ...pod } = podFromObject(p, volumes);
      return pod;
    });
    const result = solve({ pods: [...this.ready.waiting, ...candidates], existingNodes: this.ready.nodes, nodePools: [], instanceTypes: [] });
    const placed = new Set(result.placements.map((p) => p.pod));
    const fitting = pods.filter((_, i) => placed.has(podKey(candidates[i])));
    this.ready.waiting.push(...candidates.filter((c) => placed.has(podKey(c))));
    pods.forEach((p, i) => {
      const ownerUid = (p.metadata.ownerReferences ?? []).find((r) => r.controller)?.uid;
      if (placed.has(podKey(candidates[i])) && ownerUid) this.movedThisPass.set(podName(p), { pod: candidates[i], ownerUid, uid: p.metadata.uid ?? '' });
    });
    return fitting;
  }


  /**
   * Terminating pods on nodes whose claim is being deleted, that a controller (not a DaemonSet or
   * the node itself) will run again: while they finish, their successors may not exist yet. Counted
   * until they are gone, so for a grace period their room may be held twice (the successor's too).
   */
  private leavingPods(): KubeObject[] {
    const deleting = new Set(
      this.options.state
        .claims()
        .filter((c) => c.object.metadata.deletionTimestamp && c.claim.status.nodeName)
        .map((c) => c.claim.status.nodeName as string),
    );
    if (deleting.size === 0) return [];
    return this.options.state.pods.list().filter((p) => {
      if (!p.metadata.deletionTimestamp || !deleting.has(p.spec?.nodeName) || !isActivePod(p)) return false;
      const owner = (p.metadata.ownerReferences ?? []).find((r) => r.controller);
      return owner !== undefined && owner.kind !== 'DaemonSet' && owner.kind !== 'Node' && owner.kind !== 'StatefulSet';
    });
  }
}
