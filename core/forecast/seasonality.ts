/**
 * Automatic detection of daily and weekly seasonality, online.
 *
 * The series is summed into hourly buckets (kept for the last five weeks, a few hundred numbers),
 * log-transformed so a multiplicative daily shape and a trend do not dominate, and differenced so
 * that a trend or a random walk does not look periodic. A period is real when the differenced
 * series correlates with itself one period back (autocorrelation at that lag above a threshold),
 * with at least two whole periods of history. The weekly period must also explain more than the
 * daily one already does (a purely daily series correlates at a 168-hour lag as well).
 * Detection re-runs once per hour of data: amortized O(1) per step.
 */

export const DAY_SECONDS = 86_400;
export const WEEK_SECONDS = 7 * DAY_SECONDS;

export interface Seasonality {
  /** Daily period in steps, when detected. */
  daily?: number;
  /** Weekly period in steps, when detected. */
  weekly?: number;
  /** Sub-hourly ("cron") period in steps, when detected (short-season.ts). */
  short?: number;
}

export interface DetectorOptions {
  /** Autocorrelation of the differenced hourly log series needed to call a period real. */
  threshold: number;
  /** How much more the weekly lag must correlate than the daily lag. */
  weeklyMargin: number;
  /** Hysteresis: a detected period is dropped only when its score falls below this. */
  dropThreshold: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = { threshold: 0.3, weeklyMargin: 0.05, dropThreshold: 0.2 };

export interface DetectorState {
  unitIndex: number;
  unitSum: number;
  unitN: number;
  ring: Array<number | null>;
  head: number;
  filled: number;
  daily: boolean;
  weekly: boolean;
  scores: [number, number];
}

/** Steps per period when the step divides it evenly and the period is at least 4 steps; else undefined. */
export function periodSteps(periodSeconds: number, stepSeconds: number): number | undefined {
  if (!(stepSeconds > 0) || periodSeconds % stepSeconds !== 0) return undefined;
  const p = periodSeconds / stepSeconds;
  return p >= 4 ? p : undefined;
}

/**
 * Autocorrelation at `lag` of the first difference of `series` (NaN entries skipped pairwise).
 * Returns NaN when fewer than `minPairs` pairs are available.
 */
export function differencedAutocorrelation(series: ArrayLike<number>, lag: number, minPairs: number): number {
  const d = new Float64Array(series.length);
  if (d.length > 0) d[0] = NaN;
  for (let i = 1; i < d.length; i++) d[i] = series[i] - series[i - 1];
  return laggedCorrelation(d, lag, minPairs).r;
}

/**
 * Pearson correlation of x[i] with x[i − lag], skipping pairs with a NaN member. NaN when
 * fewer than `minPairs` pairs or a side has no variance.
 */
export function laggedCorrelation(x: ArrayLike<number>, lag: number, minPairs: number): { r: number; pairs: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = lag; i < x.length; i++) {
    const a = x[i];
    const b = x[i - lag];
    // NaN test by self-comparison: this is the hot loop of detection.
    if (a !== a || b !== b) continue;
    n++;
    sx += a;
    sy += b;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  if (n < minPairs) return { r: NaN, pairs: n };
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  if (vx <= 1e-12 || vy <= 1e-12) return { r: NaN, pairs: n };
  return { r: cov / Math.sqrt(vx * vy), pairs: n };
}

export class SeasonalityDetector {
  /** Steps per aggregation unit (an hour, or one step when steps are an hour or longer). */
  readonly unitSteps: number;
  private readonly dailyUnits?: number;
  private readonly weeklyUnits?: number;
  readonly dailySteps?: number;
  readonly weeklySteps?: number;
  private readonly ring: Float64Array;
  private head = 0;
  private filled = 0;
  private unitIndex = -1;
  private unitSum = 0;
  private unitN = 0;
  private daily = false;
  private weekly = false;
  private scores: [number, number] = [NaN, NaN];

