/**
 * A bin is a node being filled during planning: an existing node with its free capacity, or a
 * new node of a chosen type. It tracks what the constraints need: free resources, which
 * offerings remain acceptable, and per-selector pod counts for anti-affinity and spread caps.
 */
import type { InstanceType } from '../model/instance-type.js';
import type { ExistingNode } from '../model/node.js';
import { conflictingPort, type HostPort } from '../model/host-ports.js';
import type { Pod } from '../model/pod.js';
import { remaining, type PodClass } from './pod-classes.js';
import type { PreparedPool } from './pools.js';

export interface BinState {
  freeCpu: number;
  freeMemory: number;
  freePods: number;
  freeGpus: number;
  /** Offering bits still acceptable (new bins); -1 for existing nodes. */
  mask: number;
  /** Pods on the bin matching each selector. */
  readonly selectorCounts: Int32Array;
  /** 1 where a pod on the bin has hostname anti-affinity against that selector. */
  readonly antiAffinityHeld: Uint8Array;
  /** Per CSI driver with an attach limit, how many more volumes the node attaches (undefined: no limits). */
  freeVolumes?: Record<string, number>;
  /** The host ports its pods bind (undefined: none); replaced, never changed in place, so states may share it. */
  usedPorts?: readonly HostPort[];
  /** Local ephemeral storage left, in bytes (undefined: not counted). */
  freeEphemeral?: number;
  /** Extended resources left, for the names counted (a name not listed is not counted). */
  freeExtended?: Record<string, number>;
}

export interface Bin extends BinState {
  readonly id: string;
  readonly existing?: ExistingNode;
  readonly pool?: PreparedPool;
  typeIndex: number;
  readonly pods: Pod[];
  /** Classes with pods on this bin (for re-typing a new bin at the end). */
  readonly classes: Set<PodClass>;
  usedCpu: number;
  usedMemory: number;
  usedPods: number;
  usedGpus: number;
  /** Local ephemeral storage its pods request, in bytes. */
  usedEphemeral: number;
  /** Extended resources its planned pods request (undefined: none). */
  usedExtended?: Record<string, number>;
}

// Most snapshots have no anti-affinity or spread selectors: then every bin shares these (a typed
// array of length 0 holds nothing to write), which saves two allocations per bin and per trial fill.
const NO_COUNTS = new Int32Array(0);
const NO_HELD = new Uint8Array(0);

/** Per-selector pod counts for a new bin (the shared empty array when there are no selectors). */
export function selectorCountsFor(selectors: number): Int32Array {
  return selectors === 0 ? NO_COUNTS : new Int32Array(selectors);
}

/** Per-selector anti-affinity flags for a new bin (the shared empty array when there are no selectors). */
export function antiAffinityHeldFor(selectors: number): Uint8Array {
  return selectors === 0 ? NO_HELD : new Uint8Array(selectors);
}

export function emptyState(type: InstanceType, mask: number, selectors: number, volumeLimits?: Readonly<Record<string, number>>): BinState {
  return {
    ...(type.extendedResources ? { freeExtended: { ...type.extendedResources } } : {}),
    ...(volumeLimits ? { freeVolumes: { ...volumeLimits } } : {}),
    ...(type.daemonSetHostPorts && type.daemonSetHostPorts.length > 0 ? { usedPorts: type.daemonSetHostPorts } : {}),
    ...(type.ephemeralStorage !== undefined ? { freeEphemeral: type.ephemeralStorage } : {}),
    freeCpu: type.allocatable.milliCpu,
    freeMemory: type.allocatable.memoryBytes,
    freePods: type.allocatable.pods,
    freeGpus: type.allocatable.gpus,
    mask,
    selectorCounts: selectorCountsFor(selectors),
    antiAffinityHeld: antiAffinityHeldFor(selectors),
  };
}

