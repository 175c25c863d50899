/**
 * A simulation scenario: the services whose demand is replayed, how a request maps to pods, and
 * the cluster's timing. Built from a trace (one service) or from the built-in synthetic workload
 * (several services in a call graph). Pure: series in, scenario out.
 */
import type { RegularSeries } from '../forecast/series.js';
import { edgeKey, generateServiceGraph } from '../workload/service-graph.js';
import { DEFAULT_SPOT_INTERRUPTIONS } from './knobs.js';

/** One Deployment whose demand the simulator replays. */
export interface ServiceDemand {
  readonly name: string;
  /** Requests per bucket of `stepSeconds`; NaN marks a gap (no data). */
  readonly counts: RegularSeries;
  /** Requests per second one ready pod serves at its latency objective. */
  readonly rpsPerPod: number;
}

/** Calls on one edge of the call graph (what smartscale learns call ratios from). */
export interface ServiceEdgeSeries {
  readonly caller: string;
  readonly callee: string;
  readonly calls: RegularSeries;
}

export interface PodShape {
  /** CPU request in millicores. */
  readonly milliCpu: number;
  readonly memoryBytes: number;
}

export interface SimTiming {
  /** Virtual-clock tick, seconds (≤ 10). */
  readonly tickSeconds: number;
  /** Pod bound → ready (image pull, start, readiness probe). */
  readonly podStartSeconds: number;
  /** Node launched → Ready (EC2 boot, kubelet registration, CNI). */
  readonly nodeReadySeconds: number;
  /** Age of the metrics a reactive autoscaler sees (metrics-server scrape + kubelet window). */
  readonly metricsLagSeconds: number;
}

export interface Scenario {
  readonly name: string;
  readonly services: readonly ServiceDemand[];
  readonly edges: readonly ServiceEdgeSeries[];
  readonly pod: PodShape;
  readonly timing: SimTiming;
  /** Fraction of nodes bought as spot (0 = all on-demand). */
  readonly spotShare: number;
  /** Share of spot instances interrupted per 30 days, in [0, 1) (core/sim/interruptions.ts). */
  readonly spotInterruptions: number;
  /** Seed of the random draws (spot interruptions). */
  readonly seed: number;
}

export const DEFAULT_TIMING: SimTiming = { tickSeconds: 10, podStartSeconds: 20, nodeReadySeconds: 60, metricsLagSeconds: 30 };
export const DEFAULT_POD: PodShape = { milliCpu: 500, memoryBytes: 1024 ** 3 };

/** How trace counts become pods: exactly one of the two. */
export type WorkloadMapping = { readonly peakPods: number } | { readonly rpsPerPod: number };

/** The q-quantile (0..1) of the finite values, by sorting a copy. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  if (finite.length === 0) return 0;
  finite.sort((a, b) => a - b);
  const pos = Math.min(finite.length - 1, Math.max(0, q * (finite.length - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return finite[lo] + (finite[hi] - finite[lo]) * (pos - lo);
}

/**
 * Requests per second per pod so that the 99th-percentile bucket of `series` needs `peakPods`
 * pods (rarer spikes above it need more, which is the point of the comparison).
 */
export function rpsPerPodForPeak(series: RegularSeries, peakPods: number): number {
  const p99 = quantile(series.values, 0.99) / series.stepSeconds;
  if (!(p99 > 0)) throw new RangeError('the trace has no demand at its 99th percentile; use --rps-per-pod');
  return p99 / peakPods;
}

/** Keeps the first `seconds` of a series (the `--horizon` knob). */
export function truncateSeries(series: RegularSeries, seconds: number | undefined): RegularSeries {
  if (seconds === undefined) return series;
  const n = Math.max(2, Math.min(series.values.length, Math.floor(seconds / series.stepSeconds)));
  return { ...series, values: series.values.subarray(0, n) };
}

