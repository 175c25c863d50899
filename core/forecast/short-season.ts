/**
 * Online detection of sub-hourly ("cron") periods: timers, batch jobs and function triggers that fire
 * every 5, 10, 15, 30 or 60 minutes put spikes into minute-level traffic that the daily profile
 * (15-minute bins) averages away.
 *
 * Candidates are the periods that divide an hour and are at least two steps long (on a 1-minute step:
 * 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60 steps; on a 5-minute step: 2, 3, 4, 6, 12), and at most a
 * third of the history kept. The history is a ring of log1p(value) per step (the last day, at most
 * `maxHistorySteps`).
 *
 * Detection: the ring is differenced (so trends and random walks do not look periodic), the
 * differences are clipped at a few mean absolute differences (so two outliers a period apart cannot
 * fake a season), and the autocorrelation at each candidate lag is computed. A candidate qualifies
 * when its score is above `threshold` and above z = 4 standard errors of the score of noise,
 * √(1.5 / pairs) (a short history needs a clearer signal), and when its per-phase factors model the
 * detrended series clearly better than no season (Akaike's criterion lower by `minGain`: bursts can
 * correlate by chance at a short lag, their phase means explain nothing). A series with period P
 * also correlates at 2P, 3P…, so among the qualified candidates the one with the best criterion is
 * chosen, a longer one having to beat a shorter one clearly. Hysteresis: the chosen period is kept
 * while its score stays above `dropThreshold` and above z / 2 standard errors, and replaced only by a
 * candidate whose criterion is better by `switchMargin`.
 *
 * Factors: the log series minus its centred moving average over the longest candidate (which
 * removes every candidate's periodic part and does not lag a trend), the median residual per phase
 * (a flash crowd in the history does not become a season), centred so their geometric mean is 1.
 *
 * Cost: O(1) per step, plus an evaluation of O(history × candidates) every max(15 minutes of data,
 * history ÷ 12 steps): amortized O(candidates) per step (about 0.75 µs at 1-minute steps).
 */
import { laggedCorrelation } from './seasonality.js';

export interface ShortSeasonOptions {
  /** Autocorrelation of the differenced log series needed to detect a period. */
  threshold: number;
  /** Hysteresis: the chosen period is dropped only when its score falls below this. */
  dropThreshold: number;
  /**
   * A candidate's score must also be at least z standard errors of the score of noise, √(1.5 / pairs)
   * (Bartlett: differenced white noise has lag-1 autocorrelation −½); a detected period is kept
   * only while its score stays above z / 2 of them.
   */
  z: number;
  /**
   * Of the qualified candidates the one whose per-phase factors model the detrended log series best
   * (Akaike's criterion) is chosen; a longer one must beat a shorter one by this much.
   */
  preferShorterWithin: number;
  /** Another period replaces the chosen one only when its criterion is lower by this much. */
  switchMargin: number;
  /** A newly detected period's criterion must be lower than no season's by this much. */
  minGain: number;
  /** Detection re-runs after this much data (seconds) at least… */
  evaluateEverySeconds: number;
  /**
   * …and at most this many times per history length: an evaluation costs O(history), so re-running
   * every history ÷ N steps bounds the cost per step to O(N × candidates) — a young series (short
   * history, cheap evaluations) is re-examined often, a full day-long ring every two hours.
   */
  evaluationsPerHistory: number;
  /** History kept, in seconds (capped at `maxHistorySteps`). */
  historySeconds: number;
  maxHistorySteps: number;
  /** Differences beyond this many mean absolute differences are clipped before correlating. */
  clip: number;
}

export const DEFAULT_SHORT_SEASON_OPTIONS: ShortSeasonOptions = {
  threshold: 0.3,
  dropThreshold: 0.2,
  z: 4,
  preferShorterWithin: 4,
  switchMargin: 10,
  minGain: 10,
  evaluateEverySeconds: 900,
  evaluationsPerHistory: 12,
  historySeconds: 86_400,
  maxHistorySteps: 1440,
  clip: 5,
};

/** A detected sub-hourly period and its multiplicative factor per phase (geometric mean 1). */
export interface ShortSeason {
  /** Period in steps. */
  readonly period: number;
  /** The factor at absolute step `step`. */
  factorAt(step: number): number;
}

