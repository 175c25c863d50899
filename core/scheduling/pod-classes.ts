/**
 * Equivalence classes: pods that are interchangeable for placement (same requests, node
 * constraints, tolerations, topology rules and the labels those rules look at) are planned as one
 * class with a count. 20,000 pods of a few dozen Deployments become a few dozen classes, which is
 * what makes the solver fast.
 */
import { Labels } from '../model/labels.js';
import { selectorMatches, type Pod, type SelectorExpression } from '../model/pod.js';
import { nodeSelectorRequirements, type Requirement } from '../model/requirements.js';
import type { Resources } from '../model/resources.js';
import type { Toleration } from '../model/scheduling-constraints.js';
import type { AttachedVolume } from '../model/volume-limits.js';
import { hostPortKey, type HostPort } from '../model/host-ports.js';

/** A label selector: equalities and set expressions. */
export interface InternedSelector {
  readonly labels: Readonly<Record<string, string>>;
  readonly expressions?: readonly SelectorExpression[];
}

/** A label selector interned across the snapshot (anti-affinity and spread selectors). */
export interface SelectorTable {
  readonly selectors: ReadonlyArray<InternedSelector>;
  readonly labelKeys: ReadonlySet<string>;
  indexOf(selector: Readonly<Record<string, string>>, expressions?: readonly SelectorExpression[]): number;
}

export interface NodeCap {
  /** Selector index. */
  readonly selector: number;
  /** The class may join a node only while the node holds at most this many pods matching the selector. */
  readonly maxBefore: number;
}

export interface ZoneSpread {
  readonly selector: number;
  readonly maxSkew: number;
}

export interface PodClass {
  readonly index: number;
  readonly key: string;
  /** Pods in placement order: real before predicted, then by name. */
  readonly pods: Pod[];
  /** Per pod; `pods` is at least 1. */
  readonly requests: Resources;
  /** OR of AND-terms over node labels; `[[]]` accepts any node. */
  readonly terms: readonly (readonly Requirement[])[];
  readonly termsKey: string;
  readonly tolerations: readonly Toleration[];
  readonly labels: Readonly<Record<string, string>>;
  /** Selector indices this class's labels match. */
  readonly matches: readonly number[];
  /** Hostname anti-affinity selectors (nodes holding a match are off limits; symmetric). */
  readonly antiAffinity: readonly number[];
  /** Per-node caps (hostname anti-affinity on itself, hostname topology spread). */
  readonly nodeCaps: readonly NodeCap[];
  readonly zoneSpread?: ZoneSpread;
  /** The first pods of a group attracting itself by zone (the group's name): the group goes to one zone. */
  readonly zoneGroup?: string;
  /** Pods of a group that must share one node (Pod.nodeGroup): the whole group on one node. */
  readonly nodeGroup?: string;
  /**
   * Per CSI driver, the volumes each pod attaches (sorted by driver), against nodes' attach limits.
   * Counted per pod: a volume two pods share on one node counts twice (plans err towards room).
   */
  readonly volumes?: ReadonlyArray<readonly [string, number]>;
  /**
   * The ports each pod binds on its node (Pod.hostPorts): at most one pod of the class per node, and
   * none on a node where a pod holds a conflicting port.
   */
  readonly hostPorts?: readonly HostPort[];
  /** Local ephemeral storage each pod requests, in bytes (Pod.ephemeralStorage). */
  readonly ephemeralStorage?: number;
  /** Extended resources each pod requests, by name (sorted). */
  readonly extended?: ReadonlyArray<readonly [string, number]>;
  /** Set when the class is a zone split of a spread class, or pinned to one zone. */
  zone?: string;
  /** Why the class cannot be planned at all (an unsupported constraint), if so. */
  readonly unsupported?: string;
  /** Next pod to assign (pods before it are placed). */
  next: number;
  /** Size used for first-fit-decreasing ordering. */
  readonly size: number;
}

function canonicalSelector(selector: Readonly<Record<string, string>>, expressions?: readonly SelectorExpression[]): string {
  const equalities = Object.keys(selector).sort().map((k) => [k, selector[k]]);
  if (!expressions || expressions.length === 0) return JSON.stringify(equalities);
  const sets = expressions.map((e) => [e.key, e.operator, [...(e.values ?? [])].sort()]).sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b)));
  return JSON.stringify([equalities, sets]);
}

