/**
 * What the DaemonSets will take of a new node (DaemonSet overhead). Every node runs a pod of each
 * DaemonSet that can run there — kube-proxy, the CNI, the CSI node plugins, log and metrics agents
 * — often a few hundred millicores and hundreds of MiB, and a pod slot each. A node launched for
 * pending pods gets those pods too, so planning pods into the type's whole allocatable launches a
 * node they do not all fit on, and the rest stay pending for another launch. So, per NodePool and
 * instance type, the requests of the DaemonSets whose pods would run on such a node are taken off
 * what the type offers before anything is planned onto it (Karpenter does the same per NodePool).
 *
 * A DaemonSet's pod runs on the node when it tolerates the NodePool's taints (startup taints are
 * not counted: they go once the node is initialized, and DaemonSet pods are what removes them) and
 * its nodeSelector and required node affinity can be met by the node's labels: the type's labels
 * and the pool's; for a key only the pool's requirements constrain, some allowed value must do; a
 * key every node gets at run time (zone, region, hostname, capacity type, OS) is assumed to match;
 * any other key is one the node will not have.
 *
 * The same DaemonSets bind their host ports on the node (node exporters on 9100, node-local DNS on
 * 53): a pod asking for one of those can never run there (ADR 114), so a pool's view of a type also
 * names the ports its DaemonSets take (`InstanceType.daemonSetHostPorts`). Pure.
 */
import type { InstanceType } from './instance-type.js';
import type { NodePool } from './node-pool.js';
import { podEphemeralStorage, podSpecRequests } from './pod-requests.js';
import { labelSatisfies, type Requirement } from './requirements.js';
import { requiredNodeAffinityTerms } from './node-selector-terms.js';
import { addResources, resourcesFromList, subtractResources, ZERO_RESOURCES, type ResourceList, type Resources } from './resources.js';
import { toleratesAll, type Taint, type Toleration } from './scheduling-constraints.js';
import { canonicalLabelKey, Labels } from './labels.js';
import { podHostPorts, type HostPort } from './host-ports.js';

type Obj = Record<string, any>;

/** Labels every node has once running, whatever its pool or type says. */
const RUNTIME_KEYS = new Set<string>([Labels.zone, 'topology.kubernetes.io/region', Labels.hostname, Labels.capacityType, 'kubernetes.io/os']);

