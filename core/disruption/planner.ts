/**
 * The disruption planner: which nodes to remove or replace now. Pure: snapshot in, at most one
 * decision out, which the caller re-validates just before acting.
 *
 * Methods run in order and the first that finds something wins:
 *   emptiness → expiration → drift → multi-node consolidation → single-node consolidation.
 * Every decision respects do-not-disrupt, PodDisruptionBudgets and the pools' budgets, and is
 * forecast-aware: pods the forecast (or the pending queue) will need are part of every "does it
 * still fit" check, so capacity launched ahead of demand is not consolidated away before the pods
 * arrive.
 */
import { advertisersOf } from '../model/extended-resources.js';
import { formatDurationMs } from '../model/duration.js';
import type { ExistingNode } from '../model/node.js';
import type { NodePool } from '../model/node-pool.js';
import type { Pod } from '../model/pod.js';
import { solve } from '../scheduling/solver.js';
import type { InstanceTypeOption, PlannedNodeClaim, SchedulingResult } from '../scheduling/types.js';
import { Labels } from '../model/labels.js';
import { findCandidates, poolNodeCounts, violatedPdb, withinBudgets, type Candidate } from './candidates.js';
import { driftOf } from './drift.js';
import type { BlockedNode, DisruptionDecision, DisruptionInput, DisruptionPlan } from './types.js';

/** Largest set multi-node consolidation tries at once (as Karpenter does). */
const MAX_MULTI_NODE = 100;
/** Single-node consolidation looks at this many candidates per pass. */
const MAX_SINGLE_NODE = 50;

export class DisruptionContext {
  readonly pools: Map<string, NodePool>;
  readonly candidates: Candidate[];
  readonly blocked: BlockedNode[];
  readonly counts: Map<string, { total: number; disrupting: number }>;
  /** Forecast and pending pods that today's nodes would hold: they keep that capacity. */
  readonly keptPods: Pod[];

  constructor(readonly input: DisruptionInput) {
    this.pools = new Map(input.nodePools.map((p) => [p.name, p]));
    const { candidates, blocked } = findCandidates(input.nodes, this.pools);
    this.candidates = candidates;
    this.blocked = blocked;
    this.counts = poolNodeCounts(input.nodes);
    this.keptPods = keptPods([...(input.pendingPods ?? []), ...input.predictedPods], input.nodes);
  }

  /**
   * Re-plans the moved pods and the kept ones without `removed`, optionally with new nodes; nodes
   * in `avoid` take no moved pod either (they are due to go too: pods moved there would move twice).
   */
  replan(removed: readonly Candidate[], withNewNodes: boolean, avoid: ReadonlySet<string> = new Set()): SchedulingResult {
    const gone = new Set([...removed.map((c) => c.node.name), ...avoid]);
    const moving = removed.flatMap((c) => c.pods).map((p) => ({ ...p, nodeName: undefined }));
    return solve({
      pods: [...moving, ...this.keptPods],
      existingNodes: this.input.nodes.filter((n) => !gone.has(n.name)),
      // What the nodes taken away advertise still says what a new node of their type offers.
      advertisingNodes: [...advertisersOf(this.input.nodes.filter((n) => gone.has(n.name))), ...(this.input.advertisingNodes ?? [])],
      nodePools: withNewNodes ? this.input.nodePools : [],
      instanceTypes: withNewNodes ? this.input.instanceTypes : [],
      ...(withNewNodes && this.input.instanceTypesByPool ? { instanceTypesByPool: this.input.instanceTypesByPool } : {}),
      ...(withNewNodes && this.input.newNodeVolumeLimits ? { newNodeVolumeLimits: this.input.newNodeVolumeLimits } : {}),
      excludedOfferings: this.input.excludedOfferings,
      options: { claimIdPrefix: 'replacement' },
    });
  }

  block(node: ExistingNode, reason: string): void {
    this.blocked.push({ node: node.name, reason });
  }
}

/**
 * The future pods (pending and predicted) that today's nodes would hold. Pods that need new
 * capacity anyway are the provisioner's business, not a reason to keep nodes. With no future pods
 * (the common case between surges) there is nothing to place and no solver run.
 */
function keptPods(future: readonly Pod[], nodes: readonly ExistingNode[]): Pod[] {
  if (future.length === 0) return [];
  const baseline = solve({ pods: future, existingNodes: nodes, nodePools: [], instanceTypes: [] });
  const placed = new Set(baseline.placements.map((p) => p.pod));
  return future.filter((p) => placed.has(`${p.namespace}/${p.name}`));
}

