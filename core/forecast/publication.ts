/**
 * When the forecaster republishes a Deployment's `smartscale.io/forecast` annotation: a pure rule.
 *
 * Every publication is a PATCH through the API server and the webhook, so the forecaster loop
 * writes only when what the webhook would size from has changed materially, or when the annotation
 * is due for a refresh (so its age keeps telling readers the forecast is alive):
 *  - staleness flipped either way;
 *  - its refresh instant passed: once every `refreshSeconds`, at a phase within the period fixed
 *    by a hash of its key — so however many Deployments published together (after a backfill, a
 *    metrics outage, a config change), their refreshes spread evenly over the whole period, and
 *    none goes longer than the period unrefreshed;
 *  - learned per-pod capacity appeared, went, or moved by more than the threshold (it is
 *    re-estimated every bucket, so drifting within the threshold would patch almost every
 *    Deployment every tick);
 *  - the served-record margin moved by more than the threshold;
 *  - a surge floor started or ended, or moved by more than the threshold while surging (an
 *    ordinary floor — the observed demand — rides along with the next publication);
 *  - the band's peak over what both forecasts cover (aligned in time), or over the whole new
 *    horizon, moved by more than the threshold.
 * A forecast no newer than the one published is never material on its own.
 */
import type { ForecastAnnotation } from '../model/annotations.js';

export interface PublicationRule {
  /** Relative change that counts as material (e.g. 0.05). */
  threshold: number;
  /** Longest time an unchanged annotation stays unrefreshed, seconds (each key refreshes once per period, at its own phase). */
  refreshSeconds: number;
}

export const DEFAULT_PUBLICATION_RULE: PublicationRule = { threshold: 0.05, refreshSeconds: 300 };

/** Where in each refresh period the key `key` refreshes: seconds in [0, refreshSeconds), fixed per key. */
export function refreshPhaseSeconds(key: string, refreshSeconds: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  // A final mix: keys differing only in a trailing digit would otherwise land 31 s apart in order.
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return refreshSeconds * ((h % 10_000) / 10_000);
}

/** Whether one of the key's refresh instants (phase + k × refreshSeconds) lies in (fromSec, toSec]. */
export function refreshDue(key: string, fromSec: number, toSec: number, refreshSeconds: number): boolean {
  if (!(refreshSeconds > 0) || !(toSec > fromSec)) return false;
  const phase = refreshPhaseSeconds(key, refreshSeconds);
  return Math.floor((toSec - phase) / refreshSeconds) > Math.floor((fromSec - phase) / refreshSeconds);
}

/** Whether `next` should replace the published `current` annotation of the Deployment `key`. */
export function changedMaterially(current: ForecastAnnotation, next: ForecastAnnotation, key: string, rule: PublicationRule = DEFAULT_PUBLICATION_RULE): boolean {
  if (current.stale !== next.stale) return true;
  if (refreshDue(key, current.generatedAt, next.generatedAt, rule.refreshSeconds)) return true;
  if (next.generatedAt <= current.generatedAt) return false;
  const { threshold } = rule;
  const learnedBefore = current.learnedRpsPerPod;
  const learnedNow = next.learnedRpsPerPod;
  if ((learnedBefore === undefined) !== (learnedNow === undefined)) return true;
  if (learnedBefore !== undefined && learnedNow !== undefined && !nearBy(learnedBefore, learnedNow, threshold)) return true;
  if (!nearBy(current.margin ?? 1, next.margin ?? 1, threshold)) return true;
  if (surging(current) !== surging(next)) return true;
  if (surging(next) && !nearBy(current.surgeFloor!, next.surgeFloor!, threshold)) return true;
  // What lies ahead in both: the new forecast's steps against the old one's, aligned in time.
  const shift = Math.round((next.generatedAt - current.generatedAt) / next.stepSeconds);
  const oldAhead = current.upper.slice(shift);
  const newSame = next.upper.slice(0, oldAhead.length);
  if (!nearBy(peak(oldAhead), peak(newSame), threshold)) return true;
  return !nearBy(peak(current.upper), peak(next.upper), threshold);
}

/** Whether the forecast's floor extrapolates a surge (is above the observed demand, beyond rounding). */
export function surging(f: ForecastAnnotation): boolean {
  return f.surgeFloor !== undefined && f.surgeFloor > (f.observed ?? 0) * 1.001;
}

function nearBy(a: number, b: number, threshold: number): boolean {
  return Math.abs(a - b) <= threshold * Math.max(a, b, 1e-9);
}

function peak(values: readonly number[]): number {
  return values.reduce((m, v) => Math.max(m, v), 0);
}
