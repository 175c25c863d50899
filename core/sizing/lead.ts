/**
 * The demand capacity must cover within the node lead, in seconds rather than forecast steps. Pure.
 *
 * A forecast gives one upper band per bucket of `stepSeconds`: the band of a bucket's mean rate.
 * Sizing for "the peak band among the steps within the lead" (`planReplicas` with a lead in whole
 * steps) rounds the lead up to whole buckets: with 1-minute buckets and a 110 s lead it covers
 * 2–3 buckets, about right; with 5-minute buckets it covers the bucket in progress and the whole
 * next one — 10 minutes ahead for a lead of under 2 — and holds each bucket's band from the moment
 * that bucket is first in view, however far off its traffic still is.
 *
 * Here the rate is taken to move continuously between bucket centres (a bucket's mean is its rate
 * at its centre), starting from the rate observed now (`metricsLag` old): the path runs from the
 * observation to the band at each later bucket centre. Capacity must cover that path from now to
 * the end of the lead — the observation time plus metrics lag, node Ready and pod start — so the
 * peak is the largest of the path's values at the window's ends and at the centres inside it.
 * With buckets shorter than the lead this is the peak band of the buckets within it, as before;
 * with longer buckets only the part of a bucket's rise that can arrive within the lead is held, and
 * the reactive floor follows the rest as it is observed.
 */

export interface LeadWindow {
  /** When the demand `observedRate` was current (seconds; the metrics lag before now). */
  observedAt: number;
  /** Observed demand then (requests per second). */
  observedRate: number;
  /** Start of the window capacity must cover (seconds; now). */
  from: number;
  /** End of the window (seconds; `observedAt` + metrics lag + node Ready + pod start). */
  to: number;
}

/**
 * Peak demand (requests per second) over `[window.from, window.to]` on the path from the
 * observation through `rates[i]` at `centres[i]` (ascending seconds; the forecast's upper band at
 * each bucket's centre). Centres at or before the observation are passed over (the observation is
 * newer); after the last centre the path stays at its last value. A window that ends before it
 * starts covers its start only. Non-finite or negative rates count as 0.
 */
export function leadWindowPeak(window: LeadWindow, centres: readonly number[], rates: readonly number[]): number {
  if (centres.length !== rates.length) throw new RangeError(`centres and rates differ in length: ${centres.length} vs ${rates.length}`);
  const { observedAt, from } = window;
  const to = Math.max(from, window.to);
  const clean = (r: number): number => (Number.isFinite(r) && r > 0 ? r : 0);
  // The path's vertices: the observation, then each later centre.
  const times: number[] = [observedAt];
  const values: number[] = [clean(window.observedRate)];
  for (let i = 0; i < centres.length; i++) {
    if (!(centres[i] > times[times.length - 1])) continue;
    times.push(centres[i]);
    values.push(clean(rates[i]));
  }
  const at = (t: number): number => {
    if (t <= times[0]) return values[0];
    for (let i = 1; i < times.length; i++) {
      if (t <= times[i]) return values[i - 1] + ((values[i] - values[i - 1]) * (t - times[i - 1])) / (times[i] - times[i - 1]);
    }
    return values[values.length - 1];
  };
  let peak = Math.max(at(from), at(to));
  for (let i = 0; i < times.length; i++) if (times[i] > from && times[i] < to) peak = Math.max(peak, values[i]);
  return peak;
}

/** What `forecastLeadPeak` reads of a published forecast (`smartscale.io/forecast`). */
export interface PublishedBand {
  /** End of the last observed bucket (unix seconds); step i covers the i-th bucket after it. */
  generatedAt: number;
  stepSeconds: number;
  /** Upper band per step (requests per second). */
  upper: readonly number[];
  /** Mean demand of the last observed bucket (requests per second). */
  observed?: number;
}

/**
 * The webhook's (and controller's) form of the rule: the peak after a published forecast — from
 * its generation (the end of the last observed bucket) for `leadSeconds` (metrics lag + node Ready
 * + pod start) plus one step (the next forecast, a bucket later, is the next decision: what it
 * asks for is ready only a lead after it, so the demand until then is this one's to cover) — on
 * the path from the last bucket's mean at its centre through the band at each later centre.
 * Undefined when the forecast carries no observed demand (the caller then sizes by whole steps)
 * or the lead is not positive.
 */
export function forecastLeadPeak(f: PublishedBand, leadSeconds: number): number | undefined {
  if (f.observed === undefined || !(leadSeconds > 0) || !Number.isFinite(leadSeconds) || !(f.stepSeconds > 0)) return undefined;
  const centres = f.upper.map((_, i) => f.generatedAt + (i + 0.5) * f.stepSeconds);
  const window = { observedAt: f.generatedAt - f.stepSeconds / 2, observedRate: f.observed, from: f.generatedAt, to: f.generatedAt + leadSeconds + f.stepSeconds };
  return leadWindowPeak(window, centres, f.upper);
}
