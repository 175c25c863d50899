/**
 * The bin-packing solver: pods (pending and predicted) × existing nodes × node pools × instance
 * types → a plan. Pure and deterministic: the same snapshot always gives the same plan.
 *
 * 1. Group pods into equivalence classes; split zone-spread classes over zones by water-filling
 *    (always the least-loaded eligible zone, which keeps every skew within maxSkew).
 * 2. First-fit-decreasing into existing nodes.
 * 3. Per pool, highest weight first: take the largest remaining class; first-fit it into the new
 *    nodes already planned; for what is left, open a node. The type is chosen with look-ahead:
 *    for every non-dominated compatible type, simulate filling it with this class and then the
 *    rest of the batch, value what it would hold at the covering LP's dual prices (what a vCPU
 *    and a GiB are worth when the remaining demand is bought at the lowest possible cost), and
 *    pick the highest value per dollar. The fill is then committed as simulated.
 * 4. Re-type every new node to the cheapest type that holds what it got (this trims the tail).
 */
import { Labels } from '../model/labels.js';
import type { ExistingNode } from '../model/node.js';
import { podKey, type Pod } from '../model/pod.js';
import { labelsSatisfy, type Requirement } from '../model/requirements.js';
import { subtractResources, type Resources } from '../model/resources.js';
import { toleratesAll } from '../model/scheduling-constraints.js';
import { antiAffinityHeldFor, applyJoin, cloneState, emptyState, joinAll, maxJoin, selectorCountsFor, type Bin, type BinState } from './bins.js';
import { allFollowers, isInFlightGroup, linkInFlightAffinity, strayFollowers, UNKNOWN_ZONE } from './in-flight-affinity.js';
import { attachedByDriver, volumeRoom } from '../model/volume-limits.js';
import { conflictingPort, hostPortKey, type HostPort } from '../model/host-ports.js';
import { formatBytes } from '../model/quantity.js';
import { advertisersOf, extendedLearning } from '../model/extended-resources.js';
import type { InstanceType } from '../model/instance-type.js';
import { buildPodClasses, buildSelectorTable, cmp, remaining, selectorMatchesLabels, splitByZone, type PodClass, type SelectorTable } from './pod-classes.js';
import {
  buildProfile,
  capacityPrices,
  cheapestInMask,
  pinProfileToZone,
  preparePools,
  withinLimits,
  type PreparedPool,
  type RequirementProfile,
} from './pools.js';
import type {
  InstanceTypeOption,
  PlannedNodeClaim,
  PodPlacement,
  SchedulingInput,
  SchedulingResult,
  UnplaceablePod,
  UnplaceableReason,
} from './types.js';

const GIB = 1024 ** 3;
const DEFAULT_MAX_OPTIONS = 20;
// Opening a node with one pod of its class and the best fillers instead was tried: no better plans, twice the time.
const FIRST_LIMITS = [Infinity];

interface Context {
  readonly input: SchedulingInput;
  readonly table: SelectorTable;
  readonly pools: PreparedPool[];
  readonly profiles: Map<string, RequirementProfile>;
  readonly classProfiles: Map<PodClass, RequirementProfile[]>;
  readonly acceptable: Map<string, TypeChoice[]>;
  readonly matches: Map<PodClass, Uint8Array>;
  readonly limitBlocked: Set<PodClass>;
  /** A new node's attach limits, when any class attaches volumes (else undefined: nothing to count). */
  newNodeVolumes?: Readonly<Record<string, number>>;
  /** Classes of groups that must share one node: planned as a whole by packNodeGroups, never piecemeal. */
  readonly nodeGrouped: Set<PodClass>;
}

function invalidRequest(name: string, value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return undefined;
  return `request ${name} must be a non-negative integer, got ${String(value)}`;
}

// Checked for every pod of every snapshot (bound ones too), so without allocating.
function invalidRequests(pod: Pod): string | undefined {
  const r = pod.requests;
  return invalidRequest('cpu', r?.milliCpu) ?? invalidRequest('memory', r?.memoryBytes) ?? invalidRequest('pods', r?.pods) ?? invalidRequest('gpus', r?.gpus);
}

export function solve(input: SchedulingInput): SchedulingResult {
  // Pods that must follow pods of the same pass into their zone are joined to them (or wait).
  const linked = linkInFlightAffinity(input.pods);
  if (linked.pods === input.pods) return solveLinked(input);
  const waiting: UnplaceablePod[] = linked.waiting.map((w) => ({ pod: w.pod, reason: 'AwaitingPodAffinity', message: w.message }));
  let pods = linked.pods;
  for (let round = 0; ; round++) {
    const result = solveLinked({ ...input, pods });
    // A follower planned where none of its leaders surely goes would wait on a node bought for it:
    // out, and plan again. After two re-plans, every follower waits (the last plan has none).
    const zones = plannedZones(result, input.existingNodes);
    const onExisting = new Set(result.placements.map((p) => p.pod));
    let stray = strayFollowers(linked.groups, zones, onExisting);
    if (stray.length === 0 || round === 3) {
      const unplaceable = [...result.unplaceable, ...waiting].sort((a, b) => cmp(a.pod, b.pod));
      return { ...result, unplaceable };
    }
    if (round === 2) stray = allFollowers(linked.groups).filter((f) => zones.has(f));
    const out = new Set(stray);
    pods = pods.filter((p) => !out.has(podKey(p)));
    for (const pod of stray) waiting.push({ pod, reason: 'AwaitingPodAffinity', message: 'waits for the pods its required pod affinity follows: they could not be planned in one zone with it, or will start on a node that exists' });
  }
}

/**
 * Each planned pod's zone: an existing node's (no zone label: its own domain); a new node's when
 * its claim allows one zone, else unknown (the cloud picks among them).
 */
function plannedZones(result: SchedulingResult, existingNodes: readonly ExistingNode[]): Map<string, string> {
  const zoneOfNode = new Map(existingNodes.map((n) => [n.name, n.labels[Labels.zone] ?? n.zone ?? `node:${n.name}`]));
  const out = new Map<string, string>();
  for (const p of result.placements) out.set(p.pod, zoneOfNode.get(p.node) ?? `node:${p.node}`);
  for (const claim of result.newNodeClaims) {
    const zones = claim.requirements.find((r) => r.key === Labels.zone && r.operator === 'In')?.values;
    const zone = zones?.length === 1 ? zones[0] : UNKNOWN_ZONE;
    for (const pod of claim.pods) out.set(pod, zone);
  }
  return out;
}

