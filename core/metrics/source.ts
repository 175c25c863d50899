/**
 * Where smartscale reads what users already collect: demand (requests/second) per Deployment,
 * latency p95, and the call rates between services (service-graph edges).
 *
 * Two implementations: `prometheus/source.ts` (the HTTP API of Prometheus, Thanos, Mimir,
 * VictoriaMetrics, Amazon Managed Prometheus) and `simulated.ts` (in-memory, driven by a Clock).
 *
 * ## The staleness contract
 * Data problems are answers, not exceptions. No method rejects because data is missing, NaN,
 * gappy, or because the server is down, slow or answers garbage: each reading carries a
 * `freshness` and, when it is not `fresh`, a human-readable `reason`. Callers must:
 * - use a value only when `freshness === 'fresh'` (history: the points it returns are all real,
 *   finite observations; missing grid steps are reported as `gaps`, never invented);
 * - otherwise keep their model state untouched (do not feed zeros or the last value), publish the
 *   previous forecast with `stale: true` in the ForecastAnnotation, and act on nothing stale.
 * Methods reject only on programming errors (an invalid WorkloadRef or TimeRange), with a TypeError.
 *
 * Units: time in unix seconds; demand in requests/second; latency in milliseconds; edge rates in
 * calls/second. A point at time `t` describes the `stepSeconds` (rate window) that end at `t`.
 */

/** A Deployment whose metrics are wanted. */
export interface WorkloadRef {
  namespace: string;
  deployment: string;
  /** The Deployment's `smartscale.io/rps-query` override (DeploymentSettings.rpsQuery), if any. */
  rpsQuery?: string;
}

/** A query range: points at `start`, `start + stepSeconds`, … up to and including `end`. */
export interface TimeRange {
  start: number;
  end: number;
  stepSeconds: number;
}

/** One observation. `t` in unix seconds; `v` always finite. */
export interface Sample {
  t: number;
  v: number;
}

/**
 * - `fresh`: real data, recent enough to act on.
 * - `stale`: the source answered, but the newest value is older than the staleness limit.
 * - `missing`: the source answered, but there is no data for this query (no series, all NaN).
 * - `unavailable`: the source could not answer (down, timed out, refused the query, malformed reply).
 */
export type Freshness = 'fresh' | 'stale' | 'missing' | 'unavailable';

/** The value for "now" (one tick). */
export interface LatestReading {
  freshness: Freshness;
  /** Set only when fresh. */
  value?: number;
  /** The newest real observation seen, when there is one (also for stale readings, for display). */
  lastSeen?: Sample;
  /** When the reading was taken (unix seconds, from the injected Clock). */
  at: number;
  reason?: string;
}

/** History, e.g. to backfill a newly opted-in Deployment's model. */
export interface SeriesReading {
  /**
   * `fresh` when any point was returned (gaps may remain: see `gaps`); `missing` when none;
   * `unavailable` when the source failed (then `samples` is empty: a partial history from a
   * failing server is not trusted).
   */
  freshness: Freshness;
  range: TimeRange;
  /** Real, finite observations in time order, on the range's grid. */
  samples: Sample[];
  /** Grid steps in the range with no usable value (absent, NaN, infinite or negative). */
  gaps: number;
  reason?: string;
}

/** Call rate from one service to another. Names are workload (Deployment) names. */
export interface EdgeRate {
  client: string;
  server: string;
  rps: number;
}

export interface EdgeSeries {
  client: string;
  server: string;
  samples: Sample[];
}

export interface EdgesReading {
  freshness: Freshness;
  edges: EdgeRate[];
  at: number;
  reason?: string;
}

export interface EdgeHistoryReading {
  freshness: Freshness;
  range: TimeRange;
  edges: EdgeSeries[];
  reason?: string;
}

export type Signal = 'demand' | 'latencyP95';

export interface MetricsSource {
  /** For logs and status: e.g. `prometheus(istio) http://prometheus:9090`. */
  readonly description: string;
  /** Demand (requests/second) or latency p95 (ms) over a range. */
  history(signal: Signal, workload: WorkloadRef, range: TimeRange): Promise<SeriesReading>;
  /** Demand or latency p95 now (the Clock's now). Stale when the newest value is older than the limit. */
  latest(signal: Signal, workload: WorkloadRef): Promise<LatestReading>;
  /** Call rates between services whose server is in `namespace`, over a range. */
  edgeHistory(namespace: string, range: TimeRange): Promise<EdgeHistoryReading>;
  /** Call rates between services whose server is in `namespace`, now. */
  edges(namespace: string): Promise<EdgesReading>;
}

/** The most grid points a TimeRange may hold (14 days at 10 s); guards against runaway requests. */
export const MAX_RANGE_POINTS = 120_960;

/** Throws a TypeError when a range is unusable: it is a caller bug, not a data problem. */
export function assertValidRange(range: TimeRange): void {
  const { start, end, stepSeconds } = range;
  if (![start, end, stepSeconds].every(Number.isFinite)) throw new TypeError('time range: start, end and step must be finite numbers');
  if (stepSeconds < 1) throw new TypeError(`time range: step must be at least 1 s, got ${stepSeconds}`);
  if (end < start) throw new TypeError(`time range: end ${end} is before start ${start}`);
  const points = Math.floor((end - start) / stepSeconds) + 1;
  if (points > MAX_RANGE_POINTS) throw new TypeError(`time range: ${points} points is more than ${MAX_RANGE_POINTS}; use a larger step`);
}

/** Kubernetes object names: DNS-1123 subdomains (Deployments) and labels (namespaces). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function assertValidWorkload(workload: WorkloadRef): void {
  if (typeof workload !== 'object' || workload === null) throw new TypeError('workload: expected { namespace, deployment }');
  assertValidNamespace(workload.namespace);
  if (typeof workload.deployment !== 'string' || workload.deployment.length > 253 || !DNS_SUBDOMAIN.test(workload.deployment)) {
    throw new TypeError(`workload: deployment ${JSON.stringify(workload.deployment)} is not a valid Kubernetes object name`);
  }
}

export function assertValidNamespace(namespace: string): void {
  if (typeof namespace !== 'string' || namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw new TypeError(`namespace ${JSON.stringify(namespace)} is not a valid Kubernetes namespace name`);
  }
}