/** How many more pods of class `c` the state can take, by resources and by per-node pod rules. */
export function maxJoin(state: BinState, c: PodClass, matches: Uint8Array, limit: number): number {
  const r = c.requests;
  let k = limit;
  if (r.milliCpu > 0) k = Math.min(k, Math.floor(state.freeCpu / r.milliCpu));
  if (r.memoryBytes > 0) k = Math.min(k, Math.floor(state.freeMemory / r.memoryBytes));
  k = Math.min(k, Math.floor(state.freePods / r.pods));
  if (r.gpus > 0) k = Math.min(k, Math.floor(state.freeGpus / r.gpus));
  if (c.ephemeralStorage && state.freeEphemeral !== undefined) k = Math.min(k, Math.floor(state.freeEphemeral / c.ephemeralStorage));
  if (c.extended && state.freeExtended) {
    for (const [name, perPod] of c.extended) {
      const free = state.freeExtended[name];
      if (free !== undefined) k = Math.min(k, Math.floor(free / perPod));
    }
  }
  if (state.freeVolumes && c.volumes) {
    for (const [driver, perPod] of c.volumes) {
      const free = state.freeVolumes[driver];
      if (free !== undefined) k = Math.min(k, Math.floor(free / perPod));
    }
  }
  if (k <= 0) return 0;
  if (c.hostPorts) {
    // Pods of one class bind the same ports: one per node, and none beside a conflicting port.
    if (state.usedPorts && conflictingPort(c.hostPorts, state.usedPorts)) return 0;
    k = 1;
  }
  for (const s of c.antiAffinity) if (state.selectorCounts[s] > 0) return 0;
  for (const s of c.matches) if (state.antiAffinityHeld[s]) return 0;
  for (const cap of c.nodeCaps) {
    const count = state.selectorCounts[cap.selector];
    if (count > cap.maxBefore) return 0;
    if (matches[cap.selector]) k = Math.min(k, cap.maxBefore - count + 1);
  }
  return Math.max(0, k);
}

/** A copy of the state to try joins on. */
export function cloneState(s: BinState): BinState {
  return {
    freeCpu: s.freeCpu,
    freeMemory: s.freeMemory,
    freePods: s.freePods,
    freeGpus: s.freeGpus,
    mask: s.mask,
    selectorCounts: s.selectorCounts.length === 0 ? s.selectorCounts : s.selectorCounts.slice(),
    antiAffinityHeld: s.antiAffinityHeld.length === 0 ? s.antiAffinityHeld : s.antiAffinityHeld.slice(),
    ...(s.freeVolumes ? { freeVolumes: { ...s.freeVolumes } } : {}),
    ...(s.usedPorts ? { usedPorts: s.usedPorts } : {}),
    ...(s.freeEphemeral !== undefined ? { freeEphemeral: s.freeEphemeral } : {}),
    ...(s.freeExtended ? { freeExtended: { ...s.freeExtended } } : {}),
  };
}

/** Whether every pod left of every class joins the state (applied to it as they do). */
export function joinAll(state: BinState, classes: readonly PodClass[], matches: (c: PodClass) => Uint8Array): boolean {
  for (const c of classes) {
    const want = remaining(c);
    if (maxJoin(state, c, matches(c), want) < want) return false;
    applyJoin(state, c, want);
  }
  return true;
}

export function applyJoin(state: BinState, c: PodClass, count: number): void {
  const r = c.requests;
  state.freeCpu -= r.milliCpu * count;
  state.freeMemory -= r.memoryBytes * count;
  state.freePods -= r.pods * count;
  state.freeGpus -= r.gpus * count;
  if (c.ephemeralStorage && state.freeEphemeral !== undefined) state.freeEphemeral -= c.ephemeralStorage * count;
  if (c.extended && state.freeExtended) {
    for (const [name, perPod] of c.extended) if (state.freeExtended[name] !== undefined) state.freeExtended[name] -= perPod * count;
  }
  if (state.freeVolumes && c.volumes) {
    for (const [driver, perPod] of c.volumes) if (state.freeVolumes[driver] !== undefined) state.freeVolumes[driver] -= perPod * count;
  }
  if (c.hostPorts && count > 0) state.usedPorts = state.usedPorts ? [...state.usedPorts, ...c.hostPorts] : c.hostPorts;
  for (const s of c.matches) state.selectorCounts[s] += count;
  for (const s of c.antiAffinity) state.antiAffinityHeld[s] = 1;
}
