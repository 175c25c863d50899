/**
 * The built-in synthetic workload: request counts with known structure — daily and weekly
 * seasonality, a trend, noise, flash crowds and quiet periods — generated from a seed, so tests have
 * ground truth and `npm start` has a default trace. Pure: same options, same series.
 */
import type { RegularSeries } from '../forecast/series.js';
import { SeededRandom } from './random.js';

export interface SyntheticWorkloadOptions {
  seed: number;
  /** Length in days. */
  days: number;
  stepSeconds: number;
  /** Unix seconds of the first bucket (default: a Monday 00:00 UTC). */
  startSec: number;
  /** Mean requests per second on a weekday before trend. */
  baseRps: number;
  /** Peak-to-mean swing of the daily cycle (0 = flat, 0.6 = ±60%). */
  dailyAmplitude: number;
  /** Weekend traffic relative to weekdays (1 = no weekly pattern). */
  weekendFactor: number;
  /** Relative growth per day (0.01 = +1%/day). */
  trendPerDay: number;
  /** Relative multiplicative noise per bucket on top of Poisson counting noise. */
  noise: number;
  /** Expected flash crowds per day; each multiplies traffic for 10–60 minutes. */
  flashCrowdsPerDay: number;
  /** Peak multiplier of a flash crowd. */
  flashCrowdFactor: number;
  /** Expected quiet periods (traffic near zero for 5–30 minutes, e.g. an outage upstream) per day. */
  quietPeriodsPerDay: number;
}

export const DEFAULT_SYNTHETIC_WORKLOAD: SyntheticWorkloadOptions = {
  seed: 42,
  days: 21,
  stepSeconds: 60,
  startSec: 1_704_067_200, // Monday 2024-01-01 00:00 UTC
  baseRps: 2,
  dailyAmplitude: 0.6,
  weekendFactor: 0.6,
  trendPerDay: 0.005,
  noise: 0.15,
  flashCrowdsPerDay: 0.3,
  flashCrowdFactor: 4,
  quietPeriodsPerDay: 0.2,
};

export interface SyntheticWorkload {
  /** Observed counts per bucket. */
  series: RegularSeries;
  /** The expected count per bucket (seasonality × trend × events, before noise): the ground truth. */
  expected: Float64Array;
}

/** The seasonal and trend shape alone, as requests per second at unix time `t` (no events, no noise). */
export function seasonalRate(options: SyntheticWorkloadOptions, t: number): number {
  const day = (t - options.startSec) / 86_400;
  const hourOfDay = (((t % 86_400) + 86_400) % 86_400) / 3600;
  // Peak in the afternoon (15:00), trough at night.
  const daily = 1 + options.dailyAmplitude * Math.cos(((hourOfDay - 15) / 24) * 2 * Math.PI);
  const weekday = Math.floor(t / 86_400 + 3) % 7; // 0 = Monday (1970-01-01 was a Thursday)
  const weekly = weekday >= 5 ? options.weekendFactor : 1;
  return options.baseRps * daily * weekly * (1 + options.trendPerDay * day);
}

export function generateWorkload(partial: Partial<SyntheticWorkloadOptions> = {}): SyntheticWorkload {
  const o = { ...DEFAULT_SYNTHETIC_WORKLOAD, ...partial };
  if (!(o.stepSeconds > 0) || !(o.days > 0)) throw new RangeError('stepSeconds and days must be positive');
  const n = Math.round((o.days * 86_400) / o.stepSeconds);
  const rng = new SeededRandom(o.seed);
  const expected = new Float64Array(n);
  const values = new Float64Array(n);
  const events = new Float64Array(n).fill(1);
  const perStep = o.stepSeconds / 86_400;
  for (let i = 0; i < n; i++) {
    if (rng.next() < o.flashCrowdsPerDay * perStep) {
      const length = Math.round((600 + rng.next() * 3000) / o.stepSeconds);
      for (let k = 0; k < length && i + k < n; k++) {
        // Sharp rise, slower decay.
        const shape = k < length / 5 ? k / (length / 5) : 1 - (k - length / 5) / (length * 0.8);
        events[i + k] = Math.max(events[i + k], 1 + (o.flashCrowdFactor - 1) * shape);
      }
    }
    if (rng.next() < o.quietPeriodsPerDay * perStep) {
      const length = Math.round((300 + rng.next() * 1500) / o.stepSeconds);
      for (let k = 0; k < length && i + k < n; k++) events[i + k] = Math.min(events[i + k], 0.02);
    }
  }
  for (let i = 0; i < n; i++) {
    const t = o.startSec + i * o.stepSeconds;
    const mean = seasonalRate(o, t) * o.stepSeconds * events[i];
    expected[i] = mean;
    const noisy = mean * Math.max(0, 1 + o.noise * rng.normal());
    values[i] = rng.poisson(noisy);
  }
  return { series: { startSec: o.startSec, stepSeconds: o.stepSeconds, values }, expected };
}
