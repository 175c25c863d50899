/**
 * Interruptions: the cloud telling us an instance is about to go — a spot instance reclaimed (two
 * minutes' notice on EC2), a scheduled maintenance or retirement, an instance stopping or
 * terminating outside smartscale — or that it is at elevated risk (a spot rebalance
 * recommendation). The controller acts on them before the instance dies (core/controllers/
 * interruption.ts): the node is drained and its pods get capacity elsewhere while it still runs.
 *
 * Sources: on EC2, EventBridge rules deliver these events to an SQS queue (ec2/interruption-queue.ts,
 * docs/ec2.md "Interruptions"); the simulated cloud has its own queue. `parseInterruptionEvent`
 * reads EventBridge's JSON and is pure.
 */

/** On a NodeClaim deleted because of an interruption: what the cloud said (`SpotInterruption: …`). */
export const INTERRUPTION_ANNOTATION = 'smartscale.io/interrupted';

/**
 * On a NodeClaim whose instance has a change scheduled days ahead (AWS Health maintenance,
 * retirement): what and when. The disruption planner replaces such a node like a drifted one.
 */
export const SCHEDULED_CHANGE_ANNOTATION = 'smartscale.io/scheduled-change';
/** Beside it: when the change starts (RFC 3339); the interruption loop drains the node shortly before. */
export const SCHEDULED_CHANGE_AT_ANNOTATION = 'smartscale.io/scheduled-change-at';

/**
 * On a NodeClaim deleted because of an interruption: when the cloud takes the instance (RFC 3339),
 * where the event says — the hand-off keeps its pods running until their new capacity is Ready or
 * this time nears (core/disruption/handoff.ts).
 */
export const TERMINATES_AT_ANNOTATION = 'smartscale.io/terminates-at';

/** EC2 reclaims a spot instance two minutes after its interruption warning. */
export const SPOT_NOTICE_MS = 120_000;

export type InterruptionKind =
  /** EC2 Spot Instance Interruption Warning: reclaimed in two minutes. */
  | 'SpotInterruption'
  /** AWS Health scheduled change for EC2 (instance retirement, maintenance reboot). */
  | 'ScheduledChange'
  /** EC2 Instance State-change Notification: stopping, stopped, shutting-down or terminated. */
  | 'StateChange'
  /** EC2 Instance Rebalance Recommendation: elevated risk of interruption (no action but a note). */
  | 'RebalanceRecommendation';

export interface InterruptionMessage {
  /** The queue's receipt for it (to acknowledge it once handled). */
  readonly receipt: string;
  readonly kind: InterruptionKind;
  /** Instance IDs it concerns (`i-0abc…`). */
  readonly instanceIds: readonly string[];
  /** When the event happened (ms since the epoch; 0 when it did not say). */
  readonly at: number;
  /** For people: what it says (`state stopping`, the Health event type, …). */
  readonly detail: string;
  /** A scheduled change: when it starts (ms since the epoch), when the event says. */
  readonly startsAt?: number;
  /** A scheduled change that is over or was cancelled (AWS Health statusCode `closed`). */
  readonly closed?: boolean;
  /** It happens now, not after a notice (a spot instance hibernating). */
  readonly immediate?: boolean;
}

export interface InterruptionBatch {
  readonly messages: readonly InterruptionMessage[];
  /** Messages that are not interruption events we know (malformed, another event type): acknowledged and counted, never retried for ever. */
  readonly rejected: ReadonlyArray<{ readonly receipt: string; readonly why: string }>;
}

/** Where interruptions arrive. */
export interface InterruptionQueue {
  /**
   * The messages available now (may wait up to 20 s for some: a long poll). Aborting the signal
   * ends the wait at once with an empty batch (messages not delivered stay on the queue).
   */
  receive(signal?: AbortSignal): Promise<InterruptionBatch>;
  /** Removes handled messages; not acknowledged ones come back later. */
  acknowledge(receipts: readonly string[]): Promise<void>;
}

