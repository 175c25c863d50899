/**
 * Which nodes the disruption planner may touch, and the checks every decision must pass:
 * PodDisruptionBudgets, do-not-disrupt, pool budgets.
 */
import { Annotations, KARPENTER_DO_NOT_DISRUPT } from '../model/annotations.js';
import type { PodDisruptionBudget } from '../model/disruption-budget.js';
import type { ExistingNode } from '../model/node.js';
import type { DisruptionReason, NodePool } from '../model/node-pool.js';
import { selectorMatches, type Pod } from '../model/pod.js';
import { allowedDisruptions } from './budgets.js';
import type { BlockedNode } from './types.js';

function doNotDisrupt(annotations: Readonly<Record<string, string>> | undefined): boolean {
  if (!annotations) return false;
  return annotations[Annotations.doNotDisrupt] === 'true' || annotations[KARPENTER_DO_NOT_DISRUPT] === 'true';
}

/** Pods that must be moved when the node goes (DaemonSet pods go with it). */
export function workloadPods(node: ExistingNode): Pod[] {
  return node.pods.filter((p) => !p.daemonSet);
}

export interface Candidate {
  readonly node: ExistingNode;
  readonly pool: NodePool;
  readonly pods: readonly Pod[];
}

export function findCandidates(nodes: readonly ExistingNode[], pools: ReadonlyMap<string, NodePool>): { candidates: Candidate[]; blocked: BlockedNode[] } {
  const candidates: Candidate[] = [];
  const blocked: BlockedNode[] = [];
  const present = new Set(nodes.map((n) => n.name));
  for (const node of nodes) {
    const pool = node.nodePool ? pools.get(node.nodePool) : undefined;
    if (!pool) continue; // not ours to disrupt
    if (node.unschedulable) continue; // already being disrupted
    if (!node.initialized) {
      blocked.push({ node: node.name, reason: 'still launching' });
      continue;
    }
    const replaced = node.replaces?.filter((n) => present.has(n)) ?? [];
    if (replaced.length > 0) {
      blocked.push({ node: node.name, reason: `replacement for ${replaced.join(', ')}: kept until it is drained` });
      continue;
    }
    if (doNotDisrupt(node.annotations)) {
      blocked.push({ node: node.name, reason: 'node has do-not-disrupt' });
      continue;
    }
    const pods = workloadPods(node);
    const protectedPod = pods.find((p) => doNotDisrupt(p.annotations));
    if (protectedPod) {
      blocked.push({ node: node.name, reason: `pod ${protectedPod.namespace}/${protectedPod.name} has do-not-disrupt` });
      continue;
    }
    candidates.push({ node, pool, pods });
  }
  return { candidates, blocked };
}

/** The first PDB that evicting all these pods would violate, if any. */
export function violatedPdb(pods: readonly Pod[], pdbs: readonly PodDisruptionBudget[]): PodDisruptionBudget | undefined {
  for (const pdb of pdbs) {
    let evicted = 0;
    for (const pod of pods) if (pod.namespace === pdb.namespace && selectorMatches(pdb.selector, pod.labels, pdb.selectorExpressions)) evicted++;
    if (evicted > 0 && evicted > pdb.disruptionsAllowed) return pdb;
  }
  return undefined;
}

/** Per pool: nodes in total and nodes already being disrupted (cordoned/deleting). */
export function poolNodeCounts(nodes: readonly ExistingNode[]): Map<string, { total: number; disrupting: number }> {
  const counts = new Map<string, { total: number; disrupting: number }>();
  for (const node of nodes) {
    if (!node.nodePool) continue;
    const c = counts.get(node.nodePool) ?? { total: 0, disrupting: 0 };
    c.total++;
    if (node.unschedulable) c.disrupting++;
    counts.set(node.nodePool, c);
  }
  return counts;
}

/** Would disrupting these candidates stay within every pool's budget for `reason`? */
export function withinBudgets(
  chosen: readonly Candidate[],
  reason: DisruptionReason,
  counts: ReadonlyMap<string, { total: number; disrupting: number }>,
  now: number,
): boolean {
  const perPool = new Map<NodePool, number>();
  for (const c of chosen) perPool.set(c.pool, (perPool.get(c.pool) ?? 0) + 1);
  for (const [pool, n] of perPool) {
    const count = counts.get(pool.name) ?? { total: 0, disrupting: 0 };
    if (n > allowedDisruptions(pool, reason, count.total, count.disrupting, now)) return false;
  }
  return true;
}
