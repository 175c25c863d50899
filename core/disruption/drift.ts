/**
 * Drift: a node launched from an earlier form of its NodePool. When a user edits the pool — its
 * labels, taints, startup taints, node class, or narrows its requirements (drops an instance family,
 * a zone, spot) — the nodes already running no longer look like what the pool would launch now, and
 * are replaced gracefully, like expired ones (replacements first, PDBs and the pool's budgets for
 * the `Drifted` reason). Pure.
 *
 * Only nodes smartscale launched (a NodeClaim records what they were launched with): a node that
 * merely carries the pool's label (one Karpenter launched, during a migration) has no claim to
 * drain it by, and is never drifted. What is compared:
 * - the template a node was launched with (its NodeClaim's spec: labels, taints, node class
 *   reference) against the pool's current one. Startup taints are not: they only matter while a
 *   node starts (a running node has none left), and claims older than 2026-12-04 did not record them;
 * - the pool's requirements against the node's labels, but only for keys the node carries: a key
 *   the node has no label for (the kubelet never got it) says nothing about how it was launched.
 * - what the cloud says of the instance (`cloudDrift`): a newer image, subnets or security groups
 *   no longer selected, an edited node class — the cloud drift loop asks the provider and records
 *   it as a `Drifted` condition on the NodeClaim (core/controllers/cloud-drift.ts).
 */
import { canonicalLabelKey } from '../model/labels.js';
import { labelSatisfies } from '../model/requirements.js';
import type { ExistingNode } from '../model/node.js';
import type { NodeClassRef, NodePool } from '../model/node-pool.js';
import type { Taint } from '../model/scheduling-constraints.js';

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function taintKey(t: Taint): string {
  return `${t.key}=${t.value ?? ''}:${t.effect}`;
}

/** The same taints, in any order. */
function sameTaints(a: readonly Taint[] = [], b: readonly Taint[] = []): boolean {
  if (a.length !== b.length) return false;
  const left = a.map(taintKey).sort();
  const right = b.map(taintKey).sort();
  return left.every((k, i) => k === right[i]);
}

function sameNodeClass(a: NodeClassRef | undefined, b: NodeClassRef | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.kind === b.kind && a.name === b.name && (a.group ?? '') === (b.group ?? '');
}

/** Why the node no longer matches its pool or its node class, in a few words; undefined when it still does. */
export function driftOf(node: ExistingNode, pool: NodePool): string | undefined {
  const launched = node.launchedWith;
  if (!launched) return undefined;
  if (node.cloudDrift) return node.cloudDrift;
  if (!sameNodeClass(launched.nodeClassRef, pool.nodeClassRef)) return 'the NodePool refers to another node class';
  if (!sameLabels(launched.labels, pool.labels)) return "the NodePool's labels changed";
  if (!sameTaints(launched.taints, pool.taints)) return "the NodePool's taints changed";
  for (const r of pool.requirements) {
    const value = node.labels[canonicalLabelKey(r.key)] ?? node.labels[r.key];
    if (value === undefined) continue;
    if (!labelSatisfies(r, value)) return `its ${r.key}=${value} no longer meets the NodePool's requirements (${r.operator}${r.values ? ` ${r.values.join(', ')}` : ''})`;
  }
  return undefined;
}
