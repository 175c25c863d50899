/**
 * The disruption loop carries out the planner's decisions (core/disruption): emptiness, expiry,
 * consolidation — forecast-aware, within budgets, PDBs and do-not-disrupt.
 *
 * - Re-validated before acting: a decision is only carried out if the planner, run again on a
 *   fresh snapshot at least `validationMs` later, still names the same nodes.
 * - Replacements first: when a decision needs new nodes, they are launched as claims and nothing
 *   is drained until they are Ready (the planner then finds the pods fit without new nodes).
 * - Drain (core/controllers/drain.ts, shared with the lifecycle's termination): cordon
 *   (unschedulable + `smartscale.io/disrupted` taint), evict every workload pod through the
 *   Eviction API — the API server refuses (429) what a PodDisruptionBudget protects, and we wait —
 *   and never evict a do-not-disrupt pod (the drain is abandoned, the node uncordoned). Empty →
 *   the NodeClaim is deleted and the lifecycle terminates the instance.
 * - Bounded rate: at most `maxDisruptions` nodes draining at once, one new decision per pass.
 * - Observe mode (the cluster's): empty nodes are removed (nothing is evicted); every other decision
 *   — consolidation that moves pods, expiry, drift — is a `WouldDisrupt` Event, said once while it
 *   stands. A drain under way (started in optimize mode, or adopted) stops before evicting anything
 *   more: the node is uncordoned.
 * - A new leader resumes the drains of nodes carrying the taint; their timeout counts from the
 *   cordon (the node's `smartscale.io/drain-started-at`), not from the new leader's start. A drain
 *   this process abandoned is not resumed from a cache that has not seen the uncordon yet.
 */
import { Refs } from '../kube/refs.js';
import { planDisruption, withTypeOptions } from '../disruption/planner.js';
import type { DisruptionDecision } from '../disruption/types.js';
import type { ExistingNode } from '../model/node.js';
import { isConditionTrue } from '../model/node-claim.js';
import type { PlannedNodeClaim } from '../scheduling/types.js';
import { CLAIM_REASON_LABEL, claimName, claimProblem, nodeClaimObject } from './claims.js';
import type { ClusterState } from './cluster-state.js';
import type { Loop } from './loop.js';
import { cordon, DRAIN_STARTED_ANNOTATION, drainStartedAt, evictPods, hasDisruptionTaint, isCordoned, isDoNotDisrupt, isTerminating, podName, podsToDrain, uncordon } from './drain.js';
import { pdbFromObject } from './objects.js';
import { instanceTypesByPool, nodeSnapshot, planningTypesByPool, predictedWorkloads } from './snapshot.js';
import type { NodeLoopDependencies } from './loop-dependencies.js';

export interface DisruptionLoopOptions extends NodeLoopDependencies {
  /** Default 15 s (Karpenter's consolidation validation period). */
  validationMs?: number;
  /** A drain not finished after this is abandoned and the node uncordoned (default 10 min). */
  drainTimeoutMs?: number;
}

interface Draining {
  node: string;
  claim: string;
  startedAt: number;
  decision: DisruptionDecision;
  /**
   * The cache has shown the node cordoned by us since the drain began (at once for an adopted
   * drain). Until then an uncordoned copy is only the cache lagging behind our own cordon; after,
   * it means someone uncordoned the node, which stops the drain.
   */
  confirmed: boolean;
}

/** How a drain that will not finish ends: the Event and the action counted. */
interface Ending {
  why: string;
  reason: 'DisruptionBlocked' | 'DisruptionCancelled';
  action: 'drain-abandoned' | 'drain-cancelled';
}

const blocked = (why: string): Ending => ({ why, reason: 'DisruptionBlocked', action: 'drain-abandoned' });

