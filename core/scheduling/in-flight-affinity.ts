/**
 * Required pod affinity on the zone key satisfied by pods planned in the same pass: web pods that
 * must run in the zone of a cache whose pods are pending too. Planned one after the other, web
 * would wait a node boot longer (its nodes launched only once the cache runs); planned apart, web
 * could get a node in a zone the cache never reaches, where the scheduler would never place it.
 *
 * So the pods a waiting pod's term selects (the leaders) and the pod itself (a follower) are joined
 * into one zone group (`Pod.zoneGroup`), which the solver puts in a single zone; the scheduler then
 * starts the leaders there and the followers after them. A follower no leader answers is not
 * planned (it waits, as kube-scheduler keeps it pending); one whose leaders end up unplanned, or in
 * another zone, is taken out and the pass planned again without it (`strayFollowers`). Leaders are
 * pods with nothing to await themselves and no zone spread (a spread class is split over zones, not
 * pinned to one): chains of waiting pods follow one pass at a time. Pure.
 */
import { canonicalLabelKey, Labels } from '../model/labels.js';
import { labelSelectorMatches } from '../model/pod-affinity.js';
import { podKey, type Pod, type ZoneAffinityQuestion } from '../model/pod.js';

const IN_FLIGHT_PREFIX = 'in-flight:';

/** Whether a zone group was made by linking (followers wait on its leaders), not by self-attraction. */
export function isInFlightGroup(name: string): boolean {
  return name.startsWith(IN_FLIGHT_PREFIX);
}

/** A planned pod's zone for the stray check: on a new node whose claim allows several zones, unknown. */
export const UNKNOWN_ZONE = '?';

/** A zone group with pods that await others: who leads, who follows (`namespace/name`). */
export interface InFlightGroup {
  readonly leaders: ReadonlySet<string>;
  readonly followers: ReadonlySet<string>;
}

export interface InFlightLinks {
  /** The pods to plan: followers with an answer and their leaders joined into zone groups. */
  readonly pods: readonly Pod[];
  /** Followers no pod in the pass answers, with why they wait. */
  readonly waiting: readonly { readonly pod: string; readonly message: string }[];
  /** By zone group name: the groups that have followers. */
  readonly groups: ReadonlyMap<string, InFlightGroup>;
}

function spreadsOverZones(pod: Pod): boolean {
  return (pod.topologySpread ?? []).some((s) => s.whenUnsatisfiable === 'DoNotSchedule' && canonicalLabelKey(s.topologyKey) === Labels.zone);
}

function answers(question: ZoneAffinityQuestion, pod: Pod): boolean {
  if (question.namespaces !== 'all' && !question.namespaces.includes(pod.namespace)) return false;
  return labelSelectorMatches(question.labelSelector, pod.labels);
}