export interface ScenarioOptions {
  readonly mapping: WorkloadMapping;
  readonly pod?: PodShape;
  readonly timing?: Partial<SimTiming>;
  readonly spotShare?: number;
  /** Default `DEFAULT_SPOT_INTERRUPTIONS`; matters only with a spot share. */
  readonly spotInterruptions?: number;
  /** Default 42. */
  readonly seed?: number;
}

function baseOf(name: string, options: ScenarioOptions): Omit<Scenario, 'services' | 'edges'> {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  if (!(timing.tickSeconds > 0 && timing.tickSeconds <= 10)) throw new RangeError(`tick must be in (0, 10] seconds, got ${timing.tickSeconds}`);
  for (const key of ['podStartSeconds', 'nodeReadySeconds', 'metricsLagSeconds'] as const) {
    if (!(timing[key] >= 0 && Number.isFinite(timing[key]))) throw new RangeError(`${key} must be a non-negative number, got ${timing[key]}`);
  }
  const spotShare = options.spotShare ?? 0;
  if (!(spotShare >= 0 && spotShare <= 1)) throw new RangeError(`spot share must be in [0, 1], got ${spotShare}`);
  const spotInterruptions = options.spotInterruptions ?? DEFAULT_SPOT_INTERRUPTIONS;
  if (!(spotInterruptions >= 0 && spotInterruptions < 1)) {
    throw new RangeError(`spot interruptions must be in [0, 1) (the share of spot instances interrupted per 30 days), got ${spotInterruptions}`);
  }
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be a whole number, got ${seed}`);
  return { name, pod: options.pod ?? DEFAULT_POD, timing, spotShare, spotInterruptions, seed };
}

/** One service replaying one trace. */
export function traceScenario(name: string, series: RegularSeries, options: ScenarioOptions): Scenario {
  const rpsPerPod = 'peakPods' in options.mapping ? rpsPerPodForPeak(series, options.mapping.peakPods) : options.mapping.rpsPerPod;
  if (!(rpsPerPod > 0) || !Number.isFinite(rpsPerPod)) throw new RangeError(`rps per pod must be positive, got ${rpsPerPod}`);
  return { ...baseOf(name, options), services: [{ name: 'app', counts: series, rpsPerPod }], edges: [] };
}

export const BUILTIN_SCENARIO = 'builtin';

/**
 * The built-in scenario: the synthetic call graph of core/workload (frontend → api → db, cache)
 * over 7 days with daily and weekly patterns and flash crowds. With `peakPods`, all services share
 * one per-pod capacity chosen so that the sum of their 99th-percentile demands needs `peakPods`.
 */
export function builtinScenario(options: ScenarioOptions & { days?: number; seed?: number }): Scenario {
  const graph = generateServiceGraph({
    workload: { days: options.days ?? 7, seed: options.seed ?? 42, flashCrowdsPerDay: 0.4, baseRps: 20 },
  });
  const names = Object.keys(graph.services);
  let rpsPerPod: number;
  if ('peakPods' in options.mapping) {
    let p99Sum = 0;
    for (const n of names) p99Sum += quantile(graph.services[n].values, 0.99) / graph.services[n].stepSeconds;
    rpsPerPod = p99Sum / options.mapping.peakPods;
  } else {
    rpsPerPod = options.mapping.rpsPerPod;
  }
  if (!(rpsPerPod > 0) || !Number.isFinite(rpsPerPod)) throw new RangeError(`rps per pod must be positive, got ${rpsPerPod}`);
  const services = names.map((name) => ({ name, counts: graph.services[name], rpsPerPod }));
  const edges = graph.truth.map((e) => ({ caller: e.caller, callee: e.callee, calls: graph.edges[edgeKey(e.caller, e.callee)] }));
  return { ...baseOf(BUILTIN_SCENARIO, options), services, edges };
}

/** Length of the scenario in seconds (the longest service). */
export function scenarioSeconds(s: Scenario): number {
  let max = 0;
  for (const svc of s.services) max = Math.max(max, svc.counts.values.length * svc.counts.stepSeconds);
  return max;
}