export function buildSelectorTable(pods: readonly Pod[], extra: ReadonlyArray<Readonly<Record<string, string>>> = []): SelectorTable {
  const index = new Map<string, number>();
  const selectors: InternedSelector[] = [];
  const labelKeys = new Set<string>();
  const add = (s: Readonly<Record<string, string>>, expressions?: readonly SelectorExpression[]): number => {
    const key = canonicalSelector(s, expressions);
    let i = index.get(key);
    if (i === undefined) {
      i = selectors.length;
      index.set(key, i);
      selectors.push(expressions && expressions.length > 0 ? { labels: s, expressions } : { labels: s });
      for (const k of Object.keys(s)) labelKeys.add(k);
      for (const e of expressions ?? []) labelKeys.add(e.key);
    }
    return i;
  };
  for (const pod of pods) {
    for (const a of pod.antiAffinity ?? []) add(a.labelSelector, a.labelExpressions);
    for (const t of pod.topologySpread ?? []) add(t.labelSelector, t.labelExpressions);
  }
  for (const s of extra) add(s);
  return {
    selectors,
    labelKeys,
    indexOf(selector, expressions) {
      return add(selector, expressions);
    },
  };
}

export function selectorMatchesLabels(selector: InternedSelector, labels: Readonly<Record<string, string>>): boolean {
  return selectorMatches(selector.labels, labels, selector.expressions);
}

/** The node requirement terms of a pod: required node affinity terms, each ANDed with the nodeSelector. */
export function podTerms(pod: Pod): Requirement[][] {
  const selector = nodeSelectorRequirements(pod.nodeSelector);
  const affinity = pod.requiredNodeAffinity ?? [];
  if (affinity.length === 0) return [selector];
  return affinity.map((term) => [...selector, ...term]);
}

const HOSTNAME = Labels.hostname;
const ZONE = Labels.zone;

function sizeOf(r: Resources): number {
  // One vCPU weighs as much as 4 GiB, the general-purpose ratio, so neither dimension dominates the order.
  return r.milliCpu / 1000 + r.memoryBytes / (4 * 1024 ** 3) + r.gpus * 8;
}

/**
 * JSON of a value, remembered per object: pods of one Deployment usually share their nested
 * objects (requests, selectors, tolerations), so 20,000 pods cost a few hundred stringifications.
 */
function memoJson(cache: WeakMap<object, string>, value: object | undefined, compute: () => unknown = () => value): string {
  if (value === undefined) return '';
  let text = cache.get(value);
  if (text === undefined) {
    text = JSON.stringify(compute());
    cache.set(value, text);
  }
  return text;
}

