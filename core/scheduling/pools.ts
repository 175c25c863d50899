/**
 * Node pools prepared for planning: the instance types each pool may launch, with a bit mask of
 * the offerings (zone × capacity type) it may buy, and requirement profiles — for a set of pod
 * node-requirement terms (and optionally a pinned zone), which offerings of each type satisfy them.
 */
import { availableOfferings, offeringKey, type InstanceType, type Offering } from '../model/instance-type.js';
import { hostPortKey } from '../model/host-ports.js';
import { Labels } from '../model/labels.js';
import type { NodePool, NodePoolLimits } from '../model/node-pool.js';
import { labelSatisfies, type Requirement } from '../model/requirements.js';
import type { Resources } from '../model/resources.js';
import { toleratesAll, type Toleration } from '../model/scheduling-constraints.js';
import { fractionalCover, type CoverType } from './lower-bound.js';

const GIB = 1024 ** 3;

/** The value a node would carry for a label key, given its type, pool and offering. */
export function nodeLabelValue(key: string, type: InstanceType, pool: NodePool, offering: Offering): string | undefined {
  if (key === Labels.zone) return offering.zone;
  if (key === Labels.capacityType) return offering.capacityType;
  if (key === Labels.nodePool) return pool.name;
  return pool.labels[key] ?? type.labels[key];
}

function satisfiesAll(requirements: readonly Requirement[], type: InstanceType, pool: NodePool, offering: Offering): boolean {
  for (const r of requirements) if (!labelSatisfies(r, nodeLabelValue(r.key, type, pool, offering))) return false;
  return true;
}

export interface PreparedPool {
  readonly index: number;
  readonly pool: NodePool;
  readonly types: readonly InstanceType[];
  /** Per type: bit i set when `types[t].offerings[i]` may be bought by this pool now. */
  readonly offeringMasks: Int32Array;
  /** Capacity of the pool's existing nodes, for limits. */
  readonly usage: { milliCpu: number; memoryBytes: number; gpus: number; nodes: number };
}

export function preparePools(
  pools: readonly NodePool[],
  instanceTypes: readonly InstanceType[],
  excluded: ReadonlySet<string> | undefined,
  existingUsage: ReadonlyMap<string, { milliCpu: number; memoryBytes: number; gpus: number; nodes: number }>,
  byPool?: ReadonlyMap<string, readonly InstanceType[]>,
): PreparedPool[] {
  const ordered = [...pools].sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return ordered.map((pool, index) => {
    const types: InstanceType[] = [];
    const masks: number[] = [];
    for (const type of byPool?.get(pool.name) ?? instanceTypes) {
      if (type.offerings.length > 31) continue; // masks are 31-bit; no real type has that many offerings
      const usable = new Set(availableOfferings(type, excluded));
      let mask = 0;
      type.offerings.forEach((o, i) => {
        if (usable.has(o) && satisfiesAll(pool.requirements, type, pool, o)) mask |= 1 << i;
      });
      if (mask !== 0) {
        types.push(type);
        masks.push(mask);
      }
    }
    const usage = existingUsage.get(pool.name) ?? { milliCpu: 0, memoryBytes: 0, gpus: 0, nodes: 0 };
    return { index, pool, types, offeringMasks: Int32Array.from(masks), usage: { ...usage } };
  });
}

/** Cheapest offering of a type among the mask's bits (deterministic tie-break), or undefined. */
export function cheapestInMask(type: InstanceType, mask: number): Offering | undefined {
  let best: Offering | undefined;
  for (let i = 0; i < type.offerings.length; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const o = type.offerings[i];
    if (
      !best ||
      o.pricePerHour < best.pricePerHour ||
      (o.pricePerHour === best.pricePerHour && (o.zone < best.zone || (o.zone === best.zone && o.capacityType < best.capacityType)))
    ) {
      best = o;
    }
  }
  return best;
}

export function withinLimits(usage: PreparedPool['usage'], add: Resources, limits: NodePoolLimits, addNodes = 1): boolean {
  if (limits.milliCpu !== undefined && usage.milliCpu + add.milliCpu > limits.milliCpu) return false;
  if (limits.memoryBytes !== undefined && usage.memoryBytes + add.memoryBytes > limits.memoryBytes) return false;
  if (limits.gpus !== undefined && usage.gpus + add.gpus > limits.gpus) return false;
  if (limits.nodes !== undefined && usage.nodes + addNodes > limits.nodes) return false;
  return true;
}

/**
 * For one set of requirement terms (+ zone pin) in one pool: which offerings of each type satisfy
 * them, and the candidate types worth opening a node of — those not dominated by a type that is
 * no more expensive and at least as large in every resource.
 */
export interface RequirementProfile {
  /** Per pool type: offering bits that satisfy the terms (0 = type incompatible). */
  readonly masks: Int32Array;
  /** Per pool type: cheapest compatible price (Infinity when incompatible). */
  readonly prices: Float64Array;
  /** Pool type indices, not dominated, cheapest first. */
  readonly candidates: readonly number[];
  /** LP points for the candidates, reused by every dual price computation. */
  readonly coverTypes: readonly CoverType[];
}

/**
 * Whether a node of type `q` takes every pod a node of type `r` takes, beyond the four resources:
 * at least its ephemeral storage and each extended resource (none said: not counted, so unlimited)
 * and no host port its DaemonSets bind that `r`'s do not. A cheaper, larger type that fails this must not prune `r`
 * from the candidates: a pod that needs `r`'s disk or port would find no candidate to open.
 */