export interface ShortSeasonState {
  /** log1p(value) per step, oldest first (null for a gap), rounded to 1e-5. */
  ring: Array<number | null>;
  /** Absolute step of the newest ring entry (null before the first). */
  lastStep: number | null;
  sinceEvaluation: number;
  period: number | null;
  /** Log factor per phase of `period` (exact, so a restored forecaster forecasts the same). */
  logFactors: number[] | null;
  scores: Record<string, number | null>;
}

const SECONDS_PER_HOUR = 3600;

/** Candidate periods in steps, shortest first: divisors of an hour in steps, ≥ 2 steps, ≤ `maxSteps`. */
export function shortPeriodCandidates(stepSeconds: number, maxSteps: number): number[] {
  if (!(stepSeconds > 0) || SECONDS_PER_HOUR % stepSeconds !== 0) return [];
  const hourSteps = SECONDS_PER_HOUR / stepSeconds;
  const out: number[] = [];
  for (let p = 2; p <= Math.min(hourSteps, maxSteps); p++) if (hourSteps % p === 0) out.push(p);
  return out;
}

/**
 * Work buffers of the evaluation, shared by every detector in the thread: an evaluation runs to
 * its end synchronously, and per-detector copies (two day-long Float64Arrays, 23 KB) were most of
 * a series' memory — a controller keeps thousands of series.
 */
let sharedScratch = new Float64Array(0);
let sharedResiduals = new Float64Array(0);
function workBuffers(n: number): { scratch: Float64Array; residuals: Float64Array } {
  if (sharedScratch.length < n) {
    sharedScratch = new Float64Array(n);
    sharedResiduals = new Float64Array(n);
  }
  return { scratch: sharedScratch, residuals: sharedResiduals };
}

export class ShortSeasonDetector {
  readonly candidates: readonly number[];
  private readonly options: ShortSeasonOptions;
  /** log1p of each step's value; single precision is finer than the state keeps (1e-5). */
  private readonly ring: Float32Array;
  private readonly evaluateEvery: number;
  private head = 0;
  private filled = 0;
  private lastStep = NaN;
  private sinceEvaluation = 0;
  private readonly scores = new Map<number, number>();
  private readonly pairs = new Map<number, number>();
  private season?: PhaseFactors;

  constructor(readonly stepSeconds: number, options: Partial<ShortSeasonOptions> = {}) {
    this.options = { ...DEFAULT_SHORT_SEASON_OPTIONS, ...options };
    const { historySeconds, maxHistorySteps, evaluateEverySeconds } = this.options;
    const length = Math.max(0, Math.min(maxHistorySteps, Math.floor(historySeconds / stepSeconds)));
    this.candidates = shortPeriodCandidates(stepSeconds, Math.floor(length / 3));
    // Nothing to detect: keep no history at all.
    this.ring = new Float32Array(this.candidates.length > 0 ? length : 0).fill(NaN);
    this.evaluateEvery = Math.max(1, Math.round(evaluateEverySeconds / stepSeconds));
  }

  /** Feeds the value at absolute step `step` (steps in order; NaN for a gap; skipped steps are gaps). */
  observe(step: number, value: number): void {
    if (this.ring.length === 0) return;
    const gap = Number.isNaN(this.lastStep) ? 0 : Math.min(step - this.lastStep - 1, this.ring.length);
    for (let i = 0; i < gap; i++) this.push(NaN);
    this.push(Number.isFinite(value) && value >= 0 ? Math.log1p(value) : NaN);
    this.lastStep = step;
    this.sinceEvaluation += gap + 1;
    if (this.sinceEvaluation >= Math.max(this.evaluateEvery, Math.ceil(this.filled / this.options.evaluationsPerHistory))) {
      this.sinceEvaluation = 0;
      this.evaluate();
    }
  }

  private push(v: number): void {
    this.ring[this.head] = v;
    this.head = (this.head + 1) % this.ring.length;
    if (this.filled < this.ring.length) this.filled++;
  }

  /** The stored log series, oldest first, into `out` (length `filled`). */
  private history(out: Float64Array): Float64Array {
    const n = this.filled;
    const view = out.subarray(0, n);
    const start = (this.head - n + this.ring.length) % this.ring.length;
    for (let i = 0; i < n; i++) view[i] = this.ring[(start + i) % this.ring.length];
    return view;
  }

