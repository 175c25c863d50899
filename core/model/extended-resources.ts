/**
 * Extended resources: what a pod requests beyond CPU, memory, ephemeral storage, pod slots and GPUs
 * (which the planner models on their own) — a device plugin's devices (`smarter-devices/fuse`),
 * EKS security groups for pods (`vpc.amazonaws.com/pod-eni`, added to pods by the VPC resource
 * controller), huge pages (`hugepages-2Mi`), anything a node advertises in `status.allocatable`.
 * kube-scheduler's NodeResourcesFit keeps a pod off a node that does not have enough of each
 * ("Insufficient example.com/foo"); a planner that ignored them would see room on such a node,
 * launch nothing, and the pod would wait forever.
 *
 * What a new node will offer is not in any catalog: a device plugin or controller advertises it
 * once the node runs. It is learned from the pool's registered nodes (`extendedLearning`). Pure.
 */
import { containerRequestList, podResourceRequest } from './pod-requests.js';
import { readNonNegativeUnits } from './quantity.js';
import type { ExistingNode } from './node.js';

type Obj = Record<string, any>;

/** Resource names the planner models on their own (or that are not per-node budgets). */
const MODELLED = new Set(['cpu', 'memory', 'pods', 'ephemeral-storage', 'storage', 'nvidia.com/gpu', 'amd.com/gpu']);

/** Whether `name` is an extended resource, counted against a node's allocatable of the same name. */
export function isExtendedResourceName(name: string): boolean {
  return !MODELLED.has(name) && (name.includes('/') || name.startsWith('hugepages-'));
}

function asRecord(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/**
 * The extended resources one pod of this spec requests, by the rules the other resources follow
 * (a limit stands in for a missing request, sidecars add up, the largest init moment, overhead).
 * Names with a zero request, or whose quantities cannot be read (the API server refuses such a
 * pod), are left out. Empty when there are none.
 */
export function podExtendedResources(spec: unknown): Record<string, number> {
  const s = asRecord(spec);
  if (!s) return {};
  const names = new Set<string>();
  const lists = [...(Array.isArray(s.containers) ? s.containers : []), ...(Array.isArray(s.initContainers) ? s.initContainers : [])].map(containerRequestList);
  for (const list of [...lists, asRecord(s.overhead)]) for (const name of Object.keys(list ?? {})) if (isExtendedResourceName(name)) names.add(name);
  const out: Record<string, number> = {};
  for (const name of [...names].sort()) {
    const total = podResourceRequest(s, name);
    if (total > 0) out[name] = total;
  }
  return out;
}

/** The extended resources a node advertises (`status.allocatable`), each a whole number of units. */
export function nodeExtendedResources(allocatable: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, raw] of Object.entries(asRecord(allocatable) ?? {})) {
    if (!isExtendedResourceName(name)) continue;
    const value = readNonNegativeUnits(raw);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A registered node (or one gone lately) as the learning below reads it. */
export interface AdvertisingNode {
  readonly nodePool?: string;
  readonly instanceType?: string;
  /**
   * What it offers pods other than its DaemonSets' (its allocatable less their requests); undefined:
   * not known (a node still launching, or whose device plugins may not have started), not learned from.
   */
  readonly extendedResources?: Readonly<Record<string, number>>;
}

/**
 * Nodes as the learning reads them: what each advertises less what its DaemonSet pods take (a new
 * node runs them too), for the nodes whose advertisements are known.
 */
export function advertisersOf(nodes: readonly ExistingNode[]): AdvertisingNode[] {
  return nodes.map((n) => {
    if (!n.extendedResources) return { nodePool: n.nodePool, instanceType: n.instanceType };
    const net: Record<string, number> = { ...n.extendedResources };
    for (const p of n.pods) if (p.daemonSet && p.extendedResources) for (const [name, amount] of Object.entries(p.extendedResources)) net[name] = (net[name] ?? 0) - amount;
    return { nodePool: n.nodePool, instanceType: n.instanceType, extendedResources: net };
  });
}

/**
 * How much of `name` a new node of `pool` and `type` will offer, learned from the pool's registered
 * nodes (a device plugin that runs on a type's nodes advertises the same there):
 * - nodes of that type exist: the most any of them advertises (0 when none does);
 * - else, when every node of the pool advertises it: the least any does (a plugin on every node);
 * - else, when the pool has nodes: 0 (it runs on some types only, or on none);
 * - else (no node of the pool to learn from): undefined, not counted — the pod is planned as if the
 *   node will have it; once that node registers, the pool has a node to learn from, so a resource no
 *   node offers costs at most one node, not one per pass.
 *
 * Built once as an index (per pool: per type the most advertised, and the least over all nodes, 0
 * when some node lacks it) for the `names` asked: each answer then costs a map lookup, not a walk
 * over every node — a solve asks once per pool, type and name (1,345 types × thousands of nodes).
 */
export function extendedLearning(nodes: readonly AdvertisingNode[], names: readonly string[]): (pool: string, type: string, name: string) => number | undefined {
  const pools = new Map<string, { byType: Map<string, Map<string, number>>; least: Map<string, number> }>();
  for (const n of nodes) {
    if (n.nodePool === undefined || n.extendedResources === undefined) continue;
    let pool = pools.get(n.nodePool);
    if (!pool) pools.set(n.nodePool, (pool = { byType: new Map(), least: new Map(names.map((name) => [name, Infinity])) }));
    let most = pool.byType.get(n.instanceType ?? '');
    if (!most) pool.byType.set(n.instanceType ?? '', (most = new Map()));
    for (const name of names) {
      const amount = Math.max(0, n.extendedResources[name] ?? 0);
      most.set(name, Math.max(most.get(name) ?? 0, amount));
      pool.least.set(name, Math.min(pool.least.get(name) ?? Infinity, amount));
    }
  }
  return (poolName, type, name) => {
    const pool = pools.get(poolName);
    if (!pool) return undefined;
    const most = pool.byType.get(type);
    if (most) return most.get(name) ?? 0;
    const least = pool.least.get(name);
    return least !== undefined && Number.isFinite(least) ? least : 0;
  };
}