function holdsWhatever(q: InstanceType, r: InstanceType): boolean {
  if (q.ephemeralStorage !== undefined && (r.ephemeralStorage === undefined || q.ephemeralStorage < r.ephemeralStorage)) return false;
  if (q.extendedResources) {
    for (const [name, amount] of Object.entries(q.extendedResources)) {
      const other = r.extendedResources?.[name];
      if (other === undefined || amount < other) return false;
    }
  }
  const taken = q.daemonSetHostPorts;
  if (!taken || taken.length === 0) return true;
  const alsoTaken = new Set((r.daemonSetHostPorts ?? []).map(hostPortKey));
  return taken.every((p) => alsoTaken.has(hostPortKey(p)));
}

export function buildProfile(prepared: PreparedPool, terms: readonly (readonly Requirement[])[], zone: string | undefined, tolerations: readonly Toleration[]): RequirementProfile {
  const n = prepared.types.length;
  const masks = new Int32Array(n);
  const prices = new Float64Array(n).fill(Infinity);
  const tolerated = toleratesAll(tolerations, prepared.pool.taints);
  if (tolerated) {
    const trivial = terms.length === 1 && terms[0].length === 0;
    for (let t = 0; t < n; t++) {
      const type = prepared.types[t];
      const poolMask = prepared.offeringMasks[t];
      let mask = 0;
      for (let i = 0; i < type.offerings.length; i++) {
        if ((poolMask & (1 << i)) === 0) continue;
        const o = type.offerings[i];
        if (zone !== undefined && o.zone !== zone) continue;
        if (trivial || terms.some((term) => satisfiesAll(term, type, prepared.pool, o))) mask |= 1 << i;
      }
      masks[t] = mask;
      if (mask !== 0) prices[t] = cheapestInMask(type, mask)!.pricePerHour;
    }
  }
  const order: number[] = [];
  for (let t = 0; t < n; t++) if (masks[t] !== 0) order.push(t);
  order.sort((a, b) => prices[a] - prices[b] || (prepared.types[a].name < prepared.types[b].name ? -1 : 1));
  const candidates: number[] = [];
  for (const t of order) {
    const r = prepared.types[t].allocatable;
    let dominated = false;
    for (const k of candidates) {
      const q = prepared.types[k].allocatable;
      if (q.milliCpu >= r.milliCpu && q.memoryBytes >= r.memoryBytes && q.pods >= r.pods && q.gpus >= r.gpus && holdsWhatever(prepared.types[k], prepared.types[t])) {
        dominated = true;
        break;
      }
    }
    if (!dominated) candidates.push(t);
  }
  const coverTypes = candidates.map((t) => ({
    name: String(t),
    cpu: prepared.types[t].allocatable.milliCpu / 1000,
    memory: prepared.types[t].allocatable.memoryBytes / GIB,
    pricePerHour: prices[t],
  }));
  return { masks, prices, candidates, coverTypes };
}

/**
 * The profile of the same terms pinned to one zone, derived from the unpinned one: the offering
 * bits of other zones are cleared, and the candidates are those still compatible. (A type dominated
 * only by one that lacks the zone stays out; candidates are a search space, not a constraint.)
 */
export function pinProfileToZone(prepared: PreparedPool, base: RequirementProfile, zone: string): RequirementProfile {
  const n = prepared.types.length;
  const masks = new Int32Array(n);
  const prices = new Float64Array(n).fill(Infinity);
  for (let t = 0; t < n; t++) {
    if (base.masks[t] === 0) continue;
    const type = prepared.types[t];
    let zoneBits = 0;
    for (let i = 0; i < type.offerings.length; i++) if (type.offerings[i].zone === zone) zoneBits |= 1 << i;
    const mask = base.masks[t] & zoneBits;
    masks[t] = mask;
    if (mask !== 0) prices[t] = cheapestInMask(type, mask)!.pricePerHour;
  }
  const kept = base.candidates.map((t, i) => [t, i] as const).filter(([t]) => masks[t] !== 0);
  kept.sort((a, b) => prices[a[0]] - prices[b[0]] || (prepared.types[a[0]].name < prepared.types[b[0]].name ? -1 : 1));
  return {
    masks,
    prices,
    candidates: kept.map(([t]) => t),
    coverTypes: kept.map(([t, i]) => ({ ...base.coverTypes[i], pricePerHour: prices[t] })),
  };
}

/** Dual prices (USD per vCPU-hour, per GiB-hour) of covering a demand with the profile's candidates. */
export function capacityPrices(
  profile: RequirementProfile,
  demand: Resources,
  usable: (candidate: number) => boolean = () => true,
): { cpu: number; memory: number } {
  // Only types that can hold the pod being placed: a type too small for any pod (t4g.nano's 15 MiB)
  // would otherwise make CPU look free.
  const coverTypes = profile.coverTypes.filter((_c, i) => usable(profile.candidates[i]));
  const solution = fractionalCover({ cpu: demand.milliCpu / 1000, memory: demand.memoryBytes / GIB }, coverTypes);
  if (!solution || (solution.cpuPrice === 0 && solution.memoryPrice === 0)) return { cpu: 1, memory: 0.25 };
  return { cpu: solution.cpuPrice, memory: solution.memoryPrice };
}
