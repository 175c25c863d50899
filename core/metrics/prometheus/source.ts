/**
 * MetricsSource over a Prometheus-compatible HTTP API, using a query preset (presets.ts) and the
 * Deployment's `smartscale.io/rps-query` override. Turns every failure into a reading with
 * `freshness` and a reason, as the MetricsSource contract requires (source.ts).
 */
import type { Clock } from '../../model/clock.js';
import { Annotations } from '../../model/annotations.js';
import { formatDurationMs } from '../../model/duration.js';
import { PRESETS, type PresetName, type QueryPreset } from '../presets.js';
import { classifyLatest, cleanSeries, gridPoints, isObservation, type RawPoint } from '../samples.js';
import {
  assertValidNamespace,
  assertValidRange,
  assertValidWorkload,
  type EdgeHistoryReading,
  type EdgesReading,
  type LatestReading,
  type MetricsSource,
  type SeriesReading,
  type Signal,
  type TimeRange,
  type WorkloadRef,
} from '../source.js';
import { renderTemplate, TemplateError } from '../template.js';
import type { PrometheusClient } from './client.js';
import { isPrometheusError } from './errors.js';

export interface PrometheusSourceOptions {
  client: PrometheusClient;
  preset: PresetName;
  clock: Clock;
  /** The presets' rate window. Default 120 s. */
  rateWindowSeconds?: number;
  /** A latest value older than this is stale. Default 300 s. */
  staleAfterSeconds?: number;
}

export class PrometheusMetricsSource implements MetricsSource {
  readonly description: string;
  private readonly preset: QueryPreset;
  private readonly window: string;
  private readonly windowSeconds: number;
  private readonly staleAfter: number;

  constructor(private readonly options: PrometheusSourceOptions) {
    this.preset = PRESETS[options.preset];
    if (!this.preset) throw new TypeError(`unknown metrics preset ${JSON.stringify(options.preset)}`);
    this.windowSeconds = Math.max(1, Math.round(options.rateWindowSeconds ?? 120));
    this.window = formatDurationMs(this.windowSeconds * 1000);
    this.staleAfter = options.staleAfterSeconds ?? 300;
    this.description = `prometheus(${options.preset}) ${options.client.baseUrl.href}`;
  }

  /**
   * The PromQL this source sends for a signal (exposed for `status` output and tests), and what
   * to divide its answer by: presets' demand is per rate window (presets.ts), overrides per second.
   */
  queryFor(signal: Signal, workload: WorkloadRef): { expr: string; divisor: number } {
    const divisor = signal === 'demand' && workload.rpsQuery === undefined ? this.windowSeconds : 1;
    return { expr: this.render(signal, workload), divisor };
  }

  private render(signal: Signal, workload: WorkloadRef): string {
    const template = signal === 'demand' ? (workload.rpsQuery ?? this.preset.demand) : this.preset.latencyP95Ms;
    try {
      return renderTemplate(template, { namespace: workload.namespace, deployment: workload.deployment, window: this.window });
    } catch (error) {
      if (error instanceof TemplateError && signal === 'demand' && workload.rpsQuery !== undefined) {
        throw new TemplateError(`${Annotations.rpsQuery}: ${error.message}`);
      }
      throw error;
    }
  }

  async history(signal: Signal, workload: WorkloadRef, range: TimeRange): Promise<SeriesReading> {
    assertValidWorkload(workload);
    assertValidRange(range);
    const points = Math.floor((range.end - range.start) / range.stepSeconds) + 1;
    const fail = (reason: string): SeriesReading => ({ freshness: 'unavailable', range, samples: [], gaps: points, reason });
    let series;
    let divisor = 1;
    try {
      const query = this.queryFor(signal, workload);
      divisor = query.divisor;
      series = await this.options.client.queryRange(query.expr, range, this.singleSeriesLimit(points));
    } catch (error) {
      return fail(describe(error));
    }
    if (series.length === 0) return { freshness: 'missing', range, samples: [], gaps: points, reason: 'the query returned no series' };
    if (series.length > 1) return fail(tooManySeries(series.length));
    const { samples, gaps } = cleanSeries(perSecond(series[0].points, divisor), range);
    if (samples.length === 0) return { freshness: 'missing', range, samples, gaps, reason: 'no usable values (all NaN or negative)' };
    return { freshness: 'fresh', range, samples, gaps };
  }

  async latest(signal: Signal, workload: WorkloadRef): Promise<LatestReading> {
    assertValidWorkload(workload);
    const now = Math.floor(this.options.clock.now() / 1000);
    try {
      const { expr, divisor } = this.queryFor(signal, workload);
      const instant = await this.options.client.query(expr, now, this.singleSeriesLimit(1));
      if (instant.length > 1) return { freshness: 'unavailable', at: now, reason: tooManySeries(instant.length) };
      const raw = instant[0]?.point[1];
      const value = raw === undefined ? undefined : raw / divisor;
      if (value !== undefined && isObservation(value)) {
        const sample = { t: now, v: value };
        return { freshness: 'fresh', value, lastSeen: sample, at: now };
      }
      // Nothing usable now: look back to tell "stale" (it stopped) from "missing" (never there).
      const lookback = Math.max(3600, 4 * this.staleAfter);
      const step = Math.max(1, Math.round(lookback / 120));
      const range = { start: now - Math.floor(lookback / step) * step, end: now, stepSeconds: step };
      const history = await this.options.client.queryRange(expr, range, this.singleSeriesLimit(gridPoints(range)));
      if (history.length > 1) return { freshness: 'unavailable', at: now, reason: tooManySeries(history.length) };
      const { samples } = cleanSeries(perSecond(history[0]?.points ?? [], divisor), range);
      const reading = classifyLatest(samples.at(-1), now, this.staleAfter);
      // The instant query is the authority for "now": a fresh-looking lookback point still means
      // the value is not there at this instant, so it is stale, not fresh.
      if (reading.freshness === 'fresh') {
        return { freshness: 'stale', lastSeen: reading.lastSeen, at: now, reason: `no value now; newest is ${now - reading.lastSeen!.t} s old` };
      }
      if (reading.freshness === 'missing') reading.reason = `the query returned no value now nor in the last ${lookback} s`;
      return reading;
    } catch (error) {
      return { freshness: 'unavailable', at: now, reason: describe(error) };
    }
  }

