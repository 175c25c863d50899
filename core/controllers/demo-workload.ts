/**
 * The demo's workload: three services that call each other (frontend → api → db), driven by a
 * trace or the built-in synthetic workload, written into a SimulatedMetricsSource (demand per
 * Deployment and the call rates between them), which the clock reveals as time passes.
 *
 * The series is placed so that `historyDays` of it lie before `nowSec` (the forecaster backfills
 * them and knows the daily pattern from its first pass) and the rest is the future.
 */
import type { RegularSeries } from '../forecast/series.js';
import type { SimulatedMetricsSource } from '../metrics/simulated.js';
import { SeededRandom } from '../workload/random.js';
import { generateWorkload } from '../workload/synthetic.js';

export interface DemoEdge {
  caller: string;
  callee: string;
  /** Calls per caller request. */
  ratio: number;
  /** Buckets between a caller's request and the callee's call. */
  lagSteps: number;
}

export const DEMO_SERVICES = ['frontend', 'api', 'db'] as const;
export const DEMO_EDGES: readonly DemoEdge[] = [
  { caller: 'frontend', callee: 'api', ratio: 2, lagSteps: 1 },
  { caller: 'api', callee: 'db', ratio: 0.5, lagSteps: 1 },
];

export interface DemoTraffic {
  /** Requests per bucket per service. */
  services: Record<string, RegularSeries>;
  /** Calls per bucket per edge `caller->callee`. */
  edges: Record<string, RegularSeries>;
  /** The entry service's peak rate (requests/second), for sizing the demo's per-pod capacity. */
  peakRps: Record<string, number>;
}

/** Builds three services' series from an entry series (counts per bucket). */
export function demoTraffic(entry: RegularSeries, edges: readonly DemoEdge[] = DEMO_EDGES, seed = 7): DemoTraffic {
  const rng = new SeededRandom(seed);
  const n = entry.values.length;
  const demand = new Map<string, Float64Array>([[DEMO_SERVICES[0], Float64Array.from(entry.values, (v) => (Number.isFinite(v) ? v : 0))]]);
  const edgeSeries: Record<string, RegularSeries> = {};
  for (const e of edges) {
    const caller = demand.get(e.caller)!;
    const calls = new Float64Array(n);
    for (let i = 0; i < n; i++) calls[i] = Math.max(0, Math.round(caller[Math.max(0, i - e.lagSteps)] * e.ratio * (1 + 0.03 * rng.normal())));
    edgeSeries[`${e.caller}->${e.callee}`] = { startSec: entry.startSec, stepSeconds: entry.stepSeconds, values: calls };
    const callee = demand.get(e.callee) ?? new Float64Array(n);
    for (let i = 0; i < n; i++) callee[i] += calls[i];
    demand.set(e.callee, callee);
  }
  const services: Record<string, RegularSeries> = {};
  const peakRps: Record<string, number> = {};
  for (const [name, values] of demand) {
    services[name] = { startSec: entry.startSec, stepSeconds: entry.stepSeconds, values };
    let peak = 0;
    for (const v of values) peak = Math.max(peak, v);
    peakRps[name] = peak / entry.stepSeconds;
  }
  return { services, edges: edgeSeries, peakRps };
}

/**
 * The synthetic entry series (daily peak at 15:00 of its own clock): `historyDays` before `nowSec`
 * and `futureDays` after, shifted so that `nowSec` falls at `hourAtNow` of its day (the demo and
 * the tests start a few hours before the peak whatever the wall clock says).
 */
export function syntheticEntry(nowSec: number, historyDays: number, futureDays: number, baseRps = 20, hourAtNow = 6): RegularSeries {
  const step = 60;
  const virtualNow = Math.floor(nowSec / 86_400) * 86_400 + Math.round(hourAtNow * 3600);
  const shift = Math.floor((nowSec - virtualNow) / step) * step;
  const midnight = Math.floor(virtualNow / 86_400) * 86_400;
  const series = generateWorkload({
    days: historyDays + futureDays + 1,
    stepSeconds: step,
    startSec: midnight - historyDays * 86_400,
    baseRps,
    weekendFactor: 1,
    trendPerDay: 0,
    flashCrowdsPerDay: 0,
    quietPeriodsPerDay: 0,
    noise: 0.05,
  }).series;
  return { ...series, startSec: series.startSec + shift };
}

/** Shifts a trace so `historyDays` of it lie before `nowSec` (at most 70% of it), on its own step grid. */
export function placeTrace(trace: RegularSeries, nowSec: number, historyDays: number): RegularSeries {
  const length = trace.values.length * trace.stepSeconds;
  const history = Math.min(historyDays * 86_400, Math.floor(length * 0.7));
  const start = Math.floor((nowSec - history) / trace.stepSeconds) * trace.stepSeconds;
  return { ...trace, startSec: start };
}

/** Loads the traffic into the source: demand per Deployment (in `namespace`) and edge rates. */
export function loadTraffic(source: SimulatedMetricsSource, namespace: string, traffic: DemoTraffic): void {
  for (const [name, series] of Object.entries(traffic.services)) source.loadCounts({ namespace, deployment: name }, series.startSec, series.stepSeconds, series.values);
  source.setEdges(
    namespace,
    Object.entries(traffic.edges).map(([key, s]) => {
      const [client, server] = key.split('->');
      const points: Array<[number, number]> = [];
      for (let i = 0; i < s.values.length; i++) points.push([s.startSec + (i + 1) * s.stepSeconds, s.values[i] / s.stepSeconds]);
      return { client, server, points };
    }),
  );
}
