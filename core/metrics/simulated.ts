/**
 * An in-memory MetricsSource for the sandbox, the simulator and tests. Series are loaded up front
 * (a whole trace, say) and revealed by the injected Clock: a sample later than `clock.now()` does
 * not exist yet. Outages, NaN and gaps are injected explicitly, so callers' stale handling can be
 * exercised without a server. Honours the same contract as the Prometheus source (source.ts).
 */
import type { Clock } from '../model/clock.js';
import { classifyLatest, cleanSeries, counterIncreases, type RawPoint } from './samples.js';
import {
  assertValidNamespace,
  assertValidRange,
  assertValidWorkload,
  type EdgeHistoryReading,
  type EdgesReading,
  type LatestReading,
  type MetricsSource,
  type Sample,
  type SeriesReading,
  type Signal,
  type TimeRange,
  type WorkloadRef,
} from './source.js';

export interface SimulatedSourceOptions {
  clock: Clock;
  /** A latest value older than this is stale. Default 300 s. */
  staleAfterSeconds?: number;
}

interface EdgeKey {
  client: string;
  server: string;
}

export class SimulatedMetricsSource implements MetricsSource {
  readonly description = 'simulated';
  private readonly series = new Map<string, RawPoint[]>();
  private readonly edgeSeries = new Map<string, Array<EdgeKey & { points: RawPoint[] }>>();
  private outage: string | undefined;
  private readonly staleAfter: number;

  constructor(private readonly options: SimulatedSourceOptions) {
    this.staleAfter = options.staleAfterSeconds ?? 300;
  }

  /** Sets a signal's series (value may be NaN to model a broken exporter). Replaces what was there. */
  set(signal: Signal, workload: Pick<WorkloadRef, 'namespace' | 'deployment'>, points: ReadonlyArray<readonly [number, number]>): void {
    this.series.set(key(signal, workload), [...points].sort((a, b) => a[0] - b[0]) as RawPoint[]);
  }

  /**
   * Loads demand from per-bucket counts (the trace format): bucket `i` starts at
   * `startSec + i·step`; its rate is reported at the bucket's end. NaN counts are gaps.
   */
  loadCounts(workload: Pick<WorkloadRef, 'namespace' | 'deployment'>, startSec: number, stepSeconds: number, counts: ArrayLike<number>): void {
    const points: RawPoint[] = [];
    for (let i = 0; i < counts.length; i++) {
      if (!Number.isNaN(counts[i])) points.push([startSec + (i + 1) * stepSeconds, counts[i] / stepSeconds]);
    }
    this.set('demand', workload, points);
  }

  /**
   * Loads demand from a cumulative request counter as an exporter exposes it, resets included
   * (a restarted pod starts again from zero): the rate between samples, never negative.
   */
  loadCounter(workload: Pick<WorkloadRef, 'namespace' | 'deployment'>, counter: readonly Sample[]): void {
    const increases = counterIncreases(counter);
    this.set(
      'demand',
      workload,
      increases.map((inc, i) => [inc.t, inc.v / (inc.t - counter[i].t)] as const),
    );
  }

  setEdges(namespace: string, edges: ReadonlyArray<EdgeKey & { points: ReadonlyArray<readonly [number, number]> }>): void {
    this.edgeSeries.set(
      namespace,
      edges.map((e) => ({ client: e.client, server: e.server, points: [...e.points].sort((a, b) => a[0] - b[0]) as RawPoint[] })),
    );
  }

  /** Makes every call answer `unavailable` with `reason` (a Prometheus outage); undefined ends it. */
  setOutage(reason: string | undefined): void {
    this.outage = reason;
  }

  private nowSeconds(): number {
    return Math.floor(this.options.clock.now() / 1000);
  }

  /** Points that exist by now. */
  private visible(points: readonly RawPoint[]): RawPoint[] {
    const now = this.nowSeconds();
    return points.filter(([t]) => t <= now);
  }

  async history(signal: Signal, workload: WorkloadRef, range: TimeRange): Promise<SeriesReading> {
    assertValidWorkload(workload);
    assertValidRange(range);
    const points = Math.floor((range.end - range.start) / range.stepSeconds) + 1;
    if (this.outage) return { freshness: 'unavailable', range, samples: [], gaps: points, reason: this.outage };
    const stored = this.series.get(key(signal, workload));
    if (!stored) return { freshness: 'missing', range, samples: [], gaps: points, reason: 'the query returned no series' };
    const { samples, gaps } = cleanSeries(this.visible(stored), range);
    if (samples.length === 0) return { freshness: 'missing', range, samples, gaps, reason: 'no usable values in the range' };
    return { freshness: 'fresh', range, samples, gaps };
  }

  async latest(signal: Signal, workload: WorkloadRef): Promise<LatestReading> {
    assertValidWorkload(workload);
    const now = this.nowSeconds();
    if (this.outage) return { freshness: 'unavailable', at: now, reason: this.outage };
    const visible = this.visible(this.series.get(key(signal, workload)) ?? []);
    // The newest real observation: NaN and negative values are not observations.
    let newest: Sample | undefined;
    for (let i = visible.length - 1; i >= 0 && !newest; i--) {
      const [t, v] = visible[i];
      if (Number.isFinite(v) && v >= 0) newest = { t, v };
    }
    return classifyLatest(newest, now, this.staleAfter);
  }

  async edgeHistory(namespace: string, range: TimeRange): Promise<EdgeHistoryReading> {
    assertValidNamespace(namespace);
    assertValidRange(range);
    if (this.outage) return { freshness: 'unavailable', range, edges: [], reason: this.outage };
    const edges = (this.edgeSeries.get(namespace) ?? [])
      .map((e) => ({ client: e.client, server: e.server, samples: cleanSeries(this.visible(e.points), range).samples }))
      .filter((e) => e.samples.length > 0);
    return edges.length > 0 ? { freshness: 'fresh', range, edges } : { freshness: 'missing', range, edges, reason: 'no edges' };
  }

  async edges(namespace: string): Promise<EdgesReading> {
    assertValidNamespace(namespace);
    const now = this.nowSeconds();
    if (this.outage) return { freshness: 'unavailable', edges: [], at: now, reason: this.outage };
    const edges = [];
    for (const e of this.edgeSeries.get(namespace) ?? []) {
      const last = this.visible(e.points).at(-1);
      if (last && now - last[0] <= this.staleAfter && Number.isFinite(last[1]) && last[1] >= 0) {
        edges.push({ client: e.client, server: e.server, rps: last[1] });
      }
    }
    return edges.length > 0 ? { freshness: 'fresh', edges, at: now } : { freshness: 'missing', edges, at: now, reason: 'no recent edges' };
  }
}

function key(signal: Signal, workload: Pick<WorkloadRef, 'namespace' | 'deployment'>): string {
  return `${signal}/${workload.namespace}/${workload.deployment}`;
}