function solveLinked(input: SchedulingInput): SchedulingResult {
  // Malformed requests would poison every count downstream; such pods are reported, not planned.
  const invalid: UnplaceablePod[] = [];
  const validPods = input.pods.filter((pod) => {
    const problem = invalidRequests(pod);
    if (problem) invalid.push({ pod: podKey(pod), reason: 'InvalidPod', message: problem });
    return problem === undefined;
  });
  const boundPods = input.existingNodes.flatMap((n) => n.pods).filter((p) => invalidRequests(p) === undefined);
  const table = buildSelectorTable([...validPods, ...boundPods]);
  let classes = buildPodClasses(validPods, table);
  // Extended resources the pods ask for: what new nodes will offer is learned from the pools' nodes.
  const extendedNames = [...new Set(classes.flatMap((c) => (c.extended ?? []).map(([name]) => name)))].sort(cmp);
  const learned = extendedNames.length > 0 ? extendedLearning([...advertisersOf(input.existingNodes), ...(input.advertisingNodes ?? [])], extendedNames) : undefined;
  const typesByPool = learned ? withLearnedExtended(input, extendedNames, learned) : input.instanceTypesByPool;
  const pools = preparePools(input.nodePools, input.instanceTypes, input.excludedOfferings, existingPoolUsage(input), typesByPool);
  const ctx: Context = { input, table, pools, profiles: new Map(), classProfiles: new Map(), acceptable: new Map(), matches: new Map(), limitBlocked: new Set(), nodeGrouped: new Set() };

  const existingBins = input.existingNodes
    .filter((n) => !n.unschedulable)
    .slice()
    .sort((a, b) => Number(b.initialized) - Number(a.initialized) || cmp(a.name, b.name))
    .map((n) => existingBin(n, table, extendedNames, learned));

  if (input.newNodeVolumeLimits && classes.some((c) => c.volumes)) ctx.newNodeVolumes = input.newNodeVolumeLimits;
  classes = pinZones(ctx, classes, input.existingNodes);
  for (const c of classes) ctx.matches.set(c, matchVector(c, table));
  classes.sort(ffdOrder);

  const newBins: Bin[] = [];
  packNodeGroups(ctx, classes, existingBins, newBins);
  const placements: PodPlacement[] = [];
  for (const c of classes) {
    if (c.unsupported || ctx.nodeGrouped.has(c)) continue;
    for (const bin of existingBins) {
      if (remaining(c) === 0) break;
      if (!fitsExistingNode(c, bin.existing!)) continue;
      const k = maxJoin(bin, c, ctx.matches.get(c)!, remaining(c));
      if (k > 0) addToBin(bin, c, k);
    }
  }
  for (const bin of existingBins) for (const pod of bin.pods) placements.push({ pod: podKey(pod), node: bin.id });

  for (const prepared of pools) packPool(ctx, prepared, classes, newBins);
  retypeNewBins(ctx, newBins);

  const maxOptions = input.options?.maxInstanceTypeOptions ?? DEFAULT_MAX_OPTIONS;
  const prefix = input.options?.claimIdPrefix ?? 'planned';
  const newNodeClaims = newBins.map((bin, i) => plannedClaim(ctx, bin, `${prefix}-${i}`, maxOptions));
  const unplaceable: UnplaceablePod[] = [...invalid];
  for (const c of classes) {
    if (remaining(c) === 0) continue;
    const { reason, message } = explain(ctx, c);
    for (let i = c.next; i < c.pods.length; i++) unplaceable.push({ pod: podKey(c.pods[i]), reason, message });
  }
  unplaceable.sort((a, b) => cmp(a.pod, b.pod));
  const newCostPerHour = newNodeClaims.reduce((sum, claim) => sum + claim.offering.pricePerHour, 0);
  return { placements, newNodeClaims, unplaceable, newCostPerHour };
}

function ffdOrder(a: PodClass, b: PodClass): number {
  // Pods that need a node of their own go first, so the batch's other pods can fill around them.
  return b.antiAffinity.length - a.antiAffinity.length || b.nodeCaps.length - a.nodeCaps.length || b.size - a.size || cmp(a.key, b.key);
}

function matchVector(c: PodClass, table: SelectorTable): Uint8Array {
  const v = new Uint8Array(table.selectors.length);
  for (const s of c.matches) v[s] = 1;
  return v;
}

function existingPoolUsage(input: SchedulingInput): Map<string, { milliCpu: number; memoryBytes: number; gpus: number; nodes: number }> {
  const types = new Map(input.instanceTypes.map((t) => [t.name, t]));
  const usage = new Map<string, { milliCpu: number; memoryBytes: number; gpus: number; nodes: number }>();
  for (const node of input.existingNodes) {
    if (!node.nodePool) continue;
    const capacity = (node.instanceType && types.get(node.instanceType)?.capacity) || node.allocatable;
    const u = usage.get(node.nodePool) ?? { milliCpu: 0, memoryBytes: 0, gpus: 0, nodes: 0 };
    u.milliCpu += capacity.milliCpu;
    u.memoryBytes += capacity.memoryBytes;
    u.gpus += capacity.gpus;
    u.nodes += 1;
    usage.set(node.nodePool, u);
  }
  return usage;
}

/**
 * Each pool's types with what a new node will offer of each extended resource the pods ask for
 * (InstanceType.extendedResources), learned from the pool's nodes (extendedLearning); what a type
 * already says (a cloud that knows) is kept.
 */
function withLearnedExtended(input: SchedulingInput, names: readonly string[], learned: (pool: string, type: string, name: string) => number | undefined): Map<string, InstanceType[]> {
  const out = new Map<string, InstanceType[]>();
  for (const pool of input.nodePools) {
    const types = input.instanceTypesByPool?.get(pool.name) ?? input.instanceTypes;
    out.set(
      pool.name,
      types.map((type) => {
        const offered: Record<string, number> = {};
        for (const name of names) {
          if (type.extendedResources?.[name] !== undefined) continue;
          const amount = learned(pool.name, type.name, name);
          if (amount !== undefined) offered[name] = amount;
        }
        return Object.keys(offered).length > 0 ? { ...type, extendedResources: { ...type.extendedResources, ...offered } } : type;
      }),
    );
  }
  return out;
}