/** Replacement claims not yet Initialized (node Ready) and not being deleted. */
export function pendingReplacements(state: ClusterState): string[] {
  const validPools = state.validNodePoolNames();
  return state
    .claims()
    .filter(({ object, claim }) => object.metadata.labels?.[CLAIM_REASON_LABEL] === 'replacement' && !object.metadata.deletionTimestamp && !isConditionTrue(claim, 'Initialized'))
    // One the lifecycle will not launch (its pool deleted or invalid) holds nothing back: it never gets Ready.
    .filter(({ object, claim }) => claim.status.providerId !== undefined || claimProblem(object, validPools) === undefined)
    .map(({ claim }) => claim.name);
}

/** The planned claim with only the instance types whose acceptable offering costs less than `price`; undefined if none. */
export function cheaperThan(planned: PlannedNodeClaim, price: number): PlannedNodeClaim | undefined {
  if (price === Infinity) return planned;
  const options = planned.instanceTypeOptions.filter((o) => o.offering.pricePerHour < price);
  return options.length === 0 ? undefined : withTypeOptions(planned, options);
}

/**
 * The nodes the planner sees: not those being drained, and a node without a NodeClaim only as a
 * place for pods — it keeps no pool. Only a claim's deletion removes a node, so a node that merely
 * carries a pool's label (`karpenter.sh/nodepool`: one Karpenter launched, in a migration) could be
 * chosen every pass and never carried out, holding every other decision back.
 */
export function plannerNodes(nodes: readonly ExistingNode[], claimByNode: ReadonlyMap<string, unknown>, draining: ReadonlyMap<string, unknown>): ExistingNode[] {
  return nodes.filter((n) => !draining.has(n.name)).map((n) => (n.nodePool !== undefined && !claimByNode.has(n.name) ? { ...n, nodePool: undefined } : n));
}

/** A Node as the object of an Event. */
export function nodeRef(name: string) {
  return { apiVersion: 'v1', kind: 'Node', name };
}

export class DisruptionLoop implements Loop {
  readonly name = 'disruption';
  readonly leaderOnly = true;
  readonly intervalMs: number;
  private candidate: { nodes: string; at: number } | undefined;
  private readonly draining = new Map<string, Draining>();
  /**
   * Nodes whose drain this process abandoned (uncordoned) while its cache may still show them
   * cordoned: not adopted again until the cache shows the taint gone (else the stale copy would
   * restart the drain on an uncordoned node and evict its pods).
   */
  private readonly abandoned = new Set<string>();
  /**
   * Abandoned drains whose uncordon failed (API error), with why they were abandoned and when the
   * drain started: retried first thing every pass. Without it the node would stay cordoned for
   * good — `abandoned` keeps the drain from being taken up again while the cache shows the taint.
   */
  private readonly uncordonPending = new Map<string, { ending: Ending; startedAt: number }>();
  /**
   * NodeClaims this process deleted at the end of a drain, until its cache shows them deleting or
   * gone: a cache that lags would otherwise show the node still tainted and its claim alive, and
   * the drain would be taken up again (a second delete, a second `Disrupted` Event).
   */
  private readonly deletedClaims = new Set<string>();
  /** Pods evicted, by node (tests and the e2e check PDB-protected pods are never among them). */
  readonly evicted: string[] = [];

  constructor(private readonly options: DisruptionLoopOptions) {
    this.intervalMs = options.intervalMs ?? 10_000;
  }

  /**
   * After a term as leader: another leader may have finished, abandoned or restarted these drains
   * meanwhile. Drains still in progress are adopted again from the nodes' taints on the next pass
   * (their timeout counted from the recorded start), and a candidate is validated afresh.
   */
  forget(): void {
    this.candidate = undefined;
    this.draining.clear();
    this.abandoned.clear();
    this.uncordonPending.clear();
    // deletedClaims stays: it guards against this process's own cache lagging, whoever leads.
  }