  private evaluate(): void {
    const { dropThreshold, preferShorterWithin, switchMargin } = this.options;
    const qualified = this.screen();
    const current = this.season?.period;
    const currentScore = current === undefined ? NaN : (this.scores.get(current) ?? NaN);
    const keep = current !== undefined && currentScore >= dropThreshold && currentScore >= (this.options.z / 2) * this.noiseScale(current);
    if (qualified.length === 0 && !keep) {
      this.season = undefined;
      return;
    }
    const e = this.detrended();
    const contenders = keep && !qualified.includes(current) ? [...qualified, current].sort((a, b) => a - b) : qualified;
    // A new period's factors must also model the series clearly better than no season at all (a
    // second test, on the levels rather than the differences: heavy-tailed bursts can correlate by
    // chance at a short lag, but their phase means explain nothing).
    const flat = informationCriterion(e, this.firstStep(), 1);
    let best: number | undefined;
    let bestCriterion = Infinity;
    let currentCriterion = NaN;
    for (const p of contenders) {
      const criterion = informationCriterion(e, this.firstStep(), p);
      if (p === current) currentCriterion = criterion;
      else if (!(criterion <= flat - this.options.minGain)) continue;
      // Shortest first: a longer period (more factors) must be clearly better than a shorter one.
      if (criterion < bestCriterion - (bestCriterion === Infinity ? 0 : preferShorterWithin)) {
        best = p;
        bestCriterion = criterion;
      }
    }
    const chosen = keep && !(bestCriterion <= currentCriterion - switchMargin) ? current : best;
    this.season = chosen === undefined ? undefined : this.fitFactors(e, chosen);
  }

  /** Absolute step of the oldest ring entry. */
  private firstStep(): number {
    return this.lastStep - this.filled + 1;
  }

  /**
   * Scores every candidate (autocorrelation of the clipped, differenced log series at its lag) and
   * returns those that pass the threshold and the noise bound, shortest first.
   */
  private screen(): number[] {
    const { threshold, z, clip } = this.options;
    const x = this.history(workBuffers(this.filled).scratch);
    // Difference in place (newest first, so each value is still undifferenced when read), clip outliers.
    let absSum = 0;
    let absN = 0;
    for (let i = x.length - 1; i >= 1; i--) {
      x[i] = x[i] - x[i - 1];
      if (Number.isFinite(x[i])) {
        absSum += Math.abs(x[i]);
        absN++;
      }
    }
    if (x.length > 0) x[0] = NaN;
    const bound = absN > 0 ? (clip * absSum) / absN : 0;
    for (let i = 1; i < x.length; i++) x[i] = Math.max(-bound, Math.min(bound, x[i]));
    const qualified: number[] = [];
    for (const p of this.candidates) {
      const { r, pairs } = laggedCorrelation(x, p, Math.max(2 * p, 60));
      this.scores.set(p, r);
      this.pairs.set(p, pairs);
      if (r >= threshold && r >= z * this.noiseScale(p)) qualified.push(p);
    }
    return qualified;
  }

  /** Standard error of the score of differenced white noise at the candidate's last evaluation. */
  private noiseScale(period: number): number {
    const pairs = this.pairs.get(period) ?? 0;
    return pairs > 0 ? Math.sqrt(1.5 / pairs) : Infinity;
  }

