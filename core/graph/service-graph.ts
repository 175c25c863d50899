/**
 * The service graph: learned edges, whether a callee's demand is explained by its callers, and
 * downstream propagation of forecasts. Pure: series in, estimates and forecasts out.
 */
import type { Forecast } from '../forecast/forecaster.js';
import { CallRatioEstimator, type EdgeEstimate } from './call-ratio.js';

export interface LearnedEdge extends EdgeEstimate {
  caller: string;
  callee: string;
}

/** How much of a callee's demand its callers explain, and with which edges. */
export interface CalleeExplanation {
  callee: string;
  edges: LearnedEdge[];
  /**
   * Share of the callee's demand carried by the learned edges (Σ ratio × caller / demand, over
   * recent buckets), capped at 1. Near 1: the callers explain it; near 0: it has its own traffic.
   */
  explainedShare: number;
  /** True when the callers explain at least `explainedAt` of the demand (default 0.8). */
  explained: boolean;
}

/** Online learner for a whole graph: feed each bucket's service demands and edge calls. */
export class ServiceGraphLearner {
  private readonly estimators = new Map<string, { caller: string; callee: string; estimator: CallRatioEstimator }>();
  private readonly demandSum = new Map<string, number>();
  private readonly edgeSum = new Map<string, number>();

  constructor(private readonly maxLag = 5, private readonly alpha = 0.005) {}

  /**
   * One bucket: `demand[service]` requests per service, `calls['caller->callee']` per edge.
   * Missing entries are gaps.
   */
  observe(demand: Record<string, number>, calls: Record<string, number>): void {
    for (const [key, value] of Object.entries(calls)) {
      const [caller, callee] = key.split('->');
      if (!caller || !callee) continue;
      let entry = this.estimators.get(key);
      if (!entry) {
        entry = { caller, callee, estimator: new CallRatioEstimator(this.maxLag, this.alpha) };
        this.estimators.set(key, entry);
      }
      entry.estimator.observe(demand[caller] ?? NaN, value);
      if (Number.isFinite(value) && Number.isFinite(demand[callee])) {
        this.edgeSum.set(key, (this.edgeSum.get(key) ?? 0) * (1 - this.alpha) + value);
      }
    }
    for (const [service, value] of Object.entries(demand)) {
      if (Number.isFinite(value)) this.demandSum.set(service, (this.demandSum.get(service) ?? 0) * (1 - this.alpha) + value);
    }
  }

  edges(): LearnedEdge[] {
    const out: LearnedEdge[] = [];
    for (const { caller, callee, estimator } of this.estimators.values()) {
      const e = estimator.estimate();
      if (e) out.push({ caller, callee, ...e });
    }
    return out;
  }

  /** Per callee: its incoming edges and the share of its demand they explain. */
  explanations(minFit = 0.5, explainedAt = 0.8): CalleeExplanation[] {
    const byCallee = new Map<string, LearnedEdge[]>();
    for (const e of this.edges()) {
      if (e.fit < minFit) continue;
      byCallee.set(e.callee, [...(byCallee.get(e.callee) ?? []), e]);
    }
    const out: CalleeExplanation[] = [];
    for (const [callee, edges] of byCallee) {
      const demand = this.demandSum.get(callee) ?? 0;
      let carried = 0;
      for (const e of edges) carried += this.edgeSum.get(`${e.caller}->${e.callee}`) ?? 0;
      const explainedShare = demand > 0 ? Math.min(1, carried / demand) : 0;
      out.push({ callee, edges, explainedShare, explained: explainedShare >= explainedAt });
    }
    return out;
  }
}

/** A forecast for propagation: per-step point and upper (counts per bucket), plus recent observed counts. */
export interface ServiceForecast {
  point: number[];
  upper: number[];
  /** The service's most recent observed counts, newest last (used for steps within an edge's lag). */
  recent: number[];
}

export function serviceForecast(forecast: Forecast, recent: number[]): ServiceForecast {
  return { point: [...forecast.point], upper: [...forecast.upper], recent };
}

/**
 * Propagates forecasts downstream, callers first. A callee's forecast becomes
 *   Σ_edges ratio × caller(t + h − lag) + (1 − explained) × own forecast
 * where caller(t + h − lag) is the caller's observed count when h ≤ lag (known already: this is
 * where the lead of upstream traffic pays off) and its (propagated) forecast otherwise. The
 * unexplained share keeps the callee's own model for traffic no caller accounts for. The result
 * for services with no explanation is their own forecast unchanged.
 */
export function propagateForecasts(
  own: Record<string, ServiceForecast>,
  explanations: readonly CalleeExplanation[],
): Record<string, ServiceForecast> {
  const result: Record<string, ServiceForecast> = { ...own };
  const pending = new Map(explanations.map((x) => [x.callee, x]));
  // Resolve in dependency order; a cycle (which real call graphs can have) leaves its members on their own forecasts.
  for (let pass = 0; pass < explanations.length + 1 && pending.size > 0; pass++) {
    for (const [callee, x] of pending) {
      if (x.edges.some((e) => pending.has(e.caller) && e.caller !== callee)) continue;
      pending.delete(callee);
      const mine = own[callee];
      if (!mine) continue;
      const H = mine.point.length;
      const point = new Array<number>(H).fill(0);
      const upper = new Array<number>(H).fill(0);
      let usable = true;
      for (const e of x.edges) {
        const caller = result[e.caller];
        if (!caller || e.caller === callee) {
          usable = false;
          break;
        }
        for (let h = 1; h <= H; h++) {
          const k = h - e.lagSteps;
          const observed = k <= 0 ? caller.recent[caller.recent.length - 1 + k] : undefined;
          const p = observed ?? caller.point[Math.min(k, caller.point.length) - 1] ?? 0;
          const u = observed ?? caller.upper[Math.min(k, caller.upper.length) - 1] ?? p;
          point[h - 1] += e.ratio * p;
          upper[h - 1] += e.ratio * u;
        }
      }
      if (!usable) continue;
      const unexplained = 1 - x.explainedShare;
      result[callee] = {
        point: point.map((p, i) => p + unexplained * mine.point[i]),
        upper: upper.map((u, i) => Math.max(u, point[i]) + unexplained * mine.upper[i]),
        recent: mine.recent,
      };
    }
  }
  return result;
}
