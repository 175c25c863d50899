/**
 * Pod event times (leader, every 5 s; ADR 103): when each node's pods last changed — bound,
 * finished, terminating, deleted — is known only to the processes that watched it happen
 * (ClusterState), yet the disruption planner waits a NodePool's `consolidateAfter` from it. So the
 * leader writes it to the node's NodeClaim as `status.lastPodEventTime`, and a restarted
 * controller or a new leader reads it back (snapshot.ts) instead of starting every node's wait
 * again or, worse, judging a node whose pods changed a minute ago by older facts.
 *
 * Writes are throttled: a claim is written at most once per `throttleMs` (10 s), only with a time
 * newer than it records, so pod churn costs at most one status patch per node per 10 s; the last
 * change of a burst is written on the first pass after the window, so once pods settle the record
 * is exact, and what a new leader may miss is a change in the last 10 s + one interval before the
 * old one stopped. Karpenter keeps the same field for the same reason (its podevents controller,
 * with a 10 s dedupe, below its 15 s validation of a decision).
 *
 * The decisions here are pure functions of times and objects; the loop only reads the shared
 * state and merge-patches the one status field (never conflicting with the loops that own the
 * conditions).
 */
import { isNotFound, type KubeObject } from '../kube/client.js';
import { patchStatus } from '../kube/patch.js';
import { Refs } from '../kube/refs.js';
import type { Loop } from './loop.js';
import type { NodeLoopDependencies } from './loop-dependencies.js';

export type PodEventTimeOptions = Omit<NodeLoopDependencies, 'cloud' | 'unavailable'> & {
  /** At most one write per claim per this long (default 10 s). */
  throttleMs?: number;
};

/** The NodeClaim status field (RFC 3339). */
export const LAST_POD_EVENT_FIELD = 'lastPodEventTime';
export const POD_EVENT_WRITE_THROTTLE_MS = 10_000;
export const DEFAULT_POD_EVENT_TIME_INTERVAL_MS = 5_000;
/**
 * Times up to this far ahead of the controller's clock (another replica's clock, the API server's)
 * count as "now"; further ahead they are not believed — a time in the future would hold a node
 * back from consolidation until then.
 */
export const MAX_CLOCK_SKEW_MS = 60_000;

type Obj = Record<string, any>;

/** A time read from the API (RFC 3339) as clock ms, at most `now`; undefined when absent, unreadable or too far ahead. */
export function readTime(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || ms > now + MAX_CLOCK_SKEW_MS) return undefined;
  return Math.min(ms, now);
}

/** The last pod event a claim's status records (clock ms); undefined when it records none usable. */
export function persistedPodEventTime(claim: KubeObject | undefined, now: number): number | undefined {
  return readTime((claim?.status as Obj | undefined)?.[LAST_POD_EVENT_FIELD], now);
}

/**
 * When the pods bound to a node last changed, estimated from the pods themselves: the newest of
 * their creation, scheduling (PodScheduled) and start times. The node changed when its newest pod
 * was bound, which is no earlier than that pod's creation and is its PodScheduled time; the start
 * time follows the binding by the kubelet's lag, which only moves the estimate later (the safe
 * side: a node waits a little longer). Undefined with no pods or no readable time.
 */
export function coldStartPodChange(pods: readonly KubeObject[], now: number): number | undefined {
  let newest: number | undefined;
  const seen = (t: number | undefined) => {
    if (t !== undefined && (newest === undefined || t > newest)) newest = t;
  };
  for (const p of pods) {
    seen(readTime(p.metadata.creationTimestamp, now));
    seen(readTime(p.status?.startTime, now));
    const scheduled = Array.isArray(p.status?.conditions) ? p.status.conditions.find((c: Obj) => c?.type === 'PodScheduled' && c?.status === 'True') : undefined;
    seen(readTime(scheduled?.lastTransitionTime, now));
  }
  return newest;
}