  /**
   * The log series minus its centred moving average over the longest candidate (a 2×L average for
   * an even L), which removes every candidate's periodic part (they divide it) and follows a trend
   * without lag. NaN where the window is incomplete or holds a gap. Prefix sums: O(history).
   */
  private detrended(): Float64Array {
    const x = this.history(workBuffers(this.filled).scratch);
    const n = x.length;
    const out = workBuffers(n).residuals.subarray(0, n).fill(NaN);
    const L = this.candidates[this.candidates.length - 1];
    const half = Math.floor(L / 2);
    const even = L % 2 === 0;
    const sums = new Float64Array(n + 1);
    const gaps = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const finite = Number.isFinite(x[i]);
      sums[i + 1] = sums[i] + (finite ? x[i] : 0);
      gaps[i + 1] = gaps[i] + (finite ? 0 : 1);
    }
    for (let i = half; i + half < n; i++) {
      if (gaps[i + half + 1] - gaps[i - half] > 0) continue;
      let sum = sums[i + half + 1] - sums[i - half];
      if (even) sum -= (x[i - half] + x[i + half]) / 2;
      out[i] = x[i] - sum / L;
    }
    return out;
  }

  /**
   * Median residual per phase of `period`, centred so the factors' geometric mean is 1 (medians: a
   * flash crowd in the history does not become a "season"). Undefined when a phase has no residual.
   */
  private fitFactors(e: Float64Array, period: number): PhaseFactors | undefined {
    const first = this.firstStep();
    // Group the residuals by phase in one typed array (a counting sort), then sort each group
    // numerically in place: no per-phase arrays, no comparator.
    const count = new Int32Array(period + 1);
    for (let i = 0, phase = phaseOf(first, period); i < e.length; i++, phase = phase + 1 === period ? 0 : phase + 1) {
      if (e[i] === e[i]) count[phase + 1]++;
    }
    for (let p = 0; p < period; p++) count[p + 1] += count[p];
    const grouped = new Float64Array(count[period]);
    const next = count.slice(0, period);
    for (let i = 0, phase = phaseOf(first, period); i < e.length; i++, phase = phase + 1 === period ? 0 : phase + 1) {
      if (e[i] === e[i]) grouped[next[phase]++] = e[i];
    }
    const logFactors: number[] = [];
    for (let p = 0; p < period; p++) {
      const group = grouped.subarray(count[p], count[p + 1]).sort();
      if (group.length === 0) return undefined;
      const mid = group.length >> 1;
      logFactors.push(group.length % 2 === 1 ? group[mid] : (group[mid - 1] + group[mid]) / 2);
    }
    const mean = logFactors.reduce((a, b) => a + b, 0) / period;
    return new PhaseFactors(period, logFactors.map((v) => v - mean));
  }

  /** The detected period and its factors, or undefined. */
  current(): ShortSeason | undefined {
    return this.season;
  }

  /** The latest score per candidate period (NaN until enough history). */
  latestScores(): Record<number, number> {
    return Object.fromEntries(this.scores);
  }

  toJSON(): ShortSeasonState {
    const ring = this.history(new Float64Array(this.filled));
    return {
      ring: Array.from(ring, (v) => (Number.isFinite(v) ? Math.round(v * 1e5) / 1e5 : null)),
      lastStep: Number.isNaN(this.lastStep) ? null : this.lastStep,
      sinceEvaluation: this.sinceEvaluation,
      period: this.season?.period ?? null,
      logFactors: this.season ? [...this.season.logFactors] : null,
      scores: Object.fromEntries(Array.from(this.scores, ([p, r]) => [String(p), Number.isNaN(r) ? null : r])),
    };
  }

  /** Continues from `toJSON()` output; a state from another step size is ignored (detection restarts). */
  restore(s: ShortSeasonState): void {
    if (!s || !Array.isArray(s.ring) || s.ring.length > this.ring.length) return;
    this.ring.fill(NaN);
    s.ring.forEach((v, i) => (this.ring[i] = typeof v === 'number' ? v : NaN));
    this.filled = s.ring.length;
    this.head = this.ring.length === 0 ? 0 : this.filled % this.ring.length;
    this.lastStep = typeof s.lastStep === 'number' ? s.lastStep : NaN;
    this.sinceEvaluation = typeof s.sinceEvaluation === 'number' ? s.sinceEvaluation : 0;
    this.scores.clear();
    for (const [p, r] of Object.entries(s.scores ?? {})) this.scores.set(Number(p), typeof r === 'number' ? r : NaN);
    const period = s.period;
    const valid = typeof period === 'number' && this.candidates.includes(period) && Array.isArray(s.logFactors) && s.logFactors.length === period;
    this.season = valid ? new PhaseFactors(period, s.logFactors!.map(Number)) : undefined;
  }
}

class PhaseFactors implements ShortSeason {
  private readonly factors: Float64Array;

  constructor(readonly period: number, readonly logFactors: readonly number[]) {
    this.factors = Float64Array.from(logFactors, Math.exp);
  }

  factorAt(step: number): number {
    return this.factors[phaseOf(step, this.period)];
  }
}

function phaseOf(step: number, period: number): number {
  const phase = step % period;
  return phase < 0 ? phase + period : phase;
}