function subtractDefined(a: number | undefined, b: number): number | undefined {
  return a === undefined ? undefined : a - b;
}

function existingBin(node: ExistingNode, table: SelectorTable, extendedNames: readonly string[], learned: ((pool: string, type: string, name: string) => number | undefined) | undefined): Bin {
  const n = table.selectors.length;
  const bin: Bin = {
    id: node.name,
    existing: node,
    typeIndex: -1,
    freeCpu: node.allocatable.milliCpu,
    freeMemory: node.allocatable.memoryBytes,
    freePods: node.allocatable.pods,
    freeGpus: node.allocatable.gpus,
    mask: -1,
    selectorCounts: selectorCountsFor(n),
    antiAffinityHeld: antiAffinityHeldFor(n),
    pods: [],
    classes: new Set(),
    usedCpu: 0,
    usedMemory: 0,
    usedPods: 0,
    usedGpus: 0,
    usedEphemeral: 0,
  };
  for (const pod of node.pods) {
    bin.freeCpu -= pod.requests.milliCpu;
    bin.freeMemory -= pod.requests.memoryBytes;
    bin.freePods -= Math.max(1, pod.requests.pods);
    bin.freeGpus -= pod.requests.gpus;
    for (let i = 0; i < n; i++) if (selectorMatchesLabels(table.selectors[i], pod.labels)) bin.selectorCounts[i] += 1;
    if (pod.antiAffinity) for (const term of pod.antiAffinity) if (term.topologyKey === Labels.hostname) bin.antiAffinityHeld[table.indexOf(term.labelSelector, term.labelExpressions)] = 1;
  }
  // Extended resources the pods ask for: what the node advertises (one it does not list: none), or
  // for a node still launching what its pool's nodes of its type teach (not counted when nothing does).
  if (extendedNames.length > 0) {
    for (const name of extendedNames) {
      // Learned: a new node's figure, already less its DaemonSets' share.
      const fromPods = (pods: readonly Pod[]) => pods.reduce((sum, p) => sum + (p.extendedResources?.[name] ?? 0), 0);
      const free = node.extendedResources ? (node.extendedResources[name] ?? 0) - fromPods(node.pods) : node.nodePool && node.instanceType && learned ? subtractDefined(learned(node.nodePool, node.instanceType, name), fromPods(node.pods.filter((p) => !p.daemonSet))) : undefined;
      if (free === undefined) continue;
      bin.freeExtended ??= {};
      bin.freeExtended[name] = free;
    }
  }
  // Local ephemeral storage its pods request, when the node reports it.
  if (node.ephemeralStorage !== undefined) bin.freeEphemeral = node.ephemeralStorage - node.pods.reduce((sum, p) => sum + (p.ephemeralStorage ?? 0), 0);
  // Host ports its pods bind (and, while it launches, its DaemonSets will).
  const ports = [...(node.daemonSetHostPorts ?? []), ...node.pods.flatMap((p) => p.hostPorts ?? [])];
  if (ports.length > 0) bin.usedPorts = ports;
  // Attach limits: what its pods' distinct volumes leave of each driver's count.
  if (node.volumeLimits) bin.freeVolumes = volumeRoom(attachedByDriver(node.pods.map((p) => p.attachedVolumes ?? [])), new Map(Object.entries(node.volumeLimits)));
  return bin;
}

function fitsExistingNode(c: PodClass, node: ExistingNode): boolean {
  if (c.zone !== undefined && node.labels[Labels.zone] !== c.zone) return false;
  if (!toleratesAll(c.tolerations, node.taints)) return false;
  return c.terms.some((term) => labelsSatisfy(term, node.labels, node.name));
}

function addToBin(bin: Bin, c: PodClass, count: number): void {
  applyJoin(bin, c, count);
  for (let i = 0; i < count; i++) bin.pods.push(c.pods[c.next + i]);
  c.next += count;
  bin.classes.add(c);
  const r = c.requests;
  bin.usedCpu += r.milliCpu * count;
  bin.usedMemory += r.memoryBytes * count;
  bin.usedPods += r.pods * count;
  bin.usedGpus += r.gpus * count;
  bin.usedEphemeral += (c.ephemeralStorage ?? 0) * count;
  if (c.extended) {
    bin.usedExtended ??= {};
    for (const [name, perPod] of c.extended) bin.usedExtended[name] = (bin.usedExtended[name] ?? 0) + perPod * count;
  }
}

function profileFor(ctx: Context, prepared: PreparedPool, c: PodClass): RequirementProfile {
  // Hot path: a per-class array indexed by pool; classes with equal constraints share a profile.
  let byPool = ctx.classProfiles.get(c);
  if (!byPool) {
    byPool = [];
    ctx.classProfiles.set(c, byPool);
  }
  let profile: RequirementProfile | undefined = byPool[prepared.index];
  if (!profile) {
    const key = `${prepared.index}|${c.termsKey}|${c.zone ?? ''}|${JSON.stringify(c.tolerations)}`;
    profile = ctx.profiles.get(key);
    if (!profile) {
      if (c.zone === undefined) {
        profile = buildProfile(prepared, c.terms, undefined, c.tolerations);
      } else {
        const baseKey = `${prepared.index}|${c.termsKey}||${JSON.stringify(c.tolerations)}`;
        let base = ctx.profiles.get(baseKey);
        if (!base) {
          base = buildProfile(prepared, c.terms, undefined, c.tolerations);
          ctx.profiles.set(baseKey, base);
        }
        profile = pinProfileToZone(prepared, base, c.zone);
      }
    }
    ctx.profiles.set(key, profile);
    byPool[prepared.index] = profile;
  }
  return profile;
}

function typeFits(r: Resources, a: Resources): boolean {
  return r.milliCpu <= a.milliCpu && r.memoryBytes <= a.memoryBytes && Math.max(1, r.pods) <= a.pods && r.gpus <= a.gpus;
}