export function buildPodClasses(pods: readonly Pod[], table: SelectorTable): PodClass[] {
  const byKey = new Map<string, { pods: Pod[]; sample: Pod }>();
  const json = new WeakMap<object, string>();
  const labelJson = new WeakMap<object, string>();
  const relevant = (labels: Readonly<Record<string, string>>) => () =>
    Object.keys(labels)
      .filter((k) => table.labelKeys.has(k))
      .sort()
      .map((k) => [k, labels[k]]);
  for (const pod of pods) {
    const key = [
      memoJson(json, pod.requests, () => [pod.requests.milliCpu, pod.requests.memoryBytes, pod.requests.pods, pod.requests.gpus]),
      memoJson(json, pod.nodeSelector, () => nodeSelectorRequirements(pod.nodeSelector)),
      memoJson(json, pod.requiredNodeAffinity),
      memoJson(json, pod.tolerations),
      memoJson(json, pod.topologySpread),
      memoJson(json, pod.antiAffinity),
      memoJson(labelJson, pod.labels, relevant(pod.labels)),
      pod.zoneGroup ?? '',
      pod.nodeGroup ?? '',
      pod.attachedVolumes && pod.attachedVolumes.length > 0 ? JSON.stringify(volumesPerDriver(pod.attachedVolumes)) : '',
      pod.hostPorts && pod.hostPorts.length > 0 ? pod.hostPorts.map(hostPortKey).sort().join(',') : '',
      pod.ephemeralStorage ?? '',
      pod.extendedResources ? JSON.stringify(Object.entries(pod.extendedResources).sort(([a], [b]) => cmp(a, b))) : '',
    ].join('|');
    const entry = byKey.get(key);
    if (entry) entry.pods.push(pod);
    else byKey.set(key, { pods: [pod], sample: pod });
  }
  const classes: PodClass[] = [];
  for (const [key, { pods: members, sample }] of byKey) {
    members.sort((a, b) => Number(a.predicted ?? false) - Number(b.predicted ?? false) || cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
    const requests: Resources = { ...sample.requests, pods: Math.max(1, sample.requests.pods) };
    const matches = table.selectors.map((s, i) => (selectorMatchesLabels(s, sample.labels) ? i : -1)).filter((i) => i >= 0);
    const antiAffinity: number[] = [];
    const nodeCaps: NodeCap[] = [];
    let zoneSpread: ZoneSpread | undefined;
    let unsupported: string | undefined;
    for (const term of sample.antiAffinity ?? []) {
      const selector = table.indexOf(term.labelSelector, term.labelExpressions);
      if (term.topologyKey !== HOSTNAME) {
        unsupported = `pod anti-affinity on topology key ${term.topologyKey} is not supported (only ${HOSTNAME})`;
        continue;
      }
      antiAffinity.push(selector);
      nodeCaps.push({ selector, maxBefore: 0 });
    }
    for (const spread of sample.topologySpread ?? []) {
      if (spread.whenUnsatisfiable !== 'DoNotSchedule') continue; // a preference, not a rule
      const selector = table.indexOf(spread.labelSelector, spread.labelExpressions);
      if (!Number.isInteger(spread.maxSkew) || spread.maxSkew < 1) {
        unsupported = `topology spread maxSkew must be an integer ≥ 1, got ${spread.maxSkew}`;
      } else if (spread.topologyKey === ZONE) {
        if (zoneSpread) unsupported = 'more than one zonal topology spread constraint is not supported';
        zoneSpread = { selector, maxSkew: spread.maxSkew };
      } else if (spread.topologyKey === HOSTNAME) {
        // With any eligible node holding none, skew ≤ maxSkew means at most maxSkew per node.
        if (matches.includes(selector)) nodeCaps.push({ selector, maxBefore: spread.maxSkew - 1 });
      } else {
        unsupported = `topology spread on topology key ${spread.topologyKey} is not supported (only ${ZONE} and ${HOSTNAME})`;
      }
    }
    const terms = podTerms(sample);
    classes.push({
      index: classes.length,
      key,
      pods: members,
      requests,
      terms,
      termsKey: JSON.stringify(terms),
      tolerations: sample.tolerations ?? [],
      labels: sample.labels,
      matches,
      antiAffinity,
      nodeCaps,
      zoneSpread,
      ...(sample.zoneGroup !== undefined ? { zoneGroup: sample.zoneGroup } : {}),
      ...(sample.nodeGroup !== undefined ? { nodeGroup: sample.nodeGroup } : {}),
      ...(sample.attachedVolumes && sample.attachedVolumes.length > 0 ? { volumes: volumesPerDriver(sample.attachedVolumes) } : {}),
      ...(sample.hostPorts && sample.hostPorts.length > 0 ? { hostPorts: sample.hostPorts } : {}),
      ...(sample.ephemeralStorage ? { ephemeralStorage: sample.ephemeralStorage } : {}),
      ...(sample.extendedResources && Object.keys(sample.extendedResources).length > 0 ? { extended: Object.entries(sample.extendedResources).sort(([a], [b]) => cmp(a, b)) } : {}),
      unsupported,
      next: 0,
      size: sizeOf(requests),
    });
  }
  return classes;
}

/** Per driver (sorted), how many of the volumes it has. */
function volumesPerDriver(volumes: readonly AttachedVolume[]): Array<readonly [string, number]> {
  const counts = new Map<string, number>();
  for (const v of volumes) counts.set(v.driver, (counts.get(v.driver) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => cmp(a, b));
}

/** Splits a class into per-zone classes with the given pod counts (in zone order). */
export function splitByZone(c: PodClass, counts: ReadonlyArray<readonly [string, number]>, nextIndex: () => number): PodClass[] {
  const parts: PodClass[] = [];
  let offset = c.next;
  for (const [zone, count] of counts) {
    if (count === 0) continue;
    parts.push({ ...c, index: nextIndex(), key: `${c.key}@${zone}`, pods: c.pods.slice(offset, offset + count), next: 0, zone });
    offset += count;
  }
  return parts;
}

export function remaining(c: PodClass): number {
  return c.pods.length - c.next;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