/** Whether the instance is going away (the node is drained now), or only at risk. */
export function isTerminal(kind: InterruptionKind): boolean {
  return kind !== 'RebalanceRecommendation';
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const GOING_STATES = new Set(['stopping', 'stopped', 'shutting-down', 'terminated']);

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One EventBridge event (the body of a queue message) as an interruption; a string saying why
 * not when it is not one we act on. State changes to `pending`/`running` are not interruptions.
 */
export function parseInterruptionEvent(receipt: string, body: string, options: { account?: string } = {}): InterruptionMessage | string {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return 'not JSON';
  }
  if (!isObject(event)) return 'not a JSON object';
  const type = event['detail-type'];
  const source = event.source;
  const detail = event.detail;
  if (typeof type !== 'string' || typeof source !== 'string') return 'no detail-type or source: not an EventBridge event';
  if (!isObject(detail)) return `${type}: no detail`;
  // Only the queue's own account's events: anyone else able to send to the queue must not drain nodes.
  if (options.account !== undefined && event.account !== undefined && event.account !== options.account) return `${type}: from account ${JSON.stringify(event.account)}, not ${options.account}`;
  const time = typeof event.time === 'string' ? Date.parse(event.time) : NaN;
  const at = Number.isFinite(time) ? time : 0;
  const one = (id: unknown): string[] | string => (typeof id === 'string' && INSTANCE_ID.test(id) ? [id] : `${type}: detail.instance-id ${JSON.stringify(id)} is not an instance ID`);
  if (source === 'aws.ec2') {
    if (type === 'EC2 Spot Instance Interruption Warning') {
      const ids = one(detail['instance-id']);
      if (typeof ids === 'string') return ids;
      const action = typeof detail['instance-action'] === 'string' ? detail['instance-action'] : 'terminate';
      // Hibernation begins at once; stop and terminate come two minutes after the warning.
      if (action === 'hibernate') return { receipt, kind: 'SpotInterruption', instanceIds: ids, at, detail: 'spot instance hibernating now', immediate: true };
      return { receipt, kind: 'SpotInterruption', instanceIds: ids, at, detail: `spot instance ${action} in two minutes` };
    }
    if (type === 'EC2 Instance Rebalance Recommendation') {
      const ids = one(detail['instance-id']);
      if (typeof ids === 'string') return ids;
      return { receipt, kind: 'RebalanceRecommendation', instanceIds: ids, at, detail: 'spot rebalance recommendation: elevated risk of interruption' };
    }
    if (type === 'EC2 Instance State-change Notification') {
      const ids = one(detail['instance-id']);
      if (typeof ids === 'string') return ids;
      const state = detail.state;
      if (typeof state !== 'string') return `${type}: no detail.state`;
      if (!GOING_STATES.has(state)) return `${type}: state ${state} is not an interruption`;
      return { receipt, kind: 'StateChange', instanceIds: ids, at, detail: `instance ${state}` };
    }
    return `${type}: not an interruption event`;
  }
  if (source === 'aws.health' && type === 'AWS Health Event') {
    if (detail.service !== 'EC2') return `${type}: service ${JSON.stringify(detail.service)}, not EC2`;
    if (detail.eventTypeCategory !== 'scheduledChange') return `${type}: category ${JSON.stringify(detail.eventTypeCategory)}, not scheduledChange`;

    const entities = Array.isArray(detail.affectedEntities) ? detail.affectedEntities : [];
    const ids = entities.map((e) => (isObject(e) ? e.entityValue : undefined)).filter((v): v is string => typeof v === 'string' && INSTANCE_ID.test(v));
    if (ids.length === 0) return `${type}: no affected instance`;
    const what = typeof detail.eventTypeCode === 'string' ? detail.eventTypeCode : 'scheduled change';
    const start = typeof detail.startTime === 'string' ? Date.parse(detail.startTime) : NaN;
    return {
      receipt,
      kind: 'ScheduledChange',
      instanceIds: [...new Set(ids)],
      at,
      detail: `AWS Health ${what}`,
      ...(Number.isFinite(start) ? { startsAt: start } : {}),
      ...(detail.statusCode === 'closed' ? { closed: true } : {}),
    };
  }
  return `${source} ${type}: not an interruption event`;
}

/**
 * When the instance goes (ms since the epoch): a spot reclaim two minutes after its warning, a
 * scheduled change at its start; undefined when the event does not say or it is now (a state
 * change, a hibernation). The warning's time counts from the earlier of the event's time and
 * `receivedAt` (this clock): a controller whose clock lags AWS's must not hold pods past the end.
 */
export function terminatesAt(message: InterruptionMessage, receivedAt: number): number | undefined {
  if (message.immediate) return undefined;
  if (message.kind === 'SpotInterruption') return message.at > 0 ? Math.min(message.at, receivedAt) + SPOT_NOTICE_MS : undefined;
  if (message.kind === 'ScheduledChange' && !message.closed) return message.startsAt;
  return undefined;
}
