/**
 * A seasonal profile: the typical value at each phase of a period (a day, a week), learned online.
 *
 * The period is cut into at most `maxBins` bins (a day at 1-minute steps becomes 288 bins of 5
 * minutes), so a profile is small enough to keep for thousands of series and averages away
 * minute-level noise. Each bin keeps an exponentially weighted mean across periods and the mean of
 * its most recent visit (what seasonal naive uses). Updates are O(1) per observation.
 */
export interface ProfileState {
  periodSteps: number;
  binSteps: number;
  mean: Array<number | null>;
  last: Array<number | null>;
  visit: number;
  sum: number;
  n: number;
  periodsSeen: number;
}

export class SeasonalProfile {
  readonly binSteps: number;
  readonly binCount: number;
  private readonly mean: Float64Array;
  private readonly last: Float64Array;
  /** Absolute id of the bin visit being accumulated (period number × binCount + bin). */
  private visit = -1;
  private sum = 0;
  private n = 0;
  private periodsSeen = 0;

  /**
   * @param periodSteps length of the period in steps
   * @param alpha weight of the newest period in each bin's mean
   * @param clipFactor a visit's mean counts at most this many times the bin's mean (and at least its
   *   inverse), so one flash crowd moves the profile by a bounded amount
   */
  constructor(
    readonly periodSteps: number,
    maxBins = 288,
    private readonly alpha = 0.25,
    private readonly clipFactor = 2,
  ) {
    this.binSteps = Math.max(1, Math.ceil(periodSteps / maxBins));
    this.binCount = Math.ceil(periodSteps / this.binSteps);
    this.mean = new Float64Array(this.binCount).fill(NaN);
    this.last = new Float64Array(this.binCount).fill(NaN);
  }

  /** Position of `step` within the period, 0 … periodSteps − 1 (steps before the epoch wrap too). */
  phaseOf(step: number): number {
    const phase = step % this.periodSteps;
    return phase < 0 ? phase + this.periodSteps : phase;
  }

  binOf(step: number): number {
    return Math.floor(this.phaseOf(step) / this.binSteps);
  }

  private visitOf(step: number): number {
    return Math.floor(step / this.periodSteps) * this.binCount + this.binOf(step);
  }

  /** Adds the value observed at absolute step `step` (finite values only). */
  observe(step: number, value: number): void {
    const visit = this.visitOf(step);
    if (visit !== this.visit) {
      this.closeVisit();
      this.visit = visit;
    }
    this.sum += value;
    this.n++;
  }

  private closeVisit(): void {
    if (this.n === 0 || this.visit < 0) return;
    const bin = this.visit % this.binCount;
    const visitMean = this.sum / this.n;
    this.last[bin] = visitMean;
    const m = this.mean[bin];
    if (Number.isNaN(m)) this.mean[bin] = visitMean;
    else {
      const lo = m / this.clipFactor;
      const hi = m * this.clipFactor + 1e-9;
      this.mean[bin] = m + this.alpha * (Math.min(hi, Math.max(lo, visitMean)) - m);
    }
    if (bin === this.binCount - 1) this.periodsSeen++;
    this.sum = 0;
    this.n = 0;
  }

  /** Whole periods observed so far (approximately: counts completed last bins). */
  get periods(): number {
    return this.periodsSeen;
  }

  /** The profile at `step`, linearly interpolated between bin centres; NaN where unknown. */
  valueAt(step: number): number {
    const x = (this.phaseOf(step) + 0.5) / this.binSteps - 0.5;
    let i0 = Math.floor(x);
    const frac = x - i0;
    let i1 = i0 + 1;
    if (i0 < 0) i0 += this.binCount;
    if (i1 >= this.binCount) i1 -= this.binCount;
    const a = this.mean[i0];
    const b = this.mean[i1];
    if (Number.isNaN(a)) return b;
    if (Number.isNaN(b)) return a;
    return a + (b - a) * frac;
  }

  /** The mean of the most recent completed visit of `step`'s bin (seasonal naive); NaN if none. */
  lastAt(step: number): number {
    return this.last[this.binOf(step)];
  }

  toJSON(): ProfileState {
    const arr = (a: Float64Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));
    return {
      periodSteps: this.periodSteps,
      binSteps: this.binSteps,
      mean: arr(this.mean),
      last: arr(this.last),
      visit: this.visit,
      sum: this.sum,
      n: this.n,
      periodsSeen: this.periodsSeen,
    };
  }

  restore(state: ProfileState): void {
    if (state.periodSteps !== this.periodSteps || state.binSteps !== this.binSteps || state.mean.length !== this.binCount) {
      throw new Error('profile state does not match this profile');
    }
    state.mean.forEach((v, i) => (this.mean[i] = v ?? NaN));
    state.last.forEach((v, i) => (this.last[i] = v ?? NaN));
    this.visit = state.visit;
    this.sum = state.sum;
    this.n = state.n;
    this.periodsSeen = state.periodsSeen;
  }
}