  constructor(readonly stepSeconds: number, private readonly options: DetectorOptions = DEFAULT_DETECTOR_OPTIONS) {
    this.unitSteps = stepSeconds < 3600 && 3600 % stepSeconds === 0 ? 3600 / stepSeconds : 1;
    const unitSeconds = this.unitSteps * stepSeconds;
    this.dailySteps = periodSteps(DAY_SECONDS, stepSeconds);
    this.weeklySteps = periodSteps(WEEK_SECONDS, stepSeconds);
    this.dailyUnits = this.dailySteps !== undefined ? periodSteps(DAY_SECONDS, unitSeconds) : undefined;
    this.weeklyUnits = this.weeklySteps !== undefined ? periodSteps(WEEK_SECONDS, unitSeconds) : undefined;
    const longest = this.weeklyUnits ?? this.dailyUnits ?? 1;
    this.ring = new Float64Array(Math.min(5 * longest, 4096) + 1).fill(NaN);
  }

  /** Feeds the value at absolute step `step` (NaN for a gap). */
  observe(step: number, value: number): void {
    const unit = Math.floor(step / this.unitSteps);
    if (unit !== this.unitIndex) {
      if (this.unitIndex >= 0) {
        // Close the finished unit and any wholly missing units in between (as gaps).
        this.push(this.unitN >= this.unitSteps / 2 ? Math.log1p(this.unitSum / this.unitN) : NaN);
        const missing = Math.min(unit - this.unitIndex - 1, this.ring.length);
        for (let i = 0; i < missing; i++) this.push(NaN);
        this.evaluate();
      }
      this.unitIndex = unit;
      this.unitSum = 0;
      this.unitN = 0;
    }
    if (Number.isFinite(value)) {
      this.unitSum += value;
      this.unitN++;
    }
  }

  private push(v: number): void {
    this.ring[this.head] = v;
    this.head = (this.head + 1) % this.ring.length;
    if (this.filled < this.ring.length) this.filled++;
  }

  /** The stored hourly log series, oldest first. */
  private history(): Float64Array {
    const out = new Float64Array(this.filled);
    const start = (this.head - this.filled + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.filled; i++) out[i] = this.ring[(start + i) % this.ring.length];
    return out;
  }

  private evaluate(): void {
    if (this.dailyUnits === undefined) return;
    const h = this.history();
    const { threshold, dropThreshold, weeklyMargin } = this.options;
    const rd = differencedAutocorrelation(h, this.dailyUnits, this.dailyUnits);
    const rw = this.weeklyUnits === undefined ? NaN : differencedAutocorrelation(h, this.weeklyUnits, this.weeklyUnits);
    this.scores = [rd, rw];
    if (!Number.isNaN(rd)) this.daily = this.daily ? rd >= dropThreshold : rd >= threshold;
    if (!Number.isNaN(rw)) {
      const margin = rw - (Number.isNaN(rd) ? 0 : rd);
      this.weekly = this.weekly ? rw >= dropThreshold && margin >= 0 : rw >= threshold && margin >= weeklyMargin;
    }
  }

  /** The periods currently believed real. */
  current(): Seasonality {
    const s: Seasonality = {};
    if (this.daily && this.dailySteps !== undefined) s.daily = this.dailySteps;
    if (this.weekly && this.weeklySteps !== undefined) s.weekly = this.weeklySteps;
    return s;
  }

  /** The latest autocorrelation scores [daily, weekly] (NaN until enough history). */
  latestScores(): [number, number] {
    return [...this.scores];
  }

  toJSON(): DetectorState {
    return {
      unitIndex: this.unitIndex,
      unitSum: this.unitSum,
      unitN: this.unitN,
      ring: Array.from(this.ring, (v) => (Number.isNaN(v) ? null : v)),
      head: this.head,
      filled: this.filled,
      daily: this.daily,
      weekly: this.weekly,
      scores: this.scores,
    };
  }

  restore(s: DetectorState): void {
    if (s.ring.length !== this.ring.length) throw new Error('detector state does not match this step');
    s.ring.forEach((v, i) => (this.ring[i] = v ?? NaN));
    this.unitIndex = s.unitIndex;
    this.unitSum = s.unitSum;
    this.unitN = s.unitN;
    this.head = s.head;
    this.filled = s.filled;
    this.daily = s.daily;
    this.weekly = s.weekly;
    this.scores = [s.scores[0] ?? NaN, s.scores[1] ?? NaN];
  }
}
