/**
 * Opted-in Deployments the forecaster makes no forecast for are told why, with a Warning Event:
 * `NoForecast` when the metrics source has no demand for them (the simulated source on a real
 * cluster, a preset that does not fit), `InvalidAnnotation` when their `smartscale.io/rps-query`
 * cannot be rendered (never sent). Once per cause, at most PROBLEM_EVENTS_PER_PASS per pass.
 * The loop runs on fakes (a manual clock, the simulated source, a client that applies patches).
 */
import { describe, expect, it } from 'vitest';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { ForecasterLoop, NO_DATA_MAX_WAIT_SEC, PROBLEM_EVENTS_PER_PASS } from '../../../core/controllers/forecaster.js';
import { ControllerMetrics } from '../../../core/controllers/metrics.js';
import { parseFullConfig } from '../../../core/controllers/settings.js';
import type { KubeClient, KubeObject } from '../../../core/kube/client.js';
import { SimulatedMetricsSource } from '../../../core/metrics/simulated.js';
import type { MetricsSource, WorkloadRef } from '../../../core/metrics/source.js';
import { Annotations, FORECAST_ANNOTATION_MAX_BYTES, FORECAST_MAX_PUBLISHED_STEPS, formatForecastAnnotation, parseForecastAnnotation } from '../../../core/model/annotations.js';
import { ManualClock } from '../../../core/model/clock.js';
import { clientWith, deployment } from './support.js';

const STEP = 60;
const START_SEC = 1_790_000_040;
const BAD_QUERY = 'sum(rate(hits{namespace={namespace}}[{window}]))';

function harness(names: string[], description?: string, adjust: (config: ReturnType<typeof parseFullConfig>) => void = () => {}) {
  const clock = new ManualClock((START_SEC + 5) * 1000);
  const simulated = new SimulatedMetricsSource({ clock });
  /** Demand reads per Deployment (the simulated source would ignore a query: the test checks none is made). */
  const reads: WorkloadRef[] = [];
  const metrics: MetricsSource = {
    description: description ?? simulated.description,
    history: (signal, workload, range) => (signal === 'demand' && reads.push(workload), simulated.history(signal, workload, range)),
    latest: (signal, workload) => simulated.latest(signal, workload),
    edgeHistory: (ns, range) => simulated.edgeHistory(ns, range),
    edges: (ns) => simulated.edges(ns),
  };
  const objects = new Map(names.map((n) => [`shop/${n}`, deployment('shop', n, { replicas: 2, annotations: { [Annotations.enabled]: 'true' } })]));
  const client: KubeClient = clientWith('not used by the forecaster loop', {
    async patch<T extends KubeObject>(_res: unknown, name: string, namespace: string | undefined, patch: unknown): Promise<T> {
      const object = objects.get(`${namespace}/${name}`)!;
      object.metadata.annotations = { ...object.metadata.annotations, ...(patch as { metadata: { annotations: Record<string, string> } }).metadata.annotations };
      return object as T;
    },
  });
  const config = parseFullConfig({ 'controller.backfill': '2h' });
  adjust(config);
  const events = new RecordingControllerEvents();
  const loop = new ForecasterLoop({
    client,
    state: { config: () => config, optedInDeployments: () => [...objects.values()], namespace: 'smartscale-system', configMaps: { get: () => undefined } },
    metrics: () => metrics,
    clock,
    controllerMetrics: new ControllerMetrics(),
    events,
  });
  return {
    simulated,
    reads,
    events,
    get: (name: string) => objects.get(`shop/${name}`)!,
    annotate: (name: string, extra: Record<string, string>) => {
      const d = objects.get(`shop/${name}`)!;
      d.metadata.annotations = { ...d.metadata.annotations, ...extra };
    },
    /** Two hours of 50 rps up to now and on for a day, for `name`. */
    loadDemand: (name: string) => simulated.loadCounts({ namespace: 'shop', deployment: name }, START_SEC - 120 * STEP, STEP, Array.from({ length: 120 + 1440 }, () => 50 * STEP)),
    pass: async (seconds = STEP) => {
      clock.advance(seconds * 1000);
      await loop.reconcile();
    },
    forecast: (name: string) => parseForecastAnnotation(objects.get(`shop/${name}`)!.metadata.annotations?.[Annotations.forecast]).value,
    eventsFor: (name: string) => events.events.filter((e) => e.object.name === name),
  };
}