/** Zones where the class could run: offerings of compatible types that fit, and compatible existing nodes. */
function eligibleZones(ctx: Context, c: PodClass, nodes: readonly ExistingNode[]): string[] {
  const zones = new Set<string>();
  for (const prepared of ctx.pools) {
    const profile = profileFor(ctx, prepared, c);
    prepared.types.forEach((type, t) => {
      const mask = profile.masks[t];
      if (mask === 0 || !typeFits(c.requests, type.allocatable)) return;
      type.offerings.forEach((o, i) => {
        if (mask & (1 << i)) zones.add(o.zone);
      });
    });
  }
  for (const node of nodes) {
    const zone = node.labels[Labels.zone];
    if (zone && !node.unschedulable && fitsExistingNode(c, node)) zones.add(zone);
  }
  return [...zones].sort();
}

/** How many pods of requests `r` fit in `free`. */
function podsThatFit(r: Resources, free: Resources): number {
  let n = Math.floor(free.pods / Math.max(1, r.pods));
  if (r.milliCpu > 0) n = Math.min(n, Math.floor(free.milliCpu / r.milliCpu));
  if (r.memoryBytes > 0) n = Math.min(n, Math.floor(free.memoryBytes / r.memoryBytes));
  if (r.gpus > 0) n = Math.min(n, Math.floor(free.gpus / r.gpus));
  return Math.max(0, n);
}

/** An existing node's allocatable less its pods' requests (each pod takes at least one pod slot). */
function freeOn(node: ExistingNode): Resources {
  return node.pods.reduce((free, p) => subtractResources(free, { ...p.requests, pods: Math.max(1, p.requests.pods) }), node.allocatable);
}

/**
 * The one zone for a group that attracts itself by zone (the scheduler places its first pod
 * anywhere and the rest must follow it), over all its classes: among the zones every class can use
 * (none: the first class's), where existing nodes have room for the most of its pods (the scheduler
 * places the first there at once), else where new nodes hold them at the lowest price. Undefined
 * when nothing can hold the first class (explained later).
 */
function groupZone(ctx: Context, group: readonly PodClass[], nodes: readonly ExistingNode[]): string | undefined {
  // Classes nothing can hold are explained later; they do not choose the zone.
  const eligible = group.map((c) => new Set(eligibleZones(ctx, c, nodes))).filter((e) => e.size > 0);
  if (eligible.length === 0) return undefined;
  let zones = [...eligible[0]].filter((z) => eligible.every((e) => e.has(z))).sort();
  // No zone they share: pods linked in flight are not pinned (a leader is never forced out of the
  // zones it can use; followers the plan puts away from every leader wait); a self-attracting
  // group goes where its first class can.
  if (zones.length === 0 && group[0].zoneGroup !== undefined && isInFlightGroup(group[0].zoneGroup)) return undefined;
  if (zones.length === 0) zones = [...eligible[0]].sort();
  if (zones.length <= 1) return zones[0];
  const room = new Map<string, number>();
  for (const c of group) {
    for (const node of nodes) {
      const zone = node.labels[Labels.zone];
      if (!zone || !zones.includes(zone) || node.unschedulable || !fitsExistingNode(c, node)) continue;
      room.set(zone, (room.get(zone) ?? 0) + Math.min(remaining(c), podsThatFit(c.requests, freeOn(node))));
    }
  }
  const roomiest = zones.reduce((best, z) => ((room.get(z) ?? 0) > (room.get(best) ?? 0) ? z : best), zones[0]);
  if ((room.get(roomiest) ?? 0) > 0) return roomiest;
  // Per zone: the group's pods at each class's lowest price per pod there.
  const cost = new Map<string, number>(zones.map((z) => [z, 0]));
  for (const c of group) {
    const want = remaining(c);
    const perPod = new Map<string, number>();
    for (const prepared of ctx.pools) {
      const profile = profileFor(ctx, prepared, c);
      prepared.types.forEach((type, t) => {
        const mask = profile.masks[t];
        const fit = Math.min(want, podsThatFit(c.requests, type.allocatable));
        if (mask === 0 || fit === 0) return;
        type.offerings.forEach((o, i) => {
          if (mask & (1 << i) && o.pricePerHour / fit < (perPod.get(o.zone) ?? Infinity)) perPod.set(o.zone, o.pricePerHour / fit);
        });
      });
    }
    for (const z of zones) cost.set(z, cost.get(z)! + (perPod.get(z) ?? Infinity) * want);
  }
  return zones.reduce((best, z) => (cost.get(z)! < cost.get(best)! ? z : best), zones[0]);
}

/** Splits zone-spread classes over zones, always adding to the least-loaded zone. */
function pinZones(ctx: Context, classes: PodClass[], nodes: readonly ExistingNode[]): PodClass[] {
  let nextIndex = classes.length;
  const out: PodClass[] = [];
  // Per selector and node terms: the matching pods per zone, on the nodes the class may run on
  // (kube-scheduler's default nodeAffinityPolicy Honor: pods on other pools' nodes do not count).
  const countsBySelector = new Map<string, Map<string, number>>();
  const countsFor = (selector: number, c: PodClass): Map<string, number> => {
    const key = `${selector}|${c.termsKey}`;
    let counts = countsBySelector.get(key);
    if (!counts) {
      counts = new Map();
      const s = ctx.table.selectors[selector];
      for (const node of nodes) {
        const zone = node.labels[Labels.zone];
        if (!zone || !c.terms.some((term) => labelsSatisfy(term, node.labels, node.name))) continue;
        for (const pod of node.pods) if (selectorMatchesLabels(s, pod.labels)) counts.set(zone, (counts.get(zone) ?? 0) + 1);
      }
      countsBySelector.set(key, counts);
    }
    return counts;
  };
  /** Per self-attracting group: its zone, chosen over all its classes. */
  const groupZones = new Map<string, string | undefined>();
  const groups = new Map<string, PodClass[]>();
  for (const c of classes) {
    if (c.zoneGroup === undefined || c.zoneSpread || c.unsupported) continue;
    const members = groups.get(c.zoneGroup);
    if (members) members.push(c);
    else groups.set(c.zoneGroup, [c]);
  }
  for (const members of groups.values()) members.sort((a, b) => cmp(a.key, b.key));
  for (const c of [...classes].sort((a, b) => cmp(a.key, b.key))) {
    if (c.zoneGroup !== undefined && !c.zoneSpread && !c.unsupported) {
      if (!groupZones.has(c.zoneGroup)) groupZones.set(c.zoneGroup, groupZone(ctx, groups.get(c.zoneGroup)!, nodes));
      const zone = groupZones.get(c.zoneGroup);
      out.push(zone === undefined ? c : { ...c, index: nextIndex++, key: `${c.key}@${zone}`, zone });
      continue;
    }
    if (!c.zoneSpread || c.unsupported) {
      out.push(c);
      continue;
    }
    const zones = eligibleZones(ctx, c, nodes);
    if (zones.length === 0) {
      out.push(c); // nothing can hold it; explained later
      continue;
    }
    const counts = countsFor(c.zoneSpread.selector, c);
    const matchesOwn = c.matches.includes(c.zoneSpread.selector);
    const assigned = new Map<string, number>(zones.map((z) => [z, 0]));
    for (let i = 0; i < remaining(c); i++) {
      let best = zones[0];
      for (const z of zones) if ((counts.get(z) ?? 0) < (counts.get(best) ?? 0)) best = z;
      assigned.set(best, assigned.get(best)! + 1);
      if (matchesOwn) counts.set(best, (counts.get(best) ?? 0) + 1);
      else counts.set(best, (counts.get(best) ?? 0) + 0);
    }
    out.push(...splitByZone(c, zones.map((z) => [z, assigned.get(z)!] as const), () => nextIndex++));
  }
  return out;
}

