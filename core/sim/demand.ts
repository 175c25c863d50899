/**
 * Demand on the virtual clock. A trace bucket holds a count over `step` seconds; the simulator
 * ticks every few seconds, so the rate at a tick is interpolated linearly between the centres of
 * neighbouring buckets (a minute's traffic does not jump at the minute boundary). Gaps (no data)
 * are bridged linearly between the nearest observed buckets: the service still had traffic, the
 * trace just did not record it.
 */
import type { RegularSeries } from '../forecast/series.js';

/** Per-bucket rates (requests per second) with gaps bridged. */
export function bucketRates(series: RegularSeries): Float64Array {
  const n = series.values.length;
  const rates = new Float64Array(n);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const v = series.values[i];
    if (Number.isNaN(v)) continue;
    rates[i] = v / series.stepSeconds;
    if (prev >= 0 && i - prev > 1) {
      for (let k = prev + 1; k < i; k++) rates[k] = rates[prev] + ((rates[i] - rates[prev]) * (k - prev)) / (i - prev);
    } else if (prev < 0) {
      for (let k = 0; k < i; k++) rates[k] = rates[i];
    }
    prev = i;
  }
  if (prev >= 0) for (let k = prev + 1; k < n; k++) rates[k] = rates[prev];
  return rates;
}

/**
 * Demand rate (requests per second) at each tick `t = k × tickSeconds` after the series start,
 * for `ticks` ticks: linear between bucket centres, flat before the first centre and after the last.
 */
export function tickRates(series: RegularSeries, tickSeconds: number, ticks: number): Float64Array {
  const rates = bucketRates(series);
  const step = series.stepSeconds;
  const out = new Float64Array(ticks);
  const last = rates.length - 1;
  for (let k = 0; k < ticks; k++) {
    const x = (k * tickSeconds) / step - 0.5; // position in bucket-centre units
    if (x <= 0) out[k] = rates[0];
    else if (x >= last) out[k] = rates[last];
    else {
      const i = Math.floor(x);
      const f = x - i;
      out[k] = rates[i] + (rates[i + 1] - rates[i]) * f;
    }
  }
  return out;
}