function asRecord(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function requirementsOf(spec: Obj | undefined): { selector: Requirement[]; terms: Requirement[][] } {
  const selector: Requirement[] = [];
  for (const [key, value] of Object.entries(asRecord(spec?.nodeSelector) ?? {})) if (typeof value === 'string') selector.push({ key, operator: 'In', values: [value] });
  const terms = requiredNodeAffinityTerms(spec) ?? [];
  return { selector, terms };
}

/** A node's label `key` as a new node of the pool and type gets it: the pool's, else the type's. */
function labelOf(key: string, pool: NodePool, type: Pick<InstanceType, 'labels'>): string | undefined {
  if (pool.labels && Object.hasOwn(pool.labels, key)) return pool.labels[key];
  return type.labels && Object.hasOwn(type.labels, key) ? type.labels[key] : undefined;
}

/** Whether a node of `pool` and `type` can meet `r` (`key`: its canonical key). */
function canMeet(r: Requirement, key: string, pool: NodePool, type: Pick<InstanceType, 'labels'>): boolean {
  const value = labelOf(key, pool, type);
  if (value !== undefined) return labelSatisfies(r, value);
  const allowed = pool.requirements.find((p) => canonicalLabelKey(p.key) === key && p.operator === 'In');
  if (allowed) return (allowed.values ?? []).some((v) => labelSatisfies(r, v));
  if (RUNTIME_KEYS.has(key) || pool.requirements.some((p) => canonicalLabelKey(p.key) === key)) return true;
  return labelSatisfies(r, undefined);
}

/** A DaemonSet read once: what its pod tolerates, the node labels it asks for, what it requests. */
interface PreparedDaemonSet {
  readonly tolerations: Toleration[];
  readonly selector: readonly (readonly [Requirement, string])[];
  readonly terms: readonly (readonly (readonly [Requirement, string])[])[];
  /** The canonical label keys its selector and terms read. */
  readonly keys: readonly string[];
  readonly requests: Resources;
  /** The host ports its pod binds. */
  readonly ports: readonly HostPort[];
  /** The local ephemeral storage its pod requests, in bytes. */
  readonly ephemeralStorage: number;
}

function prepare(daemonSet: Obj): PreparedDaemonSet {
  const spec = asRecord(asRecord(asRecord(daemonSet.spec)?.template)?.spec);
  const tolerations = (Array.isArray(spec?.tolerations) ? spec!.tolerations : []) as Toleration[];
  const { selector, terms } = requirementsOf(spec);
  const keyed = (r: Requirement) => [r, canonicalLabelKey(r.key)] as const;
  const s = selector.map(keyed);
  const t = terms.map((term) => term.map(keyed));
  const keys = [...new Set([...s, ...t.flat()].map(([, k]) => k))];
  return { tolerations, selector: s, terms: t, keys, requests: daemonPodRequests(daemonSet), ports: podHostPorts(spec), ephemeralStorage: podEphemeralStorage(spec) };
}

/** Whether the prepared DaemonSet's pod would run on a new node of `pool` and `type` (its tolerations aside). */
function selects(ds: PreparedDaemonSet, pool: NodePool, type: Pick<InstanceType, 'labels'>): boolean {
  if (!ds.selector.every(([r, key]) => canMeet(r, key, pool, type))) return false;
  return ds.terms.length === 0 || ds.terms.some((term) => term.every(([r, key]) => canMeet(r, key, pool, type)));
}

/** Whether the DaemonSet's pod would run on a new node of `pool` and `type`. */
export function daemonSetRunsOn(daemonSet: Obj, pool: NodePool, type: Pick<InstanceType, 'labels'>): boolean {
  const ds = prepare(daemonSet);
  return toleratesAll(ds.tolerations, pool.taints as Taint[]) && selects(ds, pool, type);
}

/** One DaemonSet pod's requests (Kubernetes' rules); an unreadable quantity counts as zero. */
function daemonPodRequests(daemonSet: Obj): Resources {
  return podSpecRequests(daemonSet.spec?.template?.spec, (list: ResourceList | undefined) => {
    try {
      return resourcesFromList(list);
    } catch {
      return ZERO_RESOURCES;
    }
  });
}

/** What the DaemonSets take of one new node: their requests and the host ports they bind. */
export interface DaemonSetShare {
  readonly requests: Resources;
  readonly ports: readonly HostPort[];
  /** Local ephemeral storage, in bytes. */
  readonly ephemeralStorage: number;
}

/** What the DaemonSets that would run on a new node of `pool` and `type` take of it. */
export function daemonSetShare(daemonSets: readonly Obj[], pool: NodePool, type: Pick<InstanceType, 'labels'>): DaemonSetShare {
  return poolOverhead(prepareAll(daemonSets), pool)(type);
}

function prepareAll(daemonSets: readonly Obj[]): PreparedDaemonSet[] {
  return daemonSets.filter((ds) => asRecord(ds) && !ds.metadata?.deletionTimestamp).map(prepare);
}

/**
 * The overhead of a new node of `pool`, per type. The DaemonSets the pool's taints keep off are
 * dropped once; the rest depend on a type only through the few labels they select on, so types
 * that agree on those share one answer (a catalog's 1,345 types fall into a handful of groups).
 */
function poolOverhead(daemonSets: readonly PreparedDaemonSet[], pool: NodePool): (type: Pick<InstanceType, 'labels'>) => DaemonSetShare {
  const tolerated = daemonSets.filter((ds) => toleratesAll(ds.tolerations, pool.taints as Taint[]));
  const keys = [...new Set(tolerated.flatMap((ds) => ds.keys))];
  const memo = new Map<string, DaemonSetShare>();
  return (type) => {
    const signature = JSON.stringify(keys.map((k) => labelOf(k, pool, type) ?? null));
    let share = memo.get(signature);
    if (share === undefined) {
      let requests = ZERO_RESOURCES;
      const ports: HostPort[] = [];
      let ephemeralStorage = 0;
      for (const ds of tolerated) {
        if (!selects(ds, pool, type)) continue;
        requests = addResources(requests, ds.requests);
        ports.push(...ds.ports);
        ephemeralStorage += ds.ephemeralStorage;
      }
      share = { requests, ports, ephemeralStorage };
      memo.set(signature, share);
    }
    return share;
  };
}

/**
 * `type` as a node of `pool` offers it to other pods: its allocatable (and ephemeral storage, where
 * counted) less the DaemonSets' share (never below zero), and the host ports they bind, when any.
 */
export function withoutDaemonSets(type: InstanceType, overhead: Resources, others: Partial<Omit<DaemonSetShare, 'requests'>> = {}): InstanceType {
  const { ports = [], ephemeralStorage = 0 } = others;
  let withPorts = ports.length > 0 ? { ...type, daemonSetHostPorts: ports } : type;
  if (ephemeralStorage > 0 && type.ephemeralStorage !== undefined) withPorts = { ...withPorts, ephemeralStorage: Math.max(0, type.ephemeralStorage - ephemeralStorage) };
  if (overhead.milliCpu === 0 && overhead.memoryBytes === 0 && overhead.pods === 0 && overhead.gpus === 0) return withPorts;
  const left = subtractResources(type.allocatable, overhead);
  return {
    ...withPorts,
    allocatable: { milliCpu: Math.max(0, left.milliCpu), memoryBytes: Math.max(0, left.memoryBytes), pods: Math.max(0, left.pods), gpus: Math.max(0, left.gpus) },
  };
}

/**
 * Per pool, the types as its new nodes offer them to other pods: `views` (a pool's own view of the
 * types, e.g. a node class's kubelet settings) or `shared`, less the DaemonSets' overhead. Undefined
 * when there is nothing to take off and no views (the solver then uses `shared` for every pool).
 */
export function typesByPoolLessDaemonSets(
  pools: readonly NodePool[],
  shared: readonly InstanceType[],
  views: ReadonlyMap<string, readonly InstanceType[]> | undefined,
  daemonSets: readonly Obj[],
): Map<string, InstanceType[]> | undefined {
  if (daemonSets.length === 0) return views ? new Map([...views].map(([k, v]) => [k, [...v]])) : undefined;
  const prepared = prepareAll(daemonSets);
  const out = new Map<string, InstanceType[]>();
  for (const pool of pools) {
    const types = views?.get(pool.name) ?? shared;
    const overhead = poolOverhead(prepared, pool);
    out.set(pool.name, types.map((t) => {
      const share = overhead(t);
      return withoutDaemonSets(t, share.requests, share);
    }));
  }
  return out;
}
