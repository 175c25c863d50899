/** Gathers what `nodes` shows: Nodes, the pods bound to them, and NodeClaims (optional). */
import type { KubeClient, KubeObject, ResourceRef } from '../../core/kube/client.js';
import { classifyKubeError } from '../../core/kube/errors.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../../core/model/cluster-config.js';
import { parseControllerSettings } from '../../core/controllers/settings.js';
import { previewConsolidation } from './consolidation.js';
import { attempt, toCliError } from './failures.js';
import { nodeRows, type NodeRow } from './node-view.js';
import { Resources } from './resources.js';
import { readNodeClaims } from './status.js';

export interface ConsolidationView {
  /** False when the plugin could not compute it; `reason` says why. */
  available: boolean;
  reason?: string;
  /** What would be consolidated next, and why (absent: nothing would be). */
  next?: { method: string; nodes: string[]; replacements: string[]; savingsPerHour: number; message: string; waitMs?: number };
  /** Nodes the planner could not consider, and why. */
  blocked?: Array<{ node: string; reason: string }>;
}

export interface NodesReport {
  nodes: NodeRow[];
  consolidation: ConsolidationView;
  warnings: string[];
}

/** Reads a list the preview needs but the table does not; a refusal or missing CRD makes the preview unavailable. */
async function optionalList(client: KubeClient, res: ResourceRef, what: string, options?: { namespace?: string }): Promise<{ items: KubeObject[] } | { why: string }> {
  try {
    return { items: (await client.list(res, options)).items };
  } catch (error) {
    const failure = classifyKubeError(error);
    if (failure.kind === 'unreachable') throw toCliError(error, `list ${what}`);
    return { why: `cannot list ${what} (${failure.message})` };
  }
}

export async function gatherNodes(client: KubeClient, nowMs: number, home: string = SMARTSCALE_NAMESPACE): Promise<NodesReport> {
  const [nodes, pods, claims, nodePools, pdbs, deployments, configMaps, volumeClaims, volumes, storageClasses, daemonSets, namespaces, csiNodes] = await Promise.all([
    attempt('list Nodes', () => client.list(Resources.nodes)),
    attempt('list Pods in all namespaces', () => client.list(Resources.pods, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' })),
    readNodeClaims(client),
    optionalList(client, Resources.nodePools, 'NodePools'),
    optionalList(client, Resources.pdbs, 'PodDisruptionBudgets'),
    optionalList(client, Resources.deployments, 'Deployments'),
    optionalList(client, Resources.configMaps, `ConfigMaps in ${home}`, { namespace: home }),
    optionalList(client, Resources.persistentVolumeClaims, 'PersistentVolumeClaims'),
    optionalList(client, Resources.persistentVolumes, 'PersistentVolumes'),
    optionalList(client, Resources.storageClasses, 'StorageClasses'),
    optionalList(client, Resources.daemonSets, 'DaemonSets'),
    optionalList(client, Resources.namespaces, 'Namespaces'),
    optionalList(client, Resources.csiNodes, 'CSINodes'),
  ]);
  const warnings: string[] = [];
  if (claims.warning) warnings.push(claims.warning);
  // What node repair counts as unhealthy, as the controller reads it from smartscale-config.
  const config = 'items' in configMaps ? configMaps.items.find((c) => c.metadata.name === CLUSTER_CONFIG_NAME) : undefined;
  const policies = parseControllerSettings(config?.data).value.nodeRepairConditions;
  const rows = nodeRows(nodes.items, pods.items, claims.claims, warnings, policies);
  const missing = [nodePools, pdbs, deployments, configMaps].find((r): r is { why: string } => 'why' in r);
  let consolidation: ConsolidationView;
  if (claims.claims === null) consolidation = { available: false, reason: 'consolidation preview not shown: NodeClaims are not readable' };
  else if (missing) consolidation = { available: false, reason: `consolidation preview not shown: ${missing.why}` };
  else {
    // Where pods with persistent volumes can go: without them the preview still runs, saying so.
    const unreadable = [volumeClaims, volumes, storageClasses].find((r): r is { why: string } => 'why' in r);
    if (unreadable) warnings.push(`consolidation preview ignores volume topology: ${unreadable.why}`);
    if ('why' in daemonSets) warnings.push(`consolidation preview ignores DaemonSet overhead on replacements: ${daemonSets.why}`);
    if ('why' in namespaces) warnings.push(`consolidation preview reads no namespace labels (pod affinity by namespaceSelector): ${namespaces.why}`);
    if ('why' in csiNodes) warnings.push(`consolidation preview ignores volume attach limits: ${csiNodes.why}`);
    const items = (r: { items: KubeObject[] } | { why: string }) => ('items' in r ? r.items : []);
    const preview = await previewConsolidation({
      nodes: nodes.items,
      pods: pods.items,
      nodeClaims: (await client.list(Resources.nodeClaims)).items,
      nodePools: (nodePools as { items: KubeObject[] }).items,
      pdbs: (pdbs as { items: KubeObject[] }).items,
      deployments: (deployments as { items: KubeObject[] }).items,
      configMaps: (configMaps as { items: KubeObject[] }).items,
      ...(unreadable ? {} : { volumeClaims: items(volumeClaims), volumes: items(volumes), storageClasses: items(storageClasses) }),
      daemonSets: items(daemonSets),
      namespaces: items(namespaces),
      csiNodes: items(csiNodes),
      nowMs,
      home,
    });
    for (const p of preview.invalidNodePools) warnings.push(`NodePool ${p}`);
    consolidation = { available: true, next: preview.next, blocked: preview.blocked };
  }
  if (!consolidation.available) warnings.push(consolidation.reason!);
  return { nodes: rows, consolidation, warnings };
}
