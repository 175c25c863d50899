/** Gathers what `nodes` shows: Nodes, the pods bound to them, and NodeClaims (optional). */
import type { KubeClient } from '../../core/kube/client.js';
import { attempt } from './failures.js';
import { nodeRows, type NodeRow } from './node-view.js';
import { Resources } from './resources.js';
import { readNodeClaims } from './status.js';

export interface ConsolidationView {
  /** False when the plugin could not compute it; `reason` says why. */
  available: boolean;
  reason?: string;
  /** What would be consolidated next, and why (when available). */
  next?: { method: string; nodes: string[]; savingsPerHour: number; message: string };
}

export interface NodesReport {
  nodes: NodeRow[];
  consolidation: ConsolidationView;
  warnings: string[];
}

export const CONSOLIDATION_UNAVAILABLE =
  'consolidation preview not shown: this build of the plugin does not include the disruption planner (core/disruption); utilization only';

export async function gatherNodes(client: KubeClient): Promise<NodesReport> {
  const [nodes, pods, claims] = await Promise.all([
    attempt('list Nodes', () => client.list(Resources.nodes)),
    attempt('list Pods in all namespaces', () => client.list(Resources.pods, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' })),
    readNodeClaims(client),
  ]);
  const warnings: string[] = [];
  if (claims.warning) warnings.push(claims.warning);
  const rows = nodeRows(nodes.items, pods.items, claims.claims, warnings);
  warnings.push(CONSOLIDATION_UNAVAILABLE);
  return { nodes: rows, consolidation: { available: false, reason: CONSOLIDATION_UNAVAILABLE }, warnings };
}