describe('forecaster loop: Deployments that get no forecast are told why', () => {
  it('no demand on the simulated source (a real cluster with no Prometheus URL): one NoForecast Event pointing at the configuration', async () => {
    const h = harness(['api']);
    for (let i = 0; i < 5; i++) await h.pass();
    expect(h.forecast('api')).toBeUndefined();
    expect(h.eventsFor('api')).toEqual([
      {
        object: expect.objectContaining({ kind: 'Deployment', name: 'api', namespace: 'shop' }),
        type: 'Warning',
        reason: 'NoForecast',
        message:
          'no forecast: the metrics source simulated has no demand for this Deployment (the query returned no series); on a real cluster set metrics.prometheus.url in smartscale-config (and no metrics.source: simulated)',
      },
    ]);

    // Data arrives: a forecast, nothing more said. It goes away again: the forecast is marked stale
    // (ForecastStale, as before), not a second NoForecast.
    h.loadDemand('api');
    await h.pass();
    expect(h.forecast('api')?.stale).toBeUndefined();
    expect(h.eventsFor('api').map((e) => e.reason)).toEqual(['NoForecast']);
  });

  it.each([
    ['a preset that matches nothing', {}, undefined, 'the query returned no series); check metrics.preset in smartscale-config, or set smartscale.io/rps-query'],
    ['its own query matches nothing', { [Annotations.rpsQuery]: 'sum(rate(hits{service="{deployment}"}[1m]))' }, undefined, 'the query returned no series); check smartscale.io/rps-query'],
    ['the server cannot answer', {}, 'connection refused', 'connection refused); it is retried every pass'],
  ])('on Prometheus, %s: the Event says what to check', async (_name, annotations, outage, tail) => {
    const h = harness(['api'], 'prometheus(istio) http://prometheus:9090/');
    h.annotate('api', annotations);
    if (outage) h.simulated.setOutage(outage);
    await h.pass();
    await h.pass();
    expect(h.eventsFor('api').map((e) => e.message)).toEqual([`no forecast: the metrics source prometheus(istio) http://prometheus:9090/ has no demand for this Deployment (${tail}`]);
  });

  it('a forecast published before (another leader) with no data behind it now is marked stale, and the cause is said once', async () => {
    const h = harness(['api']);
    const old = { v: 1 as const, generatedAt: START_SEC, stepSeconds: STEP, point: [50], upper: [60], quantile: 0.965, model: 'persistence' };
    h.annotate('api', { [Annotations.forecast]: formatForecastAnnotation(old) });
    await h.pass();
    await h.pass();
    expect(h.forecast('api')?.stale).toBe(true);
    expect(h.eventsFor('api').map((e) => e.reason).sort()).toEqual(['ForecastStale', 'NoForecast']);
  });

  it(`many Deployments without data: at most ${PROBLEM_EVENTS_PER_PASS} Events a pass, each Deployment told once`, async () => {
    const names = Array.from({ length: 25 }, (_, i) => `svc-${i}`);
    const h = harness(names);
    const perPass: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = h.events.events.length;
      await h.pass();
      perPass.push(h.events.events.length - before);
    }
    expect(perPass).toEqual([10, 10, 5, 0, 0]);
    expect(new Set(h.events.events.map((e) => e.object.name)).size).toBe(25);
  });

  it('a source with nothing for a Deployment is asked again after 1, 2, 4, 8 then 10 minutes, not every pass; data, or a new query, is picked up', async () => {
    const h = harness(['api']);
    const probesAt: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const before = h.reads.length;
      await h.pass();
      if (h.reads.length > before) probesAt.push(i);
    }
    // Passes a minute apart: the waits double from 60 s to NO_DATA_MAX_WAIT_SEC (600 s).
    expect(probesAt).toEqual([1, 2, 4, 8, 16, 26]);
    expect(NO_DATA_MAX_WAIT_SEC).toBe(600);
    // A query of its own is asked at once (a user fixing what the preset could not find) ...
    h.annotate('api', { [Annotations.rpsQuery]: 'sum(rate(hits{namespace="{namespace}"}[{window}]))' });
    await h.pass();
    expect(h.reads.at(-1)).toMatchObject({ rpsQuery: 'sum(rate(hits{namespace="{namespace}"}[{window}]))' });
    // ... and data that appears is found within the wait: a forecast then.
    h.loadDemand('api');
    for (let i = 0; i < 2 && !h.forecast('api'); i++) await h.pass();
    expect(h.forecast('api')).toBeDefined();
  });

  it('a source that cannot answer (an outage) is asked every pass: the first forecast comes the pass after it is back', async () => {
    const h = harness(['api']);
    h.loadDemand('api');
    h.simulated.setOutage('connection refused');
    for (let i = 0; i < 8; i++) await h.pass();
    expect(h.reads).toHaveLength(8);
    expect(h.forecast('api')).toBeUndefined();
    h.simulated.setOutage(undefined);
    await h.pass();
    expect(h.forecast('api')).toBeDefined();
  });

  it("the service graph's first read of a namespace takes each Deployment's demand as its forecast does: its own query, never a bad one", async () => {
    const h = harness(['api', 'db', 'web']);
    for (const n of ['api', 'db', 'web']) h.loadDemand(n);
    const edgePoints = Array.from({ length: 120 }, (_, i) => [START_SEC - 120 * STEP + (i + 1) * STEP, 1] as const);
    h.simulated.setEdges('shop', [{ client: 'api', server: 'db', points: edgePoints }]);
    h.annotate('api', { [Annotations.rpsQuery]: 'sum(rate(hits{namespace="{namespace}"}[{window}]))' });
    h.annotate('web', { [Annotations.rpsQuery]: BAD_QUERY });
    await h.pass();
    const byDeployment = (name: string) => h.reads.filter((r) => r.deployment === name);
    // The forecast's read and the graph's: both with api's own query; web's bad query read by neither.
    expect(byDeployment('api').length).toBe(2);
    for (const r of byDeployment('api')) expect(r.rpsQuery).toBe('sum(rate(hits{namespace="{namespace}"}[{window}]))');
    expect(byDeployment('db').length).toBe(2);
    expect(byDeployment('web')).toEqual([]);
  });

  it('an unusable rps-query is never sent and the preset not read instead: InvalidAnnotation once, no forecast; fixed, it forecasts', async () => {
    const h = harness(['api']);
    h.loadDemand('api'); // what the preset would find: not the series the user asked for
    h.annotate('api', { [Annotations.rpsQuery]: BAD_QUERY });
    for (let i = 0; i < 3; i++) await h.pass();
    expect(h.reads).toEqual([]);
    expect(h.forecast('api')).toBeUndefined();
    expect(h.eventsFor('api')).toEqual([
      {
        object: expect.objectContaining({ name: 'api' }),
        type: 'Warning',
        reason: 'InvalidAnnotation',
        message:
          'smartscale.io/rps-query is unusable (placeholder {namespace} must be inside a quoted label value, e.g. namespace="{namespace}"): no forecast is made until it is fixed',
      },
    ]);

    h.annotate('api', { [Annotations.rpsQuery]: 'sum(rate(hits{namespace="{namespace}"}[{window}]))' });
    await h.pass();
    expect(h.reads.at(-1)).toMatchObject({ deployment: 'api', rpsQuery: 'sum(rate(hits{namespace="{namespace}"}[{window}]))' });
    expect(h.forecast('api')?.stale).toBeUndefined();

    // Broken again after a forecast: that forecast is marked stale and the cause said again.
    h.annotate('api', { [Annotations.rpsQuery]: BAD_QUERY });
    await h.pass();
    expect(h.forecast('api')?.stale).toBe(true);
    expect(h.eventsFor('api').map((e) => e.reason)).toEqual(['InvalidAnnotation', 'InvalidAnnotation', 'ForecastStale']);
  });
});

