/**
 * Against a real Prometheus (Debian's package): backfilled with fixture.ts, started on loopback,
 * queried through every preset. Skips, saying why, only when the binaries are absent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeriesForecaster } from '../../../core/forecast/forecaster.js';
import { backtestSeries } from '../../../core/forecast/backtest.js';
import { ManualClock } from '../../../core/model/clock.js';
import { PrometheusClient } from '../../../core/metrics/prometheus/client.js';
import { isPrometheusError } from '../../../core/metrics/prometheus/errors.js';
import { PrometheusMetricsSource } from '../../../core/metrics/prometheus/source.js';
import { PRESET_NAMES, PRESETS, type PresetName } from '../../../core/metrics/presets.js';
import type { Sample, TimeRange } from '../../../core/metrics/source.js';
import { buildFixture, P95_MS, STEP, type Fixture } from './fixture.js';
import { missingPrometheus, PrometheusProcess } from './prometheus-server.js';
import { repoRoot } from '../../support/shared.js';

const missing = missingPrometheus();
if (missing) console.warn(`skipping the Prometheus integration tests: ${missing}`);

const web = { namespace: 'shop', deployment: 'web' };

describe.skipIf(missing !== undefined)('MetricsSource against a real Prometheus', () => {
  let server: PrometheusProcess;
  let fixture: Fixture;
  let clock: ManualClock;
  let client: PrometheusClient;
  let all: TimeRange;

  const source = (preset: PresetName, c = client) =>
    new PrometheusMetricsSource({ client: c, preset, clock, rateWindowSeconds: STEP, staleAfterSeconds: 300 });
  /** The trace as the source reports it: requests/second at the end of each bucket. */
  const expectedDemand = (): Sample[] => fixture.counts.map((count, i) => ({ t: fixture.start + (i + 1) * STEP, v: count / STEP }));

  beforeAll(async () => {
    fixture = buildFixture();
    server = new PrometheusProcess();
    server.backfill(fixture.openMetrics);
    await server.start();
    clock = new ManualClock((fixture.end - 3600) * 1000);
    client = new PrometheusClient({ url: server.url, clock, timeoutMs: 20_000, retries: 1, baseBackoffMs: 50 });
    all = { start: fixture.start + STEP, end: fixture.end, stepSeconds: STEP };
  }, 120_000);

  afterAll(async () => {
    await server?.dispose();
  }, 20_000);

  describe.each(PRESET_NAMES)('preset %s', (preset) => {
    it('reads demand history equal to the trace (requests/second), over the whole range', async () => {
      const reading = await source(preset).history('demand', web, all);
      expect(reading.freshness).toBe('fresh');
      expect(reading.gaps).toBe(0);
      expect(reading.samples).toEqual(expectedDemand());
    }, 60_000);

    it('reads latency p95 from the histogram, with gaps where there was no traffic', async () => {
      const reading = await source(preset).history('latencyP95', web, all);
      expect(reading.freshness).toBe('fresh');
      const quiet = fixture.counts.filter((c) => c === 0).length;
      expect(reading.gaps).toBe(quiet);
      expect(reading.samples).toHaveLength(fixture.counts.length - quiet);
      for (const s of reading.samples) expect(s.v).toBeCloseTo(P95_MS, 6);
    }, 60_000);

    it('reads the latest demand at the tick as fresh', async () => {
      const reading = await source(preset).latest('demand', web);
      const i = (clock.now() / 1000 - fixture.start) / STEP - 1;
      expect(reading).toMatchObject({ freshness: 'fresh', value: fixture.counts[i] / STEP });
    });

    it('reads the service graph edges (istio and otel) or says the preset has none', async () => {
      const reading = await source(preset).edges('shop');
      if (!PRESETS[preset].edges) {
        expect(reading.freshness).toBe('missing');
        expect(reading.reason).toMatch(/no service-graph metric/);
        return;
      }
      const i = (clock.now() / 1000 - fixture.start) / STEP - 1;
      const v = fixture.counts[i] / STEP;
      const entry = preset === 'istio' ? 'istio-ingressgateway' : 'user';
      expect(reading.freshness).toBe('fresh');
      expect(reading.edges).toEqual([
        { client: 'cart', server: 'payments', rps: v },
        { client: entry, server: 'web', rps: v },
        { client: 'web', server: 'cart', rps: 2 * v },
      ]);
      const history = await source(preset).edgeHistory('shop', { start: fixture.start + STEP, end: fixture.start + 61 * STEP, stepSeconds: STEP });
      expect(history.edges.map((e) => `${e.client}>${e.server}:${e.samples.length}`)).toEqual([
        'cart>payments:61',
        `${entry}>web:61`,
        'web>cart:61',
      ]);
      expect(history.edges[2].samples.map((s) => s.v)).toEqual(expectedDemand().slice(0, 61).map((s) => 2 * s.v));
    });
  });

  it('splits a range beyond 11,000 points: 4 days at 15 s is 23,037 points, answered whole', async () => {
    const fine = { start: fixture.start + STEP, end: fixture.end, stepSeconds: 15 };
    const reading = await source('istio').history('demand', web, fine);
    expect(reading.freshness).toBe('fresh');
    expect(reading.samples.length + reading.gaps).toBe(23_037);
    // Every on-the-minute point matches the trace (between minutes rate() sees one sample: a gap).
    const onMinute = reading.samples.filter((s) => (s.t - fixture.start) % STEP === 0);
    expect(onMinute).toEqual(expectedDemand());
    // Proof the limit is real: the same query unsplit is refused by Prometheus.
    const unsplit = new PrometheusClient({ url: server.url, clock, maxPointsPerSeries: 1_000_000, retries: 0 });
    const error = await unsplit.queryRange('up', fine).catch((e: unknown) => e);
    expect(isPrometheusError(error, 'query')).toBe(true);
    expect(String((error as Error).message)).toMatch(/11,?000/);
  }, 60_000);

  it('handles the counter reset in http_requests_total: no negative or doubled rate', async () => {
    const i = fixture.resetAfter;
    const range = { start: fixture.start + (i - 2) * STEP, end: fixture.start + (i + 3) * STEP, stepSeconds: STEP };
    const reading = await source('http-requests-total').history('demand', web, range);
    expect(reading.samples).toEqual(expectedDemand().slice(i - 3, i + 3));
  });

  it('uses the smartscale.io/rps-query override, and explains a query that returns several series', async () => {
    const override = { ...web, rpsQuery: 'sum(rate(istio_requests_total{reporter="source", destination_workload="{deployment}"}[{window}]))' };
    const reading = await source('http-requests-total').history('demand', override, all);
    // A user's rate() query: Prometheus computes rate as increase × (1/60), so equal to the last bit or so.
    expect(reading.samples.map((s) => s.t)).toEqual(expectedDemand().map((s) => s.t));
    reading.samples.forEach((s, i) => expect(s.v).toBeCloseTo(3 * (fixture.counts[i] / STEP), 12));
    const unsummed = { ...web, rpsQuery: 'rate(http_requests_total{namespace="{namespace}"}[{window}])' };
    const bad = await source('istio').history('demand', unsummed, all);
    expect(bad).toMatchObject({ freshness: 'unavailable', samples: [] });
    expect(bad.reason).toMatch(/returned 3 series.*sum/);
    const broken = await source('istio').latest('demand', { ...web, rpsQuery: 'sum(x{a={deployment}})' });
    expect(broken.freshness).toBe('unavailable');
    expect(broken.reason).toMatch(/smartscale.io\/rps-query: placeholder \{deployment\} must be inside a quoted label value/);
    const syntax = await source('istio').latest('demand', { ...web, rpsQuery: 'sum(rate(x{a="{deployment}"}[{window}])' });
    expect(syntax.freshness).toBe('unavailable');
    expect(syntax.reason).toMatch(/prometheus query/);
  });

  it('reports a query returning no series as missing, not as zero', async () => {
    const ghost = { namespace: 'shop', deployment: 'ghost' };
    for (const preset of PRESET_NAMES) {
      expect((await source(preset).history('demand', ghost, all)).freshness).toBe('missing');
      expect((await source(preset).latest('demand', ghost)).freshness).toBe('missing');
    }
  }, 60_000);

  it('reports gaps and NaN (no traffic for a quantile) as gaps, never values', async () => {
    const gappy = { namespace: 'shop', deployment: 'gappy' };
    const { holeFrom, holeTo, quietFrom, quietTo } = fixture.gappy;
    const range = { start: fixture.start + STEP, end: fixture.start + 300 * STEP, stepSeconds: STEP };
    const demand = await source('http-requests-total').history('demand', gappy, range);
    const times = new Set(demand.samples.map((s) => s.t));
    // Counter samples missing at minutes holeFrom+1..holeTo: rate() has < 2 samples in those windows.
    for (let i = holeFrom; i <= holeTo; i++) expect(times.has(fixture.start + (i + 1) * STEP)).toBe(false);
    expect(demand.gaps).toBe(holeTo - holeFrom + 1);
    const latency = await source('http-requests-total').history('latencyP95', gappy, range);
    const quietZeros = fixture.counts.slice(0, 300).filter((c, i) => c === 0 && !(i >= quietFrom && i < quietTo)).length;
    expect(latency.gaps).toBe(holeTo - holeFrom + 1 + (quietTo - quietFrom) + quietZeros);
    expect(latency.samples.every((s) => Number.isFinite(s.v))).toBe(true);
  });

  it('says stale after the data stops, and missing long after', async () => {
    const saved = clock.now();
    try {
      clock.set((fixture.end + 600) * 1000);
      const stale = await source('istio').latest('demand', web);
      expect(stale.freshness).toBe('stale');
      expect(stale.value).toBeUndefined();
      expect(stale.lastSeen!.t).toBeGreaterThan(fixture.end - 300);
      clock.set((fixture.end + 86_400) * 1000);
      expect((await source('istio').latest('demand', web)).freshness).toBe('missing');
    } finally {
      clock.set(saved);
    }
  });

  it('the forecast computed from Prometheus equals the one computed from the same series read directly', async () => {
    const fromPrometheus = (await source('istio').history('demand', web, all)).samples;
    const direct = fixture.counts; // parseTrace of the CSV: requests per bucket, by bucket start.
    const forecasters = [new SeriesForecaster({ stepSeconds: STEP }), new SeriesForecaster({ stepSeconds: STEP })];
    // Prometheus labels a rate by the end of its window; the trace by the bucket's start.
    for (const s of fromPrometheus) forecasters[0].update(s.t - STEP, s.v);
    direct.forEach((count, i) => forecasters[1].update(fixture.start + i * STEP, count / STEP));
    const [a, b] = forecasters.map((f) => f.forecast());
    expect(a.point.length).toBe(15);
    expect(a).toEqual(b);
    expect(forecasters[0].toJSON()).toEqual(forecasters[1].toJSON());
    // And a whole backtest agrees too.
    const asSeries = (values: number[]) => ({ startSec: fixture.start, stepSeconds: STEP, values: Float64Array.from(values) });
    const options = { name: 'nasa', horizonSteps: 15, warmupSteps: 1440 };
    expect(backtestSeries(asSeries(fromPrometheus.map((s) => s.v)), options)).toEqual(
      backtestSeries(asSeries(direct.map((c) => c / STEP)), options),
    );
  }, 120_000);

  it('kubectl smartscale backtest --prometheus gives the same report as --trace on the same series', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smartscale-bt-'));
    try {
      const csv = join(dir, 'nasa-4d.csv');
      writeFileSync(csv, `timestamp,value\n${fixture.counts.map((c, i) => `${fixture.start + i * STEP},${c}`).join('\n')}\n`);
      const cli = (...args: string[]) => {
        const run = spawnSync(process.execPath, ['--import', 'tsx', 'plugin/main.ts', 'backtest', '-o', 'json', '--warmup', '1d', ...args], {
          cwd: repoRoot,
          encoding: 'utf8',
          timeout: 120_000,
        });
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        return JSON.parse(run.stdout);
      };
      const query = 'sum(rate(istio_requests_total{reporter="destination", destination_workload="web"}[1m]))';
      const fromPrometheus = cli('--prometheus', server.url, '--query', query, '--start', String(fixture.start + STEP), '--end', String(fixture.end), '--step', '1m');
      const fromTrace = cli('--trace', csv);
      expect(fromPrometheus.trace).toBe(`prometheus ${query}`);
      for (const key of ['stepSeconds', 'horizonSteps', 'points', 'warmupSteps', 'scored', 'quantile', 'selectedModels'] as const) {
        expect(fromPrometheus[key]).toEqual(fromTrace[key]);
      }
      // rate() is increase × (1/60) in Prometheus; × 60 back to counts is exact to about 1e-15.
      for (const [name, score] of Object.entries<Record<string, number>>(fromTrace.models)) {
        for (const metric of ['relMae', 'smape', 'coverage']) expect(fromPrometheus.models[name][metric]).toBeCloseTo(score[metric], 9);
      }
      const bad = spawnSync(process.execPath, ['--import', 'tsx', 'plugin/main.ts', 'backtest', '--prometheus', server.url, '--query', 'sum(nothing_here)', '--range', '1d'], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/returned no series/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  describe('faults', () => {
    it('Prometheus stopped mid-run: readings turn unavailable, then fresh again after a restart', async () => {
      const impatient = new PrometheusClient({ url: server.url, clock: new ManualClock(0), timeoutMs: 2000, retries: 0 });
      const s = source('istio', impatient);
      expect((await s.latest('demand', web)).freshness).toBe('fresh');
      await server.stop();
      const down = await s.latest('demand', web);
      expect(down.freshness).toBe('unavailable');
      expect(down.reason).toMatch(/prometheus unreachable/);
      expect(down.value).toBeUndefined();
      const history = await s.history('demand', web, all);
      expect(history).toMatchObject({ freshness: 'unavailable', samples: [] });
      const edges = await s.edges('shop');
      expect(edges).toMatchObject({ freshness: 'unavailable', edges: [] });
      await server.start();
      expect((await s.latest('demand', web)).freshness).toBe('fresh');
    }, 60_000);
  });
});
