/**
 * Per-pod capacity learned from observations of (requests per second per pod, latency): the highest
 * per-pod load at which latency stays under the objective. Pure.
 *
 * Observations are binned by load (equal-count bins, so sparse high loads do not get a bin of one);
 * a bin is healthy when its latency quantile (p90 by default) is under the SLO. The capacity is the
 * highest load that met the SLO in the last healthy bin before the first unhealthy one —
 * or, when every bin is healthy, the highest load observed (we have not seen the limit, so we do not
 * claim more). Outliers move one quantile of one bin, not the answer.
 */
export interface LoadObservation {
  rpsPerPod: number;
  latencyMs: number;
}

export interface CapacityOptions {
  sloMs: number;
  /** Latency quantile compared with the SLO within each bin. */
  quantile: number;
  /** Observations per bin. */
  binSize: number;
  /** Fewer valid observations than this: no estimate. */
  minObservations: number;
}

export const DEFAULT_CAPACITY_OPTIONS: Omit<CapacityOptions, 'sloMs'> = { quantile: 0.9, binSize: 20, minObservations: 40 };

export interface CapacityEstimate {
  rpsPerPod: number;
  /** True when latency broke the SLO at some observed load (the limit was seen, not extrapolated). */
  limitObserved: boolean;
  observations: number;
}

export function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = Math.min(sorted.length - 1, Math.max(0, q * (sorted.length - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Returns undefined when there are too few valid observations or the SLO is broken even at the lowest load. */
export function learnRpsPerPod(observations: readonly LoadObservation[], options: Partial<CapacityOptions> & { sloMs: number }): CapacityEstimate | undefined {
  const o = { ...DEFAULT_CAPACITY_OPTIONS, ...options };
  if (!(o.sloMs > 0)) throw new RangeError(`sloMs must be positive, got ${o.sloMs}`);
  const valid = observations
    .filter((x) => Number.isFinite(x.rpsPerPod) && x.rpsPerPod > 0 && Number.isFinite(x.latencyMs) && x.latencyMs >= 0)
    .sort((a, b) => a.rpsPerPod - b.rpsPerPod);
  if (valid.length < o.minObservations) return undefined;
  const binSize = Math.max(1, Math.floor(o.binSize));
  let lastHealthyTop = NaN;
  for (let start = 0; start < valid.length; start += binSize) {
    // Fold a short tail into the previous bin's judgement by extending this one.
    const end = valid.length - (start + binSize) < binSize / 2 ? valid.length : start + binSize;
    const bin = valid.slice(start, end);
    const latency = quantileOf(bin.map((x) => x.latencyMs).sort((a, b) => a - b), o.quantile);
    if (latency > o.sloMs) {
      if (Number.isNaN(lastHealthyTop)) return undefined;
      return { rpsPerPod: lastHealthyTop, limitObserved: true, observations: valid.length };
    }
    // The highest load of the bin that itself met the SLO: a healthy p90 tolerates a few slow
    // observations, but the load of one that broke the objective is not a load the pod sustains.
    for (let i = bin.length - 1; i >= 0; i--) {
      if (bin[i].latencyMs <= o.sloMs) {
        lastHealthyTop = bin[i].rpsPerPod;
        break;
      }
    }
    if (end === valid.length) break;
  }
  return { rpsPerPod: lastHealthyTop, limitObserved: false, observations: valid.length };
}