interface Fill {
  readonly state: BinState;
  readonly joins: Array<[PodClass, number]>;
  readonly value: number;
}

/**
 * Per pool: the batch and, per pod class, its standalone cost — what one pod costs when its class
 * is packed alone on the best type for it (price ÷ how many fit). A node's worth is the standalone
 * cost of what it holds; worth ÷ price above 1 means mixing pods on it beats packing them apart.
 * (The covering LP's dual prices were tried first: on a catalog with tiny CPU-rich types and huge
 * memory-rich ones they price capacity no real pod can use, and steer the choice badly.)
 */
class PoolPacking {
  private readonly standalone = new Map<PodClass, number>();
  private readonly orders = new Map<number, PodClass[]>();
  /** Per class: its profile's offering masks in this pool (hot path, so no map lookups). */
  private readonly masks = new Map<PodClass, Int32Array>();
  readonly smallestCpu: number;
  readonly smallestMemory: number;

  constructor(
    private readonly ctx: Context,
    readonly prepared: PreparedPool,
    readonly batch: readonly PodClass[],
  ) {
    this.smallestCpu = Math.min(...batch.map((d) => d.requests.milliCpu));
    this.smallestMemory = Math.min(...batch.map((d) => d.requests.memoryBytes));
    for (const d of batch) this.masks.set(d, profileFor(ctx, prepared, d).masks);
  }

  worth(d: PodClass): number {
    let v = this.standalone.get(d);
    if (v === undefined) {
      v = Infinity;
      const profile = profileFor(this.ctx, this.prepared, d);
      for (const t of profile.candidates) {
        const fit = fitCount(d.requests, this.prepared.types[t].allocatable);
        if (fit > 0) v = Math.min(v, profile.prices[t] / fit);
      }
      if (!Number.isFinite(v)) v = 0;
      this.standalone.set(d, v);
    }
    return v;
  }

  /**
   * The classes that can go on type `t`, ordered for filling it: worth per share of the type's
   * room, best first — memory-heavy pods first on memory-rich types, CPU-heavy ones on CPU-rich.
   */
  order(t: number): PodClass[] {
    let order = this.orders.get(t);
    if (order && order.length > 16 && remaining(order[order.length >> 1]) === 0 && order.filter((d) => remaining(d) === 0).length * 2 > order.length) {
      // Mostly exhausted classes: compact so fills stop walking past them.
      order = order.filter((d) => remaining(d) > 0);
      this.orders.set(t, order);
    }
    if (!order) {
      const a = this.prepared.types[t].allocatable;
      const density = (d: PodClass): number => {
        const r = d.requests;
        const share = Math.max(r.milliCpu / Math.max(1, a.milliCpu), r.memoryBytes / Math.max(1, a.memoryBytes), r.pods / Math.max(1, a.pods), r.gpus > 0 ? r.gpus / Math.max(1, a.gpus) : 0);
        return this.worth(d) / share;
      };
      const scored = this.batch
        .filter((d) => this.masks.get(d)![t] !== 0 && d.requests.milliCpu <= a.milliCpu && d.requests.memoryBytes <= a.memoryBytes && d.requests.gpus <= a.gpus)
        .map((d) => [d, density(d)] as const);
      scored.sort((x, y) => y[1] - x[1] || cmp(x[0].key, y[0].key));
      order = scored.map(([d]) => d);
      this.orders.set(t, order);
    }
    return order;
  }

  /**
   * Fills a fresh node of type `t`: first up to `firstLimit` pods of `first` (the class the node is
   * opened for), then the classes in the type's order. Nothing is committed.
   */
  simulate(t: number, first: PodClass, firstLimit: number): Fill | undefined {
    const { ctx, prepared } = this;
    const type = prepared.types[t];
    const mask0 = this.masks.get(first)![t];
    if (mask0 === 0) return undefined;
    const state = emptyState(type, mask0, ctx.table.selectors.length, ctx.newNodeVolumes);
    const joins: Array<[PodClass, number]> = [];
    let value = 0;
    const firstCount = this.join(state, t, first, Math.min(firstLimit, remaining(first)));
    if (firstCount === 0) return undefined;
    joins.push([first, firstCount]);
    value += firstCount * this.worth(first);
    for (const d of this.order(t)) {
      // Once no pod of the batch could fit, the rest of the order is wasted work.
      if (state.freePods === 0 || state.freeCpu < this.smallestCpu || state.freeMemory < this.smallestMemory) break;
      const r = d.requests;
      if (r.milliCpu > state.freeCpu || r.memoryBytes > state.freeMemory) continue;
      const left = remaining(d) - (d === first ? firstCount : 0);
      if (left <= 0) continue;
      const k = this.join(state, t, d, left);
      if (k === 0) continue;
      if (d === first) joins[0][1] += k;
      else joins.push([d, k]);
      value += k * this.worth(d);
    }
    return { state, joins, value };
  }