/**
 * Akaike's information criterion of per-phase means of `period` as a model of `e` (Gaussian errors):
 * m·ln(SSE/m) + 2·period; lower is better. Each extra phase mean must pay for itself, so a longer
 * period that contains a shorter one wins only when its extra phases explain real structure (the
 * top of the hour differing from the quarter hours), not noise. NaN with too few residuals.
 */
function informationCriterion(e: Float64Array, firstStep: number, period: number): number {
  const sum = new Float64Array(period);
  const count = new Float64Array(period);
  let totalSq = 0;
  let m = 0;
  for (let i = 0, phase = phaseOf(firstStep, period); i < e.length; i++, phase = phase + 1 === period ? 0 : phase + 1) {
    const v = e[i];
    if (v !== v) continue;
    sum[phase] += v;
    count[phase]++;
    totalSq += v * v;
    m++;
  }
  if (m <= 2 * period) return NaN;
  let explained = 0;
  for (let p = 0; p < period; p++) if (count[p] > 0) explained += (sum[p] * sum[p]) / count[p];
  const sse = Math.max(totalSq - explained, 1e-12 * m);
  return m * Math.log(sse / m) + 2 * period;
}

export interface BandWidthState {
  /** Recent relative error per phase of the hour (null until visited). */
  error: Array<number | null>;
}

/**
 * How much wider the upper band should be at each phase of the detected short period. A timer's
 * spike is forecast, but its size varies from one firing to the next far more than a quiet minute
 * does, so a band of one width for every step is too narrow at the spikes and too wide between
 * them. This keeps, per phase of the hour, an exponentially weighted mean of the selection's
 * relative error (|error| ÷ recent MAE, averaged over the horizon), and gives each phase of the
 * period the mean over the hour-phases it covers, normalised to a mean width of 1 — the band's
 * calibration (adaptive conformal) still sets the overall level. Width 1 everywhere while no period
 * is detected. O(1) per observation; O(steps per hour) per refresh.
 */
export class PhaseBandWidth {
  private readonly error: Float64Array;
  private widths = new Float64Array(0);
  private period = 0;

  constructor(readonly hourSteps: number, private readonly alpha = 0.1, private readonly maxRelative = 10) {
    this.error = new Float64Array(hourSteps).fill(NaN);
  }

  /** Steps per hour when the step divides an hour into at least two steps, else 0 (no widths). */
  static hourStepsFor(stepSeconds: number): number {
    return shortPeriodCandidates(stepSeconds, Infinity).length > 0 ? SECONDS_PER_HOUR / stepSeconds : 0;
  }

  /** Records the relative error of the forecasts scored for `step`. */
  observe(step: number, relativeError: number): void {
    if (this.hourSteps === 0 || !Number.isFinite(relativeError)) return;
    const phase = phaseOf(step, this.hourSteps);
    const r = Math.min(relativeError, this.maxRelative);
    const e = this.error[phase];
    this.error[phase] = Number.isNaN(e) ? r : e + this.alpha * (r - e);
  }

  /** Recomputes the widths for the season now detected (none: width 1). */
  refresh(season: ShortSeason | undefined): void {
    this.period = 0;
    if (!season || this.hourSteps === 0 || this.hourSteps % season.period !== 0) return;
    const P = season.period;
    if (this.widths.length !== P) this.widths = new Float64Array(P);
    this.widths.fill(0);
    for (let k = 0; k < this.hourSteps; k++) {
      const e = this.error[k];
      if (Number.isNaN(e)) return;
      this.widths[k % P] += e;
    }
    let mean = 0;
    for (let p = 0; p < P; p++) mean += this.widths[p] / P;
    if (!(mean > 0)) return;
    for (let p = 0; p < P; p++) this.widths[p] /= mean;
    this.period = P;
  }

  /** The band width at absolute step `step` (1 when no period is detected or errors are unknown). */
  widthAt(step: number): number {
    return this.period === 0 ? 1 : this.widths[phaseOf(step, this.period)];
  }

  toJSON(): BandWidthState {
    return { error: Array.from(this.error, (v) => (Number.isNaN(v) ? null : v)) };
  }

  restore(s: BandWidthState): void {
    if (!s || !Array.isArray(s.error) || s.error.length !== this.hourSteps) return;
    s.error.forEach((v, i) => (this.error[i] = typeof v === 'number' ? v : NaN));
  }
}