  /**
   * A reply cap for a query that must return one series: room for a handful (so "returned 3
   * series" can still be said) but not for a cardinality explosion, which would otherwise be
   * read whole — up to the client's 64 MiB, times the controller's 16 reads in parallel — only
   * to be refused. Demand and latency are one series; edges keep the client's cap.
   */
  private singleSeriesLimit(points: number): { maxBodyBytes: number } {
    const perRequest = Math.min(points, this.options.client.maxPointsPerSeries);
    return { maxBodyBytes: SINGLE_SERIES_BASE_BYTES + perRequest * SINGLE_SERIES_BYTES_PER_POINT };
  }

  async edgeHistory(namespace: string, range: TimeRange): Promise<EdgeHistoryReading> {
    assertValidNamespace(namespace);
    assertValidRange(range);
    const edgeQuery = this.preset.edges;
    if (!edgeQuery) return { freshness: 'missing', range, edges: [], reason: `preset ${this.preset.name} has no service-graph metric` };
    try {
      const expr = renderTemplate(edgeQuery.query, { namespace, window: this.window });
      const series = await this.options.client.queryRange(expr, range);
      const edges = series
        .map((s) => ({
          client: s.labels[edgeQuery.clientLabel] ?? '',
          server: s.labels[edgeQuery.serverLabel] ?? '',
          samples: cleanSeries(perSecond(s.points, this.windowSeconds), range).samples,
        }))
        .filter((e) => e.client !== '' && e.server !== '' && e.samples.length > 0)
        .sort(byEdge);
      return edges.length > 0 ? { freshness: 'fresh', range, edges } : { freshness: 'missing', range, edges, reason: noEdges(series, edgeQuery, 'no edges') };
    } catch (error) {
      return { freshness: 'unavailable', range, edges: [], reason: describe(error) };
    }
  }

  async edges(namespace: string): Promise<EdgesReading> {
    assertValidNamespace(namespace);
    const now = Math.floor(this.options.clock.now() / 1000);
    const edgeQuery = this.preset.edges;
    if (!edgeQuery) return { freshness: 'missing', edges: [], at: now, reason: `preset ${this.preset.name} has no service-graph metric` };
    try {
      const expr = renderTemplate(edgeQuery.query, { namespace, window: this.window });
      const samples = await this.options.client.query(expr, now);
      const edges = samples
        .map((s) => ({ client: s.labels[edgeQuery.clientLabel] ?? '', server: s.labels[edgeQuery.serverLabel] ?? '', rps: s.point[1] / this.windowSeconds }))
        .filter((e) => e.client !== '' && e.server !== '' && isObservation(e.rps))
        .sort(byEdge);
      return edges.length > 0 ? { freshness: 'fresh', edges, at: now } : { freshness: 'missing', edges, at: now, reason: noEdges(samples, edgeQuery, 'no edges now') };
    } catch (error) {
      return { freshness: 'unavailable', edges: [], at: now, reason: describe(error) };
    }
  }
}

/** Headroom for labels and a few series in a single-series reply. */
export const SINGLE_SERIES_BASE_BYTES = 1024 * 1024;
/** A point prints as about 35 bytes (`[1700000000,"12.345"],`); room for about five series. */
export const SINGLE_SERIES_BYTES_PER_POINT = 200;

function perSecond(points: readonly RawPoint[], divisor: number): RawPoint[] {
  return divisor === 1 ? [...points] : points.map(([t, v]) => [t, v / divisor] as const);
}

function byEdge(a: { client: string; server: string }, b: { client: string; server: string }): number {
  return a.client === b.client ? a.server.localeCompare(b.server) : a.client.localeCompare(b.client);
}

/** Why nothing came of an edge query: no series, or series without the labels the preset names. */
function noEdges(series: ReadonlyArray<{ labels: Record<string, string> }>, query: { clientLabel: string; serverLabel: string }, none: string): string {
  const unlabelled = series.filter((s) => !s.labels[query.clientLabel] || !s.labels[query.serverLabel]).length;
  if (unlabelled === 0) return none;
  return `${none}: ${unlabelled} of ${series.length} series lack the ${query.clientLabel}/${query.serverLabel} labels the preset reads (is metrics.preset right for this cluster?)`;
}

function tooManySeries(n: number): string {
  return `the query returned ${n} series; it must return one (wrap it in sum(...))`;
}

function describe(error: unknown): string {
  if (isPrometheusError(error, 'malformed') && /larger than \d+ bytes/.test(error.message)) {
    return `prometheus ${error.kind}: ${error.message}: the query returns far more than the one series expected (a cardinality explosion?); wrap it in sum(...)`;
  }
  if (isPrometheusError(error)) return `prometheus ${error.kind}: ${error.message}`;
  if (error instanceof TemplateError) return `bad query template: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