function price(candidates: readonly Candidate[]): number {
  return candidates.reduce((sum, c) => sum + c.node.pricePerHour, 0);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function consolidationReady(c: Candidate, now: number): boolean {
  return consolidationWaitMs(c, now) === 0;
}

/**
 * How long until a candidate may be consolidated: 0 once its pool's consolidateAfter has passed
 * since it became empty (an empty node) or since its last pod change; Infinity when the pool never
 * consolidates (consolidateAfter Never).
 */
export function consolidationWaitMs(c: Candidate, now: number): number {
  const after = c.pool.disruption.consolidateAfterMs;
  if (after === null) return Infinity;
  const since = c.pods.length === 0 ? (c.node.emptySince ?? c.node.lastPodChangeAt ?? c.node.createdAt) : (c.node.lastPodChangeAt ?? c.node.createdAt);
  return Math.max(0, since + after - now);
}

/**
 * Why a node is kept for pods that would have nowhere to go without it (`namespace/name`): the
 * forecast's, within the window the caller's predicted pods cover, or pods waiting for a node.
 */
function keptReason(input: DisruptionInput, stranded: readonly string[]): string {
  const predicted = new Set(input.predictedPods.map((p) => `${p.namespace}/${p.name}`));
  if (!stranded.some((id) => predicted.has(id))) return 'pods waiting for a node need this capacity';
  const window = input.predictedWindow;
  if (window === undefined) return 'forecast needs this capacity';
  if (window === 'lead') return 'forecast needs this capacity within the node lead';
  return `forecast needs this capacity within the forecast horizon (${formatDurationMs(window.horizonSeconds * 1000)})`;
}

/** Empty nodes past consolidateAfter, most expensive first, as many as budgets and the forecast allow. */
export function emptiness(ctx: DisruptionContext): DisruptionDecision | undefined {
  const { now } = ctx.input;
  const empty = ctx.candidates
    .filter((c) => c.pods.length === 0 && consolidationReady(c, now))
    .sort((a, b) => b.node.pricePerHour - a.node.pricePerHour || (a.node.name < b.node.name ? -1 : 1));
  const chosen: Candidate[] = [];
  for (const c of empty) {
    if (!withinBudgets([...chosen, c], 'Empty', ctx.counts, now)) {
      ctx.block(c.node, 'disruption budget exhausted');
      continue;
    }
    const stranded = ctx.keptPods.length > 0 ? ctx.replan([...chosen, c], false).unplaceable : [];
    if (stranded.length > 0) {
      ctx.block(c.node, keptReason(ctx.input, stranded.map((u) => u.pod)));
      continue;
    }
    chosen.push(c);
  }
  if (chosen.length === 0) return undefined;
  return {
    method: 'Emptiness',
    reason: 'Empty',
    nodes: chosen.map((c) => c.node.name),
    replacements: [],
    savingsPerHour: round(price(chosen)),
    message: `${chosen.length} node(s) empty for at least consolidateAfter and not needed by the forecast`,
  };
}

/**
 * The first of `due` (in order) that can be replaced now: PDBs, the pools' budgets for `reason`,
 * and somewhere to go for every pod (on today's nodes or replacements). Cost is not a criterion.
 */
function replaceFirst(ctx: DisruptionContext, due: readonly Candidate[], reason: 'Expired' | 'Drifted', why: (c: Candidate) => string): DisruptionDecision | undefined {
  const what = reason === 'Expired' ? 'expired' : 'drifted';
  const alsoDue = new Set(due.map((c) => c.node.name));
  for (const c of due) {
    const pdb = violatedPdb(c.pods, ctx.input.pdbs);
    if (pdb) {
      ctx.block(c.node, `${what}, but PodDisruptionBudget ${pdb.namespace}/${pdb.name} allows no more evictions`);
      continue;
    }
    if (!withinBudgets([c], reason, ctx.counts, ctx.input.now)) {
      ctx.block(c.node, `${what}, but the disruption budget is exhausted`);
      continue;
    }
    const plan = ctx.replan([c], true, new Set([...alsoDue].filter((n) => n !== c.node.name)));
    const stranded = plan.unplaceable.filter((u) => c.pods.some((p) => `${p.namespace}/${p.name}` === u.pod));
    if (stranded.length > 0) {
      ctx.block(c.node, `${what}, but ${stranded.length} pod(s) would have nowhere to go (${stranded[0].reason})`);
      continue;
    }
    return {
      method: reason === 'Expired' ? 'Expiration' : 'Drift',
      reason,
      nodes: [c.node.name],
      replacements: plan.newNodeClaims,
      savingsPerHour: round(c.node.pricePerHour - plan.newCostPerHour),
      message: why(c),
    };
  }
  return undefined;
}

const oldestFirst = (a: Candidate, b: Candidate) => a.node.createdAt - b.node.createdAt || (a.node.name < b.node.name ? -1 : 1);

/** The oldest node past expireAfter, replaced with what its pods need (cost is not a criterion). */
export function expiration(ctx: DisruptionContext): DisruptionDecision | undefined {
  const { now } = ctx.input;
  const expired = ctx.candidates.filter((c) => c.pool.disruption.expireAfterMs !== null && now - c.node.createdAt >= c.pool.disruption.expireAfterMs).sort(oldestFirst);
  return replaceFirst(ctx, expired, 'Expired', (c) => `node older than expireAfter (${Math.round((now - c.node.createdAt) / 3_600_000)}h)`);
}

/** The oldest node that no longer matches its NodePool (drift.ts), replaced like an expired one. */
export function drift(ctx: DisruptionContext): DisruptionDecision | undefined {
  const drifted = ctx.candidates.map((c) => ({ c, why: driftOf(c.node, c.pool) })).filter((d) => d.why !== undefined);
  if (drifted.length === 0) return undefined;
  const why = new Map(drifted.map((d) => [d.c, d.why!]));
  return replaceFirst(ctx, drifted.map((d) => d.c).sort(oldestFirst), 'Drifted', (c) => `drifted: ${why.get(c)}`);
}

/** Spot-to-spot consolidation needs at least this many cheaper types to launch from (Karpenter's value). */
export const SPOT_TO_SPOT_MIN_OPTIONS = 15;

/**
 * A spot node replaced by a cheaper spot node (Karpenter's spot-to-spot consolidation, and its
 * guards): EC2 fills a spot request from the pools with the most spare capacity among the types it
 * is given, so a replacement allowed only the one cheapest type lands in the pool most likely to be
 * reclaimed, and falling prices would move the node again and again. So it is off unless enabled
 * (`controller.spotToSpotConsolidation`), for one node at a time, only with at least 15 types
 * cheaper than the node, launching from the 15 cheapest of them, and not when the node's own type is
 * among those. The replacement to launch, or why not.
 */
export function spotToSpotReplacement(candidate: Candidate, replacement: PlannedNodeClaim, enabled: boolean): { replacement: PlannedNodeClaim } | { why: string } {
  if (!enabled) return { why: 'spot-to-spot consolidation is off (controller.spotToSpotConsolidation)' };
  const cheaper = replacement.instanceTypeOptions.filter((o) => o.offering.capacityType === 'spot' && o.offering.pricePerHour < candidate.node.pricePerHour);
  if (cheaper.length < SPOT_TO_SPOT_MIN_OPTIONS) return { why: `spot-to-spot consolidation needs ${SPOT_TO_SPOT_MIN_OPTIONS} cheaper instance types, got ${cheaper.length}` };
  const options = cheaper.slice(0, SPOT_TO_SPOT_MIN_OPTIONS);
  if (options.some((o) => o.instanceType === candidate.node.instanceType)) return { why: "the node's own type is among the cheapest spot options" };
  return { replacement: { ...withTypeOptions(replacement, options), instanceType: options[0].instanceType, offering: options[0].offering } };
}

/**
 * A consolidation's replacement priced as spot, launched as spot only. Its savings were counted at
 * the spot price; a pool that also allows on-demand would otherwise fall back to an on-demand node
 * of the same types when spot capacity runs out — dearer than the plan, maybe dearer than the nodes
 * it replaces. Karpenter adds the same requirement ("OD -> [OD, Spot]", and for spot-to-spot).
 */
export function spotPriced(replacement: PlannedNodeClaim): PlannedNodeClaim {
  if (replacement.offering.capacityType !== 'spot') return replacement;
  const spotOnly = { key: Labels.capacityType, operator: 'In' as const, values: ['spot'] };
  return { ...replacement, requirements: [...replacement.requirements.filter((r) => r.key !== Labels.capacityType), spotOnly] };
}

/** `planned` launching only from `options`: its instance-type requirement narrowed to them. */
export function withTypeOptions(planned: PlannedNodeClaim, options: readonly InstanceTypeOption[]): PlannedNodeClaim {
  const names = new Set(options.map((o) => o.instanceType));
  const requirements = planned.requirements.map((r) => (r.key === Labels.instanceType && r.operator === 'In' && r.values ? { ...r, values: r.values.filter((v) => names.has(v)) } : r));
  return { ...planned, instanceTypeOptions: options, requirements };
}

/** Can these candidates go, their pods moving elsewhere or onto at most one cheaper new node? */
function consolidate(ctx: DisruptionContext, chosen: readonly Candidate[]): DisruptionDecision | undefined {
  if (violatedPdb(chosen.flatMap((c) => c.pods), ctx.input.pdbs)) return undefined;
  if (!withinBudgets(chosen, 'Underutilized', ctx.counts, ctx.input.now)) return undefined;
  const plan = ctx.replan(chosen, true);
  if (plan.unplaceable.length > 0 || plan.newNodeClaims.length > 1) return undefined;
  let replacements = plan.newNodeClaims;
  // Spot nodes replaced by a spot node: only by Karpenter's spot-to-spot rules (one node, 15 cheaper types).
  if (replacements.length === 1 && replacements[0].offering.capacityType === 'spot' && chosen.every((c) => c.node.capacityType === 'spot')) {
    if (chosen.length > 1) return undefined;
    const spot = spotToSpotReplacement(chosen[0], replacements[0], ctx.input.spotToSpotConsolidation === true);
    if ('why' in spot) return undefined;
    replacements = [spot.replacement];
  }
  replacements = replacements.map(spotPriced);
  const savings = price(chosen) - replacements.reduce((s, r) => s + r.offering.pricePerHour, 0);
  if (!(savings > 1e-9)) return undefined;
  const many = chosen.length > 1;
  return {
    method: many ? 'MultiNodeConsolidation' : 'SingleNodeConsolidation',
    reason: 'Underutilized',
    nodes: chosen.map((c) => c.node.name),
    replacements,
    savingsPerHour: round(savings),
    message:
      plan.newNodeClaims.length === 0
        ? `pods of ${chosen.length} node(s) fit on the other nodes`
        : `${chosen.length} node(s) replaced by one ${replacements[0].instanceType}`,
  };
}

function consolidationCandidates(ctx: DisruptionContext): Candidate[] {
  const { now } = ctx.input;
  // Cheapest to disrupt first: fewest pods to move, then the most expensive node.
  return ctx.candidates
    .filter((c) => c.pool.disruption.consolidationPolicy === 'WhenEmptyOrUnderutilized' && consolidationReady(c, now))
    .sort((a, b) => a.pods.length - b.pods.length || b.node.pricePerHour - a.node.pricePerHour || (a.node.name < b.node.name ? -1 : 1));
}

/** The largest prefix of the candidates (2…100) that can be removed or replaced by one cheaper node. */
export function multiNodeConsolidation(ctx: DisruptionContext): DisruptionDecision | undefined {
  const candidates = consolidationCandidates(ctx).slice(0, MAX_MULTI_NODE);
  if (candidates.length < 2) return undefined;
  // Binary search on the prefix length, as Karpenter does: feasibility is nearly monotone and
  // each probe is a full re-plan.
  let lo = 2;
  let hi = candidates.length;
  let best: DisruptionDecision | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const decision = consolidate(ctx, candidates.slice(0, mid));
    if (decision) {
      best = decision;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** The first candidate that can be removed or replaced by one cheaper node. */
export function singleNodeConsolidation(ctx: DisruptionContext): DisruptionDecision | undefined {
  for (const c of consolidationCandidates(ctx).slice(0, MAX_SINGLE_NODE)) {
    const decision = consolidate(ctx, [c]);
    if (decision) return decision;
  }
  return undefined;
}

export const DISRUPTION_METHODS = [emptiness, expiration, drift, multiNodeConsolidation, singleNodeConsolidation] as const;

export function planDisruption(input: DisruptionInput): DisruptionPlan {
  const ctx = new DisruptionContext(input);
  for (const method of DISRUPTION_METHODS) {
    const decision = method(ctx);
    if (decision) return { decision, blocked: ctx.blocked };
  }
  return { blocked: ctx.blocked };
}
