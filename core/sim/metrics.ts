/**
 * What each strategy is judged by (DESIGN.md, "Measuring"): cost, unserved requests, minutes with
 * any unserved demand, churn, node counts — plus down-sampled series for the report's charts.
 */
import type { SimCluster } from './cluster.js';
import type { PreparedScenario } from './engine.js';

/** Down-sampled series, one value per point (means over the point's ticks; cost is cumulative). */
export interface StrategySeries {
  /** Seconds since the start at the middle of each point. */
  readonly t: number[];
  /** Demand in pods (Σ services demand ÷ per-pod capacity). */
  readonly demandPods: number[];
  /** Ready pods (serving capacity in pods). */
  readonly readyPods: number[];
  readonly nodes: number[];
  /** Cumulative cost in USD at the end of the point. */
  readonly costUsd: number[];
}

export interface StrategyMetrics {
  readonly name: string;
  readonly costUsd: number;
  /** Unserved requests as a percentage of all requests. */
  readonly unservedPct: number;
  /** Minutes with any unserved demand. */
  readonly violationMinutes: number;
  readonly launches: number;
  readonly terminations: number;
  /** Spot nodes the cloud interrupted (counted at the notice; 0 without spot). */
  readonly interruptions: number;
  readonly meanNodes: number;
  readonly p95Nodes: number;
  readonly series: StrategySeries;
}

/** Unserved rates below this (requests per second) are float noise, not a violation. */
const UNSERVED_EPSILON = 1e-9;

export class MetricsRecorder {
  private cost = 0;
  private unserved = 0;
  private total = 0;
  private violationMinutes = 0;
  private lastViolatedMinute = -1;
  private nodeSum = 0;
  private nodeHistogram: number[] = [];
  private readonly tickSeconds: number;
  private readonly perPoint: number;
  private readonly series: { t: number[]; demandPods: number[]; readyPods: number[]; nodes: number[]; costUsd: number[] };
  private acc = { demand: 0, ready: 0, nodes: 0, n: 0 };

  constructor(private readonly name: string, private readonly prepared: PreparedScenario, points: number) {
    this.tickSeconds = prepared.scenario.timing.tickSeconds;
    this.perPoint = Math.max(1, Math.ceil(prepared.ticks / Math.max(1, points)));
    this.series = { t: [], demandPods: [], readyPods: [], nodes: [], costUsd: [] };
  }

  /** Measures tick `k` given ready pods per service and nodes in `readyPods` and `nodes`. */
  recordValues(k: number, readyOf: (svc: number) => number, nodes: number, costPerHour: number): void {
    const { scenario, rates } = this.prepared;
    const dt = this.tickSeconds;
    let demandPods = 0;
    let readyPods = 0;
    let unservedRate = 0;
    for (let s = 0; s < scenario.services.length; s++) {
      const d = rates[s][k];
      const perPod = scenario.services[s].rpsPerPod;
      const ready = readyOf(s);
      const served = Math.min(d, ready * perPod);
      this.total += d * dt;
      if (d - served > UNSERVED_EPSILON) unservedRate += d - served;
      demandPods += d / perPod;
      readyPods += ready;
    }
    if (unservedRate > 0) {
      this.unserved += unservedRate * dt;
      const minute = Math.floor((k * dt) / 60);
      if (minute !== this.lastViolatedMinute) {
        this.violationMinutes++;
        this.lastViolatedMinute = minute;
      }
    }
    this.cost += (costPerHour * dt) / 3600;
    this.nodeSum += nodes;
    this.nodeHistogram[nodes] = (this.nodeHistogram[nodes] ?? 0) + 1;
    const a = this.acc;
    a.demand += demandPods;
    a.ready += readyPods;
    a.nodes += nodes;
    a.n++;
    if (a.n === this.perPoint || k === this.prepared.ticks - 1) this.flush(k);
  }

  record(k: number, cluster: SimCluster): void {
    this.recordValues(k, (s) => cluster.ready(s), cluster.nodes.length, cluster.costPerHour);
  }

  private flush(k: number): void {
    const a = this.acc;
    const dt = this.tickSeconds;
    this.series.t.push((k + 1 - a.n / 2) * dt);
    this.series.demandPods.push(round(a.demand / a.n));
    this.series.readyPods.push(round(a.ready / a.n));
    this.series.nodes.push(round(a.nodes / a.n));
    this.series.costUsd.push(round(this.cost));
    this.acc = { demand: 0, ready: 0, nodes: 0, n: 0 };
  }

  finish(churn: { launches: number; terminations: number; interruptions?: number }): StrategyMetrics {
    const ticks = this.prepared.ticks;
    let p95 = 0;
    let seen = 0;
    for (let n = 0; n < this.nodeHistogram.length; n++) {
      seen += this.nodeHistogram[n] ?? 0;
      if (seen >= 0.95 * ticks) {
        p95 = n;
        break;
      }
    }
    return {
      name: this.name,
      costUsd: this.cost,
      unservedPct: this.total > 0 ? (100 * this.unserved) / this.total : 0,
      violationMinutes: this.violationMinutes,
      launches: churn.launches,
      terminations: churn.terminations,
      interruptions: churn.interruptions ?? 0,
      meanNodes: ticks > 0 ? this.nodeSum / ticks : 0,
      p95Nodes: p95,
      series: this.series,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
