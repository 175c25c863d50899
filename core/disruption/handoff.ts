/**
 * The hand-off of an interrupted node (ADR 100): the cloud has said when it takes the instance (a
 * spot reclaim two minutes after its notice, a scheduled change's start). Evicting its pods at once,
 * as Karpenter and the node termination handler do, leaves them pending while their new capacity
 * boots — about a minute on EC2 — when the old node could have served them until then. So the node
 * is cordoned at once and its pods, planned for by the provisioner from that moment
 * (`NodeSnapshot.reschedulable`), keep running until they fit on Ready nodes elsewhere — each pod
 * is evicted as soon as it fits (next to the pods already waiting for room) — or until only their
 * graceful shutdown and a margin remain before the deadline, when all go. A node without a known
 * deadline (the instance already stopping) drains at once. Pure: the lifecycle gathers the facts.
 */

/** Slack kept after the pods' graceful shutdown, before the cloud takes the instance. */
export const HANDOFF_MARGIN_MS = 20_000;

/** Kubernetes' default `terminationGracePeriodSeconds`. */
export const DEFAULT_POD_GRACE_SECONDS = 30;

export interface HandoffInput {
  readonly now: number;
  /** When the cloud takes the instance (ms since the epoch); undefined when unknown. */
  readonly deadline: number | undefined;
  /** The longest graceful shutdown among the pods still to evict, ms. */
  readonly longestGraceMs: number;
}

/**
 * `all`: evict every pod now (no known deadline, or the latest moment has come). `fitting`: evict
 * now only the pods that fit on Ready nodes elsewhere (the caller knows which), keep the rest
 * running until they fit or `until`.
 */
export type HandoffDecision = { readonly evict: 'all'; readonly why: 'no-deadline' | 'deadline' } | { readonly evict: 'fitting'; readonly until: number };

/** The last moment the pods may be asked to stop and still finish before the instance goes. */
export function latestEviction(deadline: number, longestGraceMs: number): number {
  return deadline - Math.max(0, longestGraceMs) - HANDOFF_MARGIN_MS;
}

export function handoff(input: HandoffInput): HandoffDecision {
  if (input.deadline === undefined || !Number.isFinite(input.deadline)) return { evict: 'all', why: 'no-deadline' };
  const latest = latestEviction(input.deadline, input.longestGraceMs);
  if (input.now >= latest) return { evict: 'all', why: 'deadline' };
  return { evict: 'fitting', until: latest };
}

/** A pod's graceful shutdown in ms (`spec.terminationGracePeriodSeconds`, Kubernetes' default when unset or invalid). */
export function podGraceMs(spec: { terminationGracePeriodSeconds?: unknown } | undefined): number {
  const raw = spec?.terminationGracePeriodSeconds;
  const seconds = typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? raw : DEFAULT_POD_GRACE_SECONDS;
  return seconds * 1000;
}
