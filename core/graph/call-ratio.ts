/**
 * Learning one edge of the service graph (caller → callee) from per-bucket series: the call ratio
 * (calls to the callee per request of the caller), the lag at which calls follow the caller's
 * requests, and how much of the callee's demand the edge explains.
 *
 * The ratio at each candidate lag is a ratio of exponentially weighted sums, Σ calls / Σ caller,
 * which is robust to noise (errors average out) and to idle periods (a bucket with no caller
 * traffic adds nothing rather than dividing by zero; gaps are skipped). The lag is the one whose
 * ratio fits the calls with the smallest weighted squared error. O(maxLag) per bucket.
 */
export interface EdgeEstimate {
  ratio: number;
  lagSteps: number;
  /** Share of the calls' variance the ratio × caller explains (1 = perfectly). */
  fit: number;
  /** Buckets with caller traffic seen so far. */
  samples: number;
}

export class CallRatioEstimator {
  private readonly callerHistory: Float64Array;
  private head = 0;
  private filled = 0;
  private readonly sumCalls: Float64Array;
  private readonly sumCaller: Float64Array;
  private readonly sumCallerSq: Float64Array;
  private readonly sumCross: Float64Array;
  private sumCallsSq = 0;
  private samples = 0;

  constructor(readonly maxLag = 5, private readonly alpha = 0.005) {
    this.callerHistory = new Float64Array(maxLag + 1).fill(NaN);
    const n = maxLag + 1;
    this.sumCalls = new Float64Array(n);
    this.sumCaller = new Float64Array(n);
    this.sumCallerSq = new Float64Array(n);
    this.sumCross = new Float64Array(n);
  }

  /** Feeds one bucket: the caller's requests and the calls on the edge (NaN = gap). */
  observe(callerCount: number, calls: number): void {
    this.callerHistory[this.head] = Number.isFinite(callerCount) && callerCount >= 0 ? callerCount : NaN;
    this.head = (this.head + 1) % this.callerHistory.length;
    if (this.filled < this.callerHistory.length) this.filled++;
    if (!(Number.isFinite(calls) && calls >= 0)) return;
    const decay = 1 - this.alpha;
    this.sumCallsSq = this.sumCallsSq * decay + calls * calls;
    let any = false;
    for (let lag = 0; lag <= this.maxLag; lag++) {
      const x = this.callerAt(lag);
      this.sumCalls[lag] *= decay;
      this.sumCaller[lag] *= decay;
      this.sumCallerSq[lag] *= decay;
      this.sumCross[lag] *= decay;
      if (!Number.isFinite(x)) continue;
      this.sumCalls[lag] += calls;
      this.sumCaller[lag] += x;
      this.sumCallerSq[lag] += x * x;
      this.sumCross[lag] += x * calls;
      if (x > 0) any = true;
    }
    if (any) this.samples++;
  }

  /** The caller's count `lag` buckets ago (0 = this bucket). */
  private callerAt(lag: number): number {
    if (lag >= this.filled) return NaN;
    const i = (this.head - 1 - lag + 2 * this.callerHistory.length) % this.callerHistory.length;
    return this.callerHistory[i];
  }

  /** The current estimate, or undefined before any caller traffic. */
  estimate(): EdgeEstimate | undefined {
    let best: EdgeEstimate | undefined;
    let bestErr = Infinity;
    for (let lag = 0; lag <= this.maxLag; lag++) {
      if (!(this.sumCaller[lag] > 0)) continue;
      const r = this.sumCalls[lag] / this.sumCaller[lag];
      // Σ(calls − r·x)² = Σcalls² − 2rΣx·calls + r²Σx² (on the buckets where both were seen).
      const err = Math.max(0, this.sumCallsSq - 2 * r * this.sumCross[lag] + r * r * this.sumCallerSq[lag]);
      if (err < bestErr) {
        bestErr = err;
        const total = this.sumCallsSq > 0 ? this.sumCallsSq : 1;
        best = { ratio: r, lagSteps: lag, fit: Math.max(0, 1 - err / total), samples: this.samples };
      }
    }
    return best;
  }
}