describe('forecaster loop: a forecast too long for its annotation', () => {
  it('is cut to the steps that fit (the webhook reads it) and the Deployment told once; the settings never ask for one', async () => {
    // The settings cap the horizon (FORECAST_MAX_PUBLISHED_STEPS); 1,440 steps here stand for any
    // forecast that would not fit, to check the backstop.
    expect(parseFullConfig({ 'controller.horizon': '1d' }).controller.horizonSteps).toBe(FORECAST_MAX_PUBLISHED_STEPS);
    const h = harness(['api'], undefined, (config) => (config.controller.horizonSteps = 1440));
    // Counts of a few hundred with decimals: about 12 bytes a step, 17 KB for 1,440 steps.
    h.simulated.loadCounts({ namespace: 'shop', deployment: 'api' }, START_SEC - 120 * STEP, STEP, Array.from({ length: 120 + 1440 }, (_, i) => 300 + 80 * Math.sin(i / 5) + (i % 7) * 3.3));
    for (let i = 0; i < 3; i++) await h.pass();
    const raw = h.get('api').metadata.annotations![Annotations.forecast];
    expect(raw.length).toBeLessThanOrEqual(FORECAST_ANNOTATION_MAX_BYTES);
    const published = parseForecastAnnotation(raw);
    expect(published.warnings).toEqual([]);
    expect(published.value!.point.length).toBeGreaterThan(1000);
    expect(published.value!.point.length).toBeLessThan(1440);
    const told = h.eventsFor('api').filter((e) => e.reason === 'ForecastTruncated');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ type: 'Warning', message: expect.stringMatching(/1440-step forecast does not fit .* first \d+ steps; lower controller.horizon/) });
  });
});