function newest(...times: Array<number | undefined>): number | undefined {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

export interface PodChangeFacts {
  /** The last change this process watched happen (ClusterState). */
  seen?: number;
  /** What the node's claim records (`status.lastPodEventTime`). */
  persisted?: number;
  /** The pods bound to the node now. */
  pods: readonly KubeObject[];
  now: number;
}

/**
 * When the node's pods last changed, as the planner should count it: the newer of what this
 * process saw and what the claim records; with neither (a controller that has seen no change since
 * it started, on a claim that records none), the cold-start estimate from the bound pods joins them
 * — never the node's creation while pods run on it. Undefined for a node with no pods and no record.
 */
export function lastPodChange(facts: PodChangeFacts): number | undefined {
  if (facts.seen !== undefined) return newest(facts.seen, facts.persisted);
  return newest(facts.persisted, coldStartPodChange(facts.pods, facts.now));
}

/**
 * The time to record on a claim, or undefined: only one newer than what it records, and at most
 * once per throttle window, counted from the last write (`lastWriteAt`, this process's; else the
 * recorded time itself, which its write followed closely). A change within the window is not
 * written then but on the first pass after the window, so once pods stop changing the record
 * catches up with the last change instead of keeping an earlier one of the same burst.
 */
export function podEventTimeToPersist(seen: number | undefined, recorded: number | undefined, lastWriteAt: number | undefined, now: number, throttleMs: number): number | undefined {
  if (seen === undefined || (recorded !== undefined && seen <= recorded)) return undefined;
  const since = newest(recorded, lastWriteAt);
  return since === undefined || now - since > throttleMs ? seen : undefined;
}

/** RFC 3339 to the second, rounded up: a recorded time is never earlier than the change. */
export function rfc3339Up(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class PodEventTimeLoop implements Loop {
  readonly name = 'pod-event-time';
  readonly leaderOnly = true;
  readonly intervalMs: number;
  private readonly throttleMs: number;
  /**
   * What this process wrote last per claim (the time, and when), which its cache may not show yet:
   * without it a pass before the watch event arrives would write the same time again.
   */
  private readonly written = new Map<string, { time: number; at: number }>();

  constructor(private readonly options: PodEventTimeOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_POD_EVENT_TIME_INTERVAL_MS;
    this.throttleMs = options.throttleMs ?? POD_EVENT_WRITE_THROTTLE_MS;
  }

  forget(): void {
    this.written.clear();
  }

  async reconcile(): Promise<void> {
    const { client, state, clock, controllerMetrics: m } = this.options;
    const now = clock.now();
    const nodeByProvider = new Map<string, string>();
    for (const n of state.nodes.list()) if (n.spec?.providerID && n.metadata.name) nodeByProvider.set(n.spec.providerID, n.metadata.name);
    const claims = state.claims();
    const names = new Set(claims.map((c) => c.claim.name));
    for (const name of [...this.written.keys()]) if (!names.has(name)) this.written.delete(name);
    let failure: unknown;
    for (const { object, claim } of claims) {
      if (object.metadata.deletionTimestamp || !claim.status.providerId) continue;
      const node = nodeByProvider.get(claim.status.providerId);
      if (!node) continue;
      const mine = this.written.get(claim.name);
      const recorded = newest(persistedPodEventTime(object, now), mine?.time);
      const time = podEventTimeToPersist(state.lastPodChangeAt(node), recorded, mine?.at, now, this.throttleMs);
      if (time === undefined) continue;
      try {
        // A merge patch of one field: no read, no conflict with the loops that own the conditions.
        const value = rfc3339Up(time);
        await patchStatus(client, Refs.nodeClaims, claim.name, undefined, { [LAST_POD_EVENT_FIELD]: value });
        this.written.set(claim.name, { time: Date.parse(value), at: now });
        m.action(this.name, 'recorded');
      } catch (error) {
        if (isNotFound(error)) continue;
        // One claim's failure does not hold back the others; the pass fails (backoff) afterwards.
        m.action(this.name, 'write-failed');
        failure ??= error;
      }
    }
    if (failure) throw failure;
  }
}