  /** Adds up to `limit` pods of `d` to the simulated node; returns how many it took. */
  private join(state: BinState, t: number, d: PodClass, limit: number): number {
    if (limit <= 0) return 0;
    const m = this.masks.get(d)![t] & state.mask;
    if (m === 0) return 0;
    const k = maxJoin(state, d, this.ctx.matches.get(d)!, limit);
    if (k === 0) return 0;
    state.mask = m;
    applyJoin(state, d, k);
    return k;
  }
}

function fitCount(r: Resources, a: Resources): number {
  let k = Math.floor(a.pods / Math.max(1, r.pods));
  if (r.milliCpu > 0) k = Math.min(k, Math.floor(a.milliCpu / r.milliCpu));
  if (r.memoryBytes > 0) k = Math.min(k, Math.floor(a.memoryBytes / r.memoryBytes));
  if (r.gpus > 0) k = Math.min(k, Math.floor(a.gpus / r.gpus));
  return k;
}

function newBin(ctx: Context, prepared: PreparedPool, t: number, mask: number): Bin {
  const a = prepared.types[t].allocatable;
  const selectors = ctx.table.selectors.length;
  const daemonPorts = prepared.types[t].daemonSetHostPorts;
  const ephemeral = prepared.types[t].ephemeralStorage;
  const extended = prepared.types[t].extendedResources;
  return {
    ...(ephemeral !== undefined ? { freeEphemeral: ephemeral } : {}),
    ...(extended ? { freeExtended: { ...extended } } : {}),
    ...(ctx.newNodeVolumes ? { freeVolumes: { ...ctx.newNodeVolumes } } : {}),
    ...(daemonPorts && daemonPorts.length > 0 ? { usedPorts: daemonPorts } : {}),
    freeCpu: a.milliCpu,
    freeMemory: a.memoryBytes,
    freePods: a.pods,
    freeGpus: a.gpus,
    mask,
    selectorCounts: selectorCountsFor(selectors),
    antiAffinityHeld: antiAffinityHeldFor(selectors),
    id: '',
    pool: prepared,
    typeIndex: t,
    pods: [],
    classes: new Set(),
    usedCpu: 0,
    usedMemory: 0,
    usedPods: 0,
    usedGpus: 0,
    usedEphemeral: 0,
  };
}

function packPool(ctx: Context, prepared: PreparedPool, classes: readonly PodClass[], newBins: Bin[]): void {
  const batch = classes.filter(
    (c) => !c.unsupported && !ctx.nodeGrouped.has(c) && remaining(c) > 0 && profileFor(ctx, prepared, c).candidates.some((t) => typeFits(c.requests, prepared.types[t].allocatable)),
  );
  const packing = new PoolPacking(ctx, prepared, batch);
  const open: Bin[] = [];
  // A bin that could not take more of a class never can later (room, offerings and per-node pod
  // counts only shrink), so each class scans each planned bin once.
  const scanned = new Map<PodClass, number>();
  const skipped = new Set<PodClass>();
  const limits = prepared.pool.limits;
  let cursor = 0;
  for (;;) {
    // Classes only lose pods and skipped ones stay skipped, so the first open class only moves forward.
    while (cursor < batch.length && (remaining(batch[cursor]) === 0 || skipped.has(batch[cursor]))) cursor++;
    if (cursor === batch.length) return;
    const c = batch[cursor];
    const profile = profileFor(ctx, prepared, c);
    let i = scanned.get(c) ?? 0;
    for (; i < open.length && remaining(c) > 0; i++) {
      const bin = open[i];
      if (bin.freePods === 0 || (profile.masks[bin.typeIndex] & bin.mask) === 0) continue;
      const k = maxJoin(bin, c, ctx.matches.get(c)!, remaining(c));
      if (k > 0) {
        bin.mask &= profile.masks[bin.typeIndex];
        addToBin(bin, c, k);
      }
    }
    scanned.set(c, i);
    if (remaining(c) === 0) continue;

    let best: { t: number; fill: Fill; score: number; price: number } | undefined;
    for (const t of profile.candidates) {
      const type = prepared.types[t];
      if (!typeFits(c.requests, type.allocatable)) continue;
      if (!withinLimits(prepared.usage, type.capacity, limits)) continue;
      // Two ways to open it: as much of this class as fits, or one pod and the best fillers.
      for (const firstLimit of FIRST_LIMITS) {
        const fill = packing.simulate(t, c, firstLimit);
        if (!fill) continue;
        const price = fill.state.mask === profile.masks[t] ? profile.prices[t] : cheapestInMask(type, fill.state.mask)!.pricePerHour;
        const score = fill.value / price;
        if (
          !best ||
          score > best.score * (1 + 1e-9) ||
          (score >= best.score * (1 - 1e-9) && (price < best.price || (price === best.price && cmp(type.name, prepared.types[best.t].name) < 0)))
        ) {
          best = { t, fill, score, price };
        }
      }
    }
    if (!best) {
      ctx.limitBlocked.add(c);
      skipped.add(c);
      continue;
    }
    // The same node is likely the best choice again while its pods last: repeat the pattern for
    // half of what remains (halving keeps room for the prices and the batch to move).
    let copies = Infinity;
    for (const [d, k] of best.fill.joins) copies = Math.min(copies, Math.floor(remaining(d) / k));
    copies = Math.max(1, Math.floor(copies / 1));
    const type = prepared.types[best.t];
    for (let i = 0; i < copies; i++) {
      if (i > 0 && !withinLimits(prepared.usage, type.capacity, limits)) break;
      const bin = newBin(ctx, prepared, best.t, profile.masks[best.t]);
      for (const [d, k] of best.fill.joins) {
        bin.mask &= profileFor(ctx, prepared, d).masks[best.t];
        addToBin(bin, d, k);
      }
      addUsage(prepared, type.capacity, 1);
      open.push(bin);
      newBins.push(bin);
    }
  }
}

/**
 * Groups whose pods must share one node (a group attracting itself on the hostname key, none
 * running yet: the scheduler places the first pod anywhere and the others only on its node). Each
 * goes whole onto the first existing node with room for all of it, else onto one new node — in the
 * highest-weight pool with a type that holds it all, the cheapest such type. A group no node holds
 * is not planned (pods beyond the first node's room would wait forever anyway). Zone-spread classes
 * are left to the spread. Before anything else, so the group finds room before other pods take it.
 */