  async reconcile(): Promise<void> {
    const { state, clock, cloud } = this.options;
    const config = state.config();
    for (const [node, pending] of [...this.uncordonPending]) {
      // Gone, our taint removed by someone else meanwhile, or cordoned again for another drain
      // (another leader's, while this process was not leading): not ours to undo. A node only
      // marked schedulable again (`kubectl uncordon` leaves our taint) still needs the taint off.
      const cached = state.nodes.get(node);
      const started = cached?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION];
      if (!hasDisruptionTaint(cached) || (started !== undefined && drainStartedAt(cached!, clock.now()) !== pending.startedAt)) this.uncordonPending.delete(node);
      else await this.finishAbandon(node, pending.ending);
    }
    this.adoptDrains();
    for (const d of [...this.draining.values()]) await this.drainStep(d);
    if (this.draining.size >= config.controller.maxDisruptions) return;
    // Replacements launched for a decision: nothing is drained until they are Ready (or gone). Read
    // from the claims' label, not memory, so a new leader waits for the previous one's replacements.
    if (pendingReplacements(state).length > 0) return;
    const { valid: pools } = state.nodePoolsParsed();
    if (pools.length === 0) return;
    const types = await cloud.getInstanceTypes();
    const views = await instanceTypesByPool(cloud, pools, types);
    const snap = nodeSnapshot(state, types, views);
    const byPool = planningTypesByPool(state, pools, types, views);
    const now = clock.now();
    const horizonSeconds = config.controller.forecastStepSeconds * config.controller.horizonSteps;
    // The capacity the provisioner would launch is kept: the target's, and with a provision lead the horizon's peak.
    const predicted = predictedWorkloads(state, config.cluster.mode, Math.floor(now / 1000), config.controller.provisionLeadSeconds > 0 ? horizonSeconds : 0)
      .filter((w) => w.mode === 'optimize')
      .flatMap((w) => w.pods);
    const plan = planDisruption({
      now,
      predictedWindow: config.controller.provisionLeadSeconds > 0 ? { horizonSeconds } : 'lead',
      nodes: [...plannerNodes(snap.nodes, snap.claimByNode, this.draining), ...snap.launching],
      nodePools: pools,
      instanceTypes: types,
      ...(byPool ? { instanceTypesByPool: byPool } : {}),
      ...(snap.newNodeVolumeLimits ? { newNodeVolumeLimits: snap.newNodeVolumeLimits } : {}),
      advertisingNodes: snap.advertising,
      pdbs: state.pdbs.list().map(pdbFromObject),
      predictedPods: predicted,
      spotToSpotConsolidation: config.controller.spotToSpotConsolidation,
      // Pods of nodes being deleted need room too: the nodes that would take them are kept.
      pendingPods: [...snap.pending, ...snap.reschedulable],
      excludedOfferings: this.options.unavailable.excluded(),
    });
    const decision = plan.decision;
    if (!decision) {
      this.candidate = undefined;
      this.lastWould = undefined;
      return;
    }
    // Observe mode evicts nothing: empty nodes go (nothing runs there), anything that would move
    // pods or launch a replacement is only reported.
    if (config.cluster.mode !== 'optimize' && decision.method !== 'Emptiness') {
      this.candidate = undefined;
      this.reportWould(decision);
      return;
    }
    this.lastWould = undefined;
    const key = [...decision.nodes].sort().join(',');
    if (!this.candidate || this.candidate.nodes !== key) {
      this.candidate = { nodes: key, at: now };
      return;
    }
    if (now - this.candidate.at < (this.options.validationMs ?? 15_000)) return;
    this.candidate = undefined;
    const replacedPrice = snap.nodes.filter((n) => decision.nodes.includes(n.name)).reduce((sum, n) => sum + n.pricePerHour, 0);
    await this.act(decision, snap.claimByNode, pools, replacedPrice);
  }

  /** The last decision reported in observe mode (each is said once while it stands). */
  private lastWould: string | undefined;

  private reportWould(decision: DisruptionDecision): void {
    const key = `${decision.method}:${[...decision.nodes].sort().join(',')}`;
    if (this.lastWould === key) return;
    this.lastWould = key;
    const { events, controllerMetrics: m } = this.options;
    m.action(this.name, `would-disrupt-${decision.reason.toLowerCase()}`);
    const first = decision.replacements.length > 0 ? `, launching ${decision.replacements.length} replacement(s) first` : '';
    events.emit({
      object: nodeRef(decision.nodes[0]),
      type: 'Normal',
      reason: 'WouldDisrupt',
      message: `observe mode: would ${decision.method} (${decision.reason}) ${decision.nodes.join(', ')}${first}: ${decision.message}; saves $${decision.savingsPerHour.toFixed(4)}/h (not done: pods are only moved in optimize mode)`.slice(0, 1000),
    });
  }

  /** Nodes a previous leader was draining (cordoned with our taint): finish them. */
  private adoptDrains(): void {
    const { state, clock } = this.options;
    const claims = state.claims();
    const claimByProvider = new Map(claims.filter((c) => c.claim.status.providerId).map((c) => [c.claim.status.providerId!, c]));
    const live = new Set(claims.filter((c) => !c.object.metadata.deletionTimestamp).map((c) => c.claim.name));
    for (const name of [...this.deletedClaims]) if (!live.has(name)) this.deletedClaims.delete(name);
    const names = new Set<string>();
    for (const n of state.nodes.list()) {
      const name = n.metadata.name!;
      names.add(name);
      const tainted = hasDisruptionTaint(n);
      if (!tainted) this.abandoned.delete(name);
      if (this.draining.has(name) || !tainted || this.abandoned.has(name)) continue;
      const claim = typeof n.spec?.providerID === 'string' ? claimByProvider.get(n.spec.providerID) : undefined;
      if (!claim || claim.object.metadata.deletionTimestamp || this.deletedClaims.has(claim.claim.name)) continue;
      const decision: DisruptionDecision = { method: 'Emptiness', reason: 'Empty', nodes: [name], replacements: [], savingsPerHour: 0, message: 'resumed after a leader change' };
      // The timeout counts from the previous leader's cordon: a drain stuck on a PDB is abandoned
      // on time even when leaders change more often than the timeout.
      this.draining.set(name, { node: name, claim: claim.claim.name, startedAt: drainStartedAt(n, clock.now()) ?? clock.now(), decision, confirmed: true });
    }
    for (const name of [...this.abandoned]) if (!names.has(name)) this.abandoned.delete(name);
  }

  private async act(decision: DisruptionDecision, claimByNode: Map<string, { name: string }>, pools: ReturnType<ClusterState['nodePoolsParsed']>['valid'], replacedPrice: number): Promise<void> {
    const { client, events, controllerMetrics: m, clock, state } = this.options;
    if (decision.replacements.length > 0) {
      // A consolidation's replacement must come out cheaper than what it replaces even when the
      // cloud cannot sell the planned type: its fall-back types are limited to cheaper ones (else
      // an insufficient-capacity fall-back could launch a node as dear as the old one, and the
      // next pass would replace that one in turn).
      const cap = decision.reason === 'Underutilized' ? replacedPrice : Infinity;
      const launches = decision.replacements.map((planned) => ({ planned: cheaperThan(planned, cap), pool: pools.find((p) => p.name === planned.nodePool) }));
      if (launches.some((l) => !l.planned || !l.pool)) return;
      for (const { planned, pool } of launches) {
        state.recordCreatedClaim(await client.create(Refs.nodeClaims, nodeClaimObject(planned!, pool!, { name: claimName(pool!.name), predicted: false, reason: 'replacement', replaces: decision.nodes })));
        m.action(this.name, 'launch-replacement');
      }
      events.emit({ object: nodeRef(decision.nodes[0]), type: 'Normal', reason: 'DisruptionLaunchingReplacement', message: `${decision.method}: ${decision.message}; launching ${decision.replacements.length} replacement(s) first` });
      return;
    }
    const max = state.config().controller.maxDisruptions;
    for (const node of decision.nodes) {
      if (this.draining.size >= max) break;
      const claim = claimByNode.get(node);
      if (!claim) continue;
      const startedAt = clock.now();
      this.abandoned.delete(node);
      this.uncordonPending.delete(node);
      if ((await cordon(client, node, startedAt)) === 'gone') continue;
      this.draining.set(node, { node, claim: claim.name, startedAt, decision, confirmed: false });
      m.action(this.name, `disrupt-${decision.reason.toLowerCase()}`);
      events.emit({ object: nodeRef(node), type: 'Normal', reason: 'Disrupting', message: `${decision.method} (${decision.reason}): ${decision.message}` });
    }
  }

  private async abandon(d: Draining, ending: Ending): Promise<void> {
    this.draining.delete(d.node);
    this.abandoned.add(d.node);
    this.uncordonPending.set(d.node, { ending, startedAt: d.startedAt });
    await this.finishAbandon(d.node, ending);
  }

  /** Uncordons an abandoned drain's node; on an API error it stays pending for the next pass. */
  private async finishAbandon(node: string, ending: Ending): Promise<void> {
    const { client, events, controllerMetrics: m } = this.options;
    await uncordon(client, node);
    this.uncordonPending.delete(node);
    m.action(this.name, ending.action);
    events.emit({ object: nodeRef(node), type: ending.reason === 'DisruptionCancelled' ? 'Normal' : 'Warning', reason: ending.reason, message: ending.why });
  }

  private async drainStep(d: Draining): Promise<void> {
    const { client, state, clock, events, controllerMetrics: m } = this.options;
    // Pods already terminating need no eviction; the lifecycle waits for them before terminating the instance.
    const node = state.nodes.get(d.node);
    // Gone, or its claim deleted by someone else (a user, node repair, garbage collection): the
    // lifecycle's termination drains it from here; going on could uncordon a node being terminated.
    const claim = state.nodeClaims.get(d.claim);
    if (!node || claim?.metadata.deletionTimestamp) {
      this.draining.delete(d.node);
      return;
    }
    // Uncordoned by someone else (`kubectl uncordon`, or another leader that abandoned the drain
    // while this process was not leading): stopped, nothing more evicted, our taint removed too.
    if (isCordoned(node)) d.confirmed = true;
    else if (d.confirmed) {
      return this.abandon(d, { why: 'node uncordoned by someone else: drain stopped, the node stays', reason: 'DisruptionCancelled', action: 'drain-cancelled' });
    }
    const pods = podsToDrain(state, d.node).filter((p) => !isTerminating(p));
    // Observe mode evicts nothing: a drain started in optimize mode, or adopted from a previous
    // leader, stops once it would move a pod (an empty node still goes).
    if (pods.length > 0 && state.config().cluster.mode !== 'optimize') {
      return this.abandon(d, { why: `observe mode: ${pods.length} pod(s) would be evicted; drain stopped, the node stays`, reason: 'DisruptionCancelled', action: 'drain-cancelled' });
    }
    const protectedPod = pods.find(isDoNotDisrupt);
    if (protectedPod) return this.abandon(d, blocked(`pod ${podName(protectedPod)} is marked do-not-disrupt`));
    const timeoutMs = this.options.drainTimeoutMs ?? 600_000;
    // Past its timeout (a drain resumed by a new leader, or one a PDB held): abandoned before
    // evicting anything more — pods evicted now would be disrupted for a node that is uncordoned.
    if (pods.length > 0 && clock.now() - d.startedAt > timeoutMs) return this.abandon(d, blocked(`drain did not finish within ${Math.round(timeoutMs / 60_000)} min: ${pods.length} pod(s) left`));
    const { evicted, blocked: held } = await evictPods(client, pods);
    this.evicted.push(...evicted);
    if (evicted.length > 0) m.action(this.name, 'evict', evicted.length);
    if (pods.length > 0) {
      if (clock.now() - d.startedAt > timeoutMs) return this.abandon(d, blocked(`drain did not finish: ${held.length} pod(s) still protected by PodDisruptionBudgets`));
      return;
    }
    await client.delete(Refs.nodeClaims, d.claim);
    this.deletedClaims.add(d.claim);
    this.draining.delete(d.node);
    m.action(this.name, 'delete-claim');
    events.emit({ object: nodeRef(d.node), type: 'Normal', reason: 'Disrupted', message: `drained; deleting NodeClaim ${d.claim} (${d.decision.method}, saves $${d.decision.savingsPerHour.toFixed(4)}/h)` });
  }
}
