/**
 * The served record of one Deployment as a controller sees it, feeding the served-record margin
 * (feedback.ts, ADR 075). Pure: the caller records the ready replicas it saw and when, and hands in
 * the demand buckets as they arrive; no clock is read.
 *
 * Demand arrives late (a bucket is fed once it is complete and scraped), so each bucket is compared
 * with the replicas that were ready at its timestamp, not with today's: the simulator's smartscale
 * strategy does the same with demand `metricsLag` old against the pods ready then.
 */
import { nextMargin, type ShortfallFeedbackOptions } from './feedback.js';

/** One demand bucket: its end (unix seconds) and its mean rate (requests/second). */
export interface DemandBucket {
  t: number;
  v: number;
}

/**
 * Readings kept at most. Only changes of the ready count are kept (the newest reading at or before a
 * time answers the same), and those older than the newest bucket are dropped as buckets arrive, so
 * a few suffice; the cap bounds memory per Deployment when buckets stop arriving.
 */
const MAX_READINGS = 32;

export class ServedRecord {
  /** The margin on demand (≥ the feedback's minimum). */
  margin: number;
  /** [unix seconds, ready replicas], oldest first. */
  private readonly readings: Array<[number, number]> = [];

  constructor(margin = 1) {
    this.margin = Number.isFinite(margin) && margin > 0 ? margin : 1;
  }

  /** The replicas seen ready at `atSec`; readings must come in time order (an older one is dropped). */
  recordReady(atSec: number, readyReplicas: number): void {
    if (!Number.isFinite(atSec)) return;
    const last = this.readings.at(-1);
    if (last && atSec < last[0]) return;
    const ready = Number.isFinite(readyReplicas) && readyReplicas > 0 ? readyReplicas : 0;
    if (last && last[1] === ready) return;
    this.readings.push([atSec, ready]);
    if (this.readings.length > MAX_READINGS) this.readings.shift();
  }

  /** Replicas ready at `atSec`: the newest reading at or before it; undefined before the first. */
  readyAt(atSec: number): number | undefined {
    for (let i = this.readings.length - 1; i >= 0; i--) if (this.readings[i][0] <= atSec) return this.readings[i][1];
    return undefined;
  }

  /**
   * Moves the margin once per bucket, `stepSeconds` of observation each: short when the bucket's
   * demand exceeded the replicas ready at its end × `rpsPerPod`. Buckets from before the first
   * reading (a backfill) say nothing about the capacity then and are skipped. Returns how many
   * buckets counted. Readings older than the newest bucket's are dropped but one, which still
   * answers for the next bucket.
   */
  observe(buckets: readonly DemandBucket[], rpsPerPod: number, stepSeconds: number, feedback: ShortfallFeedbackOptions): number {
    if (!(rpsPerPod > 0) || !Number.isFinite(rpsPerPod)) return 0;
    let counted = 0;
    for (const { t, v } of buckets) {
      const ready = this.readyAt(t);
      if (ready === undefined || !Number.isFinite(v)) continue;
      this.margin = nextMargin(this.margin, v > ready * rpsPerPod, stepSeconds, feedback);
      counted++;
    }
    const newest = buckets.at(-1)?.t;
    if (newest !== undefined) {
      let keepFrom = 0;
      for (let i = 0; i < this.readings.length; i++) if (this.readings[i][0] <= newest) keepFrom = i;
      this.readings.splice(0, keepFrom);
    }
    return counted;
  }
}