function packNodeGroups(ctx: Context, classes: readonly PodClass[], existingBins: readonly Bin[], newBins: Bin[]): void {
  const groups = new Map<string, PodClass[]>();
  for (const c of classes) {
    if (c.nodeGroup === undefined || c.unsupported || c.zoneSpread || remaining(c) === 0) continue;
    const members = groups.get(c.nodeGroup);
    if (members) members.push(c);
    else groups.set(c.nodeGroup, [c]);
  }
  const matches = (c: PodClass) => ctx.matches.get(c)!;
  for (const name of [...groups.keys()].sort()) {
    const members = groups.get(name)!;
    for (const c of members) ctx.nodeGrouped.add(c);
    const existing = existingBins.find((bin) => members.every((c) => fitsExistingNode(c, bin.existing!)) && joinAll(cloneState(bin), members, matches));
    if (existing) {
      for (const c of members) addToBin(existing, c, remaining(c));
      continue;
    }
    for (const prepared of ctx.pools) {
      const profiles = members.map((c) => profileFor(ctx, prepared, c));
      let best: { t: number; mask: number; price: number } | undefined;
      prepared.types.forEach((type, t) => {
        let mask = -1;
        for (const p of profiles) mask &= p.masks[t];
        if (mask === 0 || !withinLimits(prepared.usage, type.capacity, prepared.pool.limits)) return;
        if (!joinAll(emptyState(type, mask, ctx.table.selectors.length, ctx.newNodeVolumes), members, matches)) return;
        const price = cheapestInMask(type, mask)!.pricePerHour;
        if (!best || price < best.price || (price === best.price && cmp(type.name, prepared.types[best.t].name) < 0)) best = { t, mask, price };
      });
      if (!best) continue;
      const chosen: { t: number; mask: number } = best;
      const bin = newBin(ctx, prepared, chosen.t, chosen.mask);
      for (const c of members) addToBin(bin, c, remaining(c));
      addUsage(prepared, prepared.types[chosen.t].capacity, 1);
      newBins.push(bin);
      break;
    }
  }
}

function gpuPrice(prepared: PreparedPool, profile: RequirementProfile): number {
  let best = Infinity;
  for (const t of profile.candidates) {
    const g = prepared.types[t].allocatable.gpus;
    if (g > 0) best = Math.min(best, profile.prices[t] / g);
  }
  return Number.isFinite(best) ? best : 0;
}

function addUsage(prepared: PreparedPool, capacity: Resources, nodes: number): void {
  prepared.usage.milliCpu += capacity.milliCpu;
  prepared.usage.memoryBytes += capacity.memoryBytes;
  prepared.usage.gpus += capacity.gpus;
  prepared.usage.nodes += nodes;
}

interface TypeChoice {
  readonly t: number;
  readonly mask: number;
  readonly price: number;
}

/** Types of the bin's pool that can hold everything on the bin, cheapest first. */
function acceptableTypes(ctx: Context, bin: Bin): TypeChoice[] {
  const prepared = bin.pool!;
  // Repeated patterns give many identical bins: compute once per content.
  const signature = `${prepared.index}|${[...bin.classes].map((c) => c.index).sort((a, b) => a - b).join(',')}|${bin.usedCpu}|${bin.usedMemory}|${bin.usedPods}|${bin.usedGpus}|${bin.usedEphemeral}|${bin.usedExtended ? JSON.stringify(bin.usedExtended) : ''}`;
  const cached = ctx.acceptable.get(signature);
  if (cached) return cached;
  const choices = computeAcceptableTypes(ctx, bin);
  ctx.acceptable.set(signature, choices);
  return choices;
}

function computeAcceptableTypes(ctx: Context, bin: Bin): TypeChoice[] {
  const prepared = bin.pool!;
  const profiles = [...bin.classes].map((c) => profileFor(ctx, prepared, c));
  const used = { milliCpu: bin.usedCpu, memoryBytes: bin.usedMemory, pods: bin.usedPods, gpus: bin.usedGpus };
  const choices: TypeChoice[] = [];
  const portClasses = [...bin.classes].filter((c) => c.hostPorts);
  prepared.types.forEach((type, t) => {
    if (!typeFits(used, type.allocatable)) return;
    if (type.ephemeralStorage !== undefined && bin.usedEphemeral > type.ephemeralStorage) return;
    if (bin.usedExtended && type.extendedResources && Object.entries(bin.usedExtended).some(([name, used]) => (type.extendedResources![name] ?? Infinity) < used)) return;
    if (portClasses.some((c) => takenByDaemonSets(c, type))) return;
    let mask = -1;
    for (const p of profiles) {
      mask &= p.masks[t];
      if (mask === 0) return;
    }
    choices.push({ t, mask, price: cheapestInMask(type, mask)!.pricePerHour });
  });
  choices.sort((a, b) => a.price - b.price || cmp(prepared.types[a.t].name, prepared.types[b.t].name));
  return choices;
}

/** Re-types each new node to the cheapest type holding what it got, within the pool's limits. */
function retypeNewBins(ctx: Context, bins: Bin[]): void {
  for (const bin of bins) {
    const prepared = bin.pool!;
    const current = prepared.types[bin.typeIndex];
    const currentPrice = cheapestInMask(current, bin.mask)!.pricePerHour;
    for (const choice of acceptableTypes(ctx, bin)) {
      if (choice.price >= currentPrice) break;
      const candidate = prepared.types[choice.t];
      const usageWithout = {
        milliCpu: prepared.usage.milliCpu - current.capacity.milliCpu,
        memoryBytes: prepared.usage.memoryBytes - current.capacity.memoryBytes,
        gpus: prepared.usage.gpus - current.capacity.gpus,
        nodes: prepared.usage.nodes - 1,
      };
      if (!withinLimits(usageWithout, candidate.capacity, prepared.pool.limits)) continue;
      prepared.usage.milliCpu = usageWithout.milliCpu + candidate.capacity.milliCpu;
      prepared.usage.memoryBytes = usageWithout.memoryBytes + candidate.capacity.memoryBytes;
      prepared.usage.gpus = usageWithout.gpus + candidate.capacity.gpus;
      prepared.usage.nodes = usageWithout.nodes + 1;
      bin.typeIndex = choice.t;
      bin.mask = choice.mask;
      break;
    }
  }
}