/** Union-find over pod indices. */
class Components {
  private readonly parent: Int32Array;
  constructor(size: number) {
    this.parent = Int32Array.from({ length: size }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  join(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** Joins each pod awaiting zone affinity to the pods of the pass that answer it. */
export function linkInFlightAffinity(pods: readonly Pod[]): InFlightLinks {
  if (!pods.some((p) => p.awaitsZoneAffinity !== undefined)) return { pods, waiting: [], groups: new Map() };
  const components = new Components(pods.length);
  // Pods of one zone group stay together.
  const firstOfGroup = new Map<string, number>();
  pods.forEach((p, i) => {
    if (p.zoneGroup === undefined) return;
    const first = firstOfGroup.get(p.zoneGroup);
    if (first === undefined) firstOfGroup.set(p.zoneGroup, i);
    else components.join(first, i);
  });
  const leaders: number[] = [];
  pods.forEach((p, i) => {
    if (p.awaitsZoneAffinity === undefined && !spreadsOverZones(p)) leaders.push(i);
  });
  // The pods of one Deployment ask the same questions: each is answered once.
  const answered = new Map<string, number[]>();
  const answer = (q: ZoneAffinityQuestion): number[] => {
    const id = JSON.stringify([q.namespaces, q.labelSelector ?? null]);
    let found = answered.get(id);
    if (!found) {
      found = leaders.filter((i) => answers(q, pods[i]));
      for (const i of found.slice(1)) components.join(found[0], i);
      answered.set(id, found);
    }
    return found;
  };
  const waiting: { pod: string; message: string }[] = [];
  const followers: number[] = [];
  pods.forEach((p, i) => {
    const questions = p.awaitsZoneAffinity;
    if (questions === undefined) return;
    const unanswered = spreadsOverZones(p) ? questions[0] : questions.find((q) => answer(q).length === 0);
    if (unanswered) {
      waiting.push({ pod: podKey(p), message: `no running pod, nor one planned with it, matches its required pod affinity (topology key ${unanswered.topologyKey})` });
      return;
    }
    for (const q of questions) components.join(i, answer(q)[0]);
    followers.push(i);
  });
  const skip = new Set(waiting.map((w) => w.pod));
  // Each component with a follower gets one group name, from its least member (whatever order the pods came in).
  const nameOf = new Map<number, string>();
  for (const i of followers) nameOf.set(components.find(i), '');
  pods.forEach((p, i) => {
    const root = components.find(i);
    const name = nameOf.get(root);
    if (name !== undefined && (name === '' || `${IN_FLIGHT_PREFIX}${podKey(p)}` < name)) nameOf.set(root, `${IN_FLIGHT_PREFIX}${podKey(p)}`);
  });
  const groups = new Map<string, { leaders: Set<string>; followers: Set<string> }>();
  const out: Pod[] = [];
  pods.forEach((p, i) => {
    const key = podKey(p);
    if (skip.has(key)) return;
    const name = nameOf.get(components.find(i));
    if (name === undefined) {
      out.push(p);
      return;
    }
    let group = groups.get(name);
    if (!group) groups.set(name, (group = { leaders: new Set(), followers: new Set() }));
    (p.awaitsZoneAffinity ? group.followers : group.leaders).add(key);
    out.push({ ...p, zoneGroup: name });
  });
  return { pods: out, waiting, groups };
}

/**
 * Followers a plan buys nodes for where no leader of their group surely goes: no leader planned at
 * all, none in the follower's zone (a node without a zone label counts as its own domain), or the
 * follower's new node may launch in several zones (`UNKNOWN_ZONE`). And when a leader is planned
 * onto a node that exists (or is launching), the scheduler starts it there at once, but which of
 * the nodes with room it picks is its own scoring: followers then get no new node this pass (they
 * follow once the leader runs); on existing nodes they may stay. `zoneOf`: a planned pod's zone by
 * `namespace/name`; `onExisting`: the pods planned onto existing nodes.
 */
export function strayFollowers(groups: ReadonlyMap<string, InFlightGroup>, zoneOf: ReadonlyMap<string, string>, onExisting: ReadonlySet<string>): string[] {
  const stray: string[] = [];
  for (const group of groups.values()) {
    const leaderZones = new Set<string>();
    let leaderOnExisting = false;
    for (const l of group.leaders) {
      const zone = zoneOf.get(l);
      if (zone !== undefined && zone !== UNKNOWN_ZONE) leaderZones.add(zone);
      if (onExisting.has(l)) leaderOnExisting = true;
    }
    for (const f of group.followers) {
      const zone = zoneOf.get(f);
      if (zone === undefined) continue; // not planned: already reported
      const onNew = !onExisting.has(f);
      if (!leaderZones.has(zone) || (onNew && leaderOnExisting)) stray.push(f);
    }
  }
  return stray.sort();
}

/** Every follower of the groups. */
export function allFollowers(groups: ReadonlyMap<string, InFlightGroup>): string[] {
  return [...groups.values()].flatMap((g) => [...g.followers]).sort();
}