function plannedClaim(ctx: Context, bin: Bin, id: string, maxOptions: number): PlannedNodeClaim {
  const prepared = bin.pool!;
  const type = prepared.types[bin.typeIndex];
  const offering = cheapestInMask(type, bin.mask)!;
  const options: InstanceTypeOption[] = [{ instanceType: type.name, offering }];
  for (const choice of acceptableTypes(ctx, bin)) {
    if (options.length >= maxOptions) break;
    if (choice.t === bin.typeIndex) continue;
    options.push({ instanceType: prepared.types[choice.t].name, offering: cheapestInMask(prepared.types[choice.t], choice.mask)! });
  }
  const zones = new Set<string>();
  const capacityTypes = new Set<string>();
  type.offerings.forEach((o, i) => {
    if (bin.mask & (1 << i)) {
      zones.add(o.zone);
      capacityTypes.add(o.capacityType);
    }
  });
  const requirements: Requirement[] = [
    ...prepared.pool.requirements.filter((r) => r.key !== Labels.instanceType && r.key !== Labels.zone && r.key !== Labels.capacityType),
    { key: Labels.instanceType, operator: 'In', values: options.map((o) => o.instanceType) },
    { key: Labels.zone, operator: 'In', values: [...zones].sort() },
    { key: Labels.capacityType, operator: 'In', values: [...capacityTypes].sort() },
  ];
  return {
    id,
    nodePool: prepared.pool.name,
    instanceType: type.name,
    offering,
    instanceTypeOptions: options,
    requirements,
    pods: bin.pods.map(podKey),
    requests: { milliCpu: bin.usedCpu, memoryBytes: bin.usedMemory, pods: bin.usedPods, gpus: bin.usedGpus },
    allocatable: type.allocatable,
  };
}

function describeRequests(r: Resources): string {
  const parts = [`cpu=${r.milliCpu}m`, `memory=${Math.ceil(r.memoryBytes / (1024 * 1024))}Mi`];
  if (r.gpus > 0) parts.push(`gpu=${r.gpus}`);
  return parts.join(', ');
}

/** The first of the class's host ports the type's DaemonSets bind on a new node, if any. */
function takenByDaemonSets(c: PodClass, type: InstanceType): HostPort | undefined {
  return c.hostPorts && type.daemonSetHostPorts ? conflictingPort(c.hostPorts, type.daemonSetHostPorts) : undefined;
}

function explain(ctx: Context, c: PodClass): { reason: UnplaceableReason; message: string } {
  if (c.unsupported) return { reason: 'UnsupportedConstraint', message: c.unsupported };
  let compatible = false;
  let fitting = false;
  let portFree = false;
  let taken: HostPort | undefined;
  let mostEphemeral = -1;
  let lacking: string | undefined;
  for (const prepared of ctx.pools) {
    const profile = profileFor(ctx, prepared, c);
    for (let t = 0; t < prepared.types.length; t++) {
      if (profile.masks[t] === 0) continue;
      compatible = true;
      if (!typeFits(c.requests, prepared.types[t].allocatable)) continue;
      const offered = prepared.types[t].ephemeralStorage;
      if (c.ephemeralStorage && offered !== undefined && c.ephemeralStorage > offered) {
        mostEphemeral = Math.max(mostEphemeral, offered);
        continue;
      }
      const short = c.extended?.find(([name, perPod]) => (prepared.types[t].extendedResources?.[name] ?? Infinity) < perPod);
      if (short) {
        lacking ??= short[0];
        continue;
      }
      fitting = true;
      const port = takenByDaemonSets(c, prepared.types[t]);
      if (port) taken ??= port;
      else portFree = true;
    }
  }
  if (!compatible) {
    return {
      reason: 'NoCompatibleNodePool',
      message: ctx.pools.length === 0 ? 'no node pools' : 'no node pool offers an instance type and offering matching its node selector, affinity, zone and tolerations',
    };
  }
  if (!fitting && mostEphemeral >= 0) return { reason: 'NoInstanceTypeFits', message: `it requests ${formatBytes(c.ephemeralStorage!)} of ephemeral-storage; a new node offers at most ${formatBytes(mostEphemeral)}` };
  if (!fitting && lacking !== undefined) {
    const perPod = c.extended!.find(([name]) => name === lacking)![1];
    return { reason: 'NoInstanceTypeFits', message: `it requests ${perPod} ${lacking}, and no new node of its pools will offer that many: none of the pools' nodes that run advertise enough of it` };
  }
  if (!fitting) return { reason: 'NoInstanceTypeFits', message: `no compatible instance type has allocatable for ${describeRequests(c.requests)}` };
  if (!portFree && taken) return { reason: 'ConstraintUnsatisfiable', message: `it binds host port ${hostPortKey(taken)}, which a DaemonSet binds on every new node it could run on` };
  if (ctx.nodeGrouped.has(c)) {
    const size = [...ctx.nodeGrouped].filter((d) => d.nodeGroup === c.nodeGroup).reduce((n, d) => n + d.pods.length, 0);
    return { reason: 'ConstraintUnsatisfiable', message: `its required pod affinity on ${Labels.hostname} puts its group (${size} pods) on one node, and no node holds them all` };
  }
  const overLimit = c.volumes?.find(([driver, perPod]) => (ctx.newNodeVolumes?.[driver] ?? Infinity) < perPod);
  if (overLimit) return { reason: 'NoInstanceTypeFits', message: `it attaches ${overLimit[1]} ${overLimit[0]} volumes; a node attaches at most ${ctx.newNodeVolumes![overLimit[0]]}` };
  if (ctx.limitBlocked.has(c)) return { reason: 'NodePoolLimitReached', message: 'every compatible node pool is at its limits' };
  return { reason: 'ConstraintUnsatisfiable', message: 'anti-affinity or topology spread rules leave no node for it' };
}

/** Convenience for callers that only need to know whether pods fit on the given nodes (no new nodes). */
export function fitsOnExisting(pods: readonly Pod[], nodes: readonly ExistingNode[]): boolean {
  const result = solve({ pods, existingNodes: nodes, nodePools: [], instanceTypes: [] });
  return result.unplaceable.length === 0;
}
