/**
 * The forecaster loop's sizing inputs (ADR 075): the served-record margin and the surge floor it
 * publishes in `smartscale.io/forecast`, and the band quantile it forecasts at. The loop runs on
 * fakes (a manual clock, the simulated metrics source, a client that records patches), pass by pass.
 */
import { describe, expect, it } from 'vitest';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { ForecasterLoop } from '../../../core/controllers/forecaster.js';
import { ControllerMetrics } from '../../../core/controllers/metrics.js';
import { DEFAULT_SETTINGS, parseControllerSettings, parseFullConfig } from '../../../core/controllers/settings.js';
import type { KubeClient, KubeObject } from '../../../core/kube/client.js';
import { SimulatedMetricsSource } from '../../../core/metrics/simulated.js';
import { Annotations, parseForecastAnnotation, type ForecastAnnotation } from '../../../core/model/annotations.js';
import { ManualClock } from '../../../core/model/clock.js';
import { DEFAULT_KNOBS } from '../../../core/sim/knobs.js';
import { DEFAULT_SHORTFALL_FEEDBACK, nextMargin, shortfallTargetForQuantile } from '../../../core/sizing/feedback.js';
import { DEFAULT_CONTEXT, mutate } from '../../../webhook/mutate/index.js';
import { clientWith, deployment } from './support.js';

const STEP = 60;
const START_SEC = 1_790_000_040; // a whole minute
const FEEDBACK = { ...DEFAULT_SHORTFALL_FEEDBACK, target: shortfallTargetForQuantile(DEFAULT_SETTINGS.bandQuantile) };

/** A KubeClient that applies merge patches of annotations to the objects it was given; nothing else is called. */
function patchingClient(objects: Map<string, KubeObject>): KubeClient {
  return clientWith('not used by the forecaster loop', {
    async patch<T extends KubeObject>(_res: unknown, name: string, namespace: string | undefined, patch: unknown): Promise<T> {
      const object = objects.get(`${namespace}/${name}`)!;
      const annotations = (patch as { metadata: { annotations: Record<string, string> } }).metadata.annotations;
      object.metadata.annotations = { ...object.metadata.annotations, ...annotations };
      return object as T;
    },
  });
}

/**
 * One opted-in Deployment at 10 rps per pod whose demand per minute bucket is `demandAt(k)` (k =
 * minutes from START_SEC). Optimize mode unless asked: there the served record follows the ready
 * replicas (in observe mode, the webhook's target — see the tests of that).
 */
function harness(demandAt: (k: number) => number, minutes: number, mode: 'observe' | 'optimize' = 'optimize') {
  const clock = new ManualClock((START_SEC + 5) * 1000);
  const metrics = new SimulatedMetricsSource({ clock });
  const counts = Array.from({ length: 120 + minutes }, (_, i) => demandAt(i - 120) * STEP);
  metrics.loadCounts({ namespace: 'shop', deployment: 'api' }, START_SEC - 120 * STEP, STEP, counts);
  const d = deployment('shop', 'api', { replicas: 20, annotations: { [Annotations.enabled]: 'true', [Annotations.targetRpsPerPod]: '10' } });
  d.status = { readyReplicas: 20 };
  const objects = new Map([['shop/api', d]]);
  const config = parseFullConfig({ 'controller.backfill': '2h', mode });
  const newLoop = () =>
    new ForecasterLoop({
      client: patchingClient(objects),
      state: { config: () => config, optedInDeployments: () => [d], namespace: 'smartscale-system', configMaps: { get: () => undefined } },
      metrics: () => metrics,
      clock,
      controllerMetrics: new ControllerMetrics(),
      events: new RecordingControllerEvents(),
      // Publish every change: these tests follow the values, not the material-change rule.
      materialChange: 1e-9,
    });
  let loop = newLoop();
  return {
    d,
    /** A new leader from now on: a fresh loop (nothing in memory) on the same cluster and metrics. */
    restart: () => void (loop = newLoop()),
    /** Ready replicas from now on (the Deployment's status as the informer would show it). */
    setReady: (n: number) => (d.status = { readyReplicas: n }),
    /** The webhook's target-replicas annotation from now on (undefined removes it). */
    setTarget: (n: string | undefined) => {
      const { [Annotations.targetReplicas]: _old, ...rest } = d.metadata.annotations!;
      d.metadata.annotations = n === undefined ? rest : { ...rest, [Annotations.targetReplicas]: n };
    },
    /** One pass `seconds` later. */
    pass: async (seconds = STEP) => {
      clock.advance(seconds * 1000);
      await loop.reconcile();
    },
    first: () => loop.reconcile(),
    forecast: (): ForecastAnnotation => parseForecastAnnotation(d.metadata.annotations![Annotations.forecast]).value!,
  };
}

describe('forecaster loop: the served-record margin', () => {
  it('rises while ready replicas fall short of demand and decays back when they do not, each bucket against the replicas ready at its end', async () => {
    const h = harness(() => 100, 24 * 60);
    await h.first();
    // The backfill says nothing about capacity then: no ready replicas were seen.
    expect(h.forecast().margin).toBe(1);

    // 5 ready × 10 rps < 100 rps. The first bucket after the change ended while 20 were ready.
    h.setReady(5);
    let expected = 1;
    for (let k = 0; k < 10; k++) {
      await h.pass();
      if (k > 0) expected = nextMargin(expected, true, STEP, FEEDBACK);
      expect(h.forecast().margin).toBeCloseTo(expected, 3);
    }
    expect(h.forecast().margin).toBeGreaterThan(1.5);
    const raised = h.forecast().margin!;

    // The webhook sizes with it: more replicas than for the same forecast without a margin.
    const targetFor = (f: ForecastAnnotation) => {
      const annotations = { ...h.d.metadata.annotations, [Annotations.forecast]: JSON.stringify(f) };
      const out = mutate({ ...h.d, metadata: { ...h.d.metadata, annotations } } as unknown as Record<string, unknown>, { ...DEFAULT_CONTEXT, hpaOwnsReplicas: false, nowSec: f.generatedAt });
      return Number((out.deployment.metadata as { annotations: Record<string, string> }).annotations[Annotations.targetReplicas]);
    };
    const { margin: _published, ...unmargined } = h.forecast();
    expect(targetFor(h.forecast())).toBeGreaterThanOrEqual(Math.floor(targetFor(unmargined) * 1.4));


    // Enough capacity again: the margin decays, slowly (by the target share of time per minute).
    h.setReady(20);
    await h.pass();
    expected = nextMargin(expected, true, STEP, FEEDBACK); // that bucket ended while 5 were ready
    for (let k = 0; k < 12; k++) {
      await h.pass(3600);
      for (let b = 0; b < 60; b++) expected = nextMargin(expected, false, STEP, FEEDBACK);
    }
    const decayed = h.forecast().margin!;
    expect(decayed).toBeCloseTo(expected, 3);
    // Twelve calm hours take back most of the rise (the margin halves its excess in about 26 h).
    expect(decayed - 1).toBeLessThan((raised - 1) / 2);
    expect(decayed).toBeGreaterThanOrEqual(1);

  });

  it('in observe mode follows what smartscale would have run (the webhook target), not the ready replicas another autoscaler chose', async () => {
    // 100 rps; another autoscaler holds 5 ready (50 rps): in optimize mode a shortfall every bucket.
    const h = harness(() => 100, 24 * 60, 'observe');
    h.setReady(5);
    await h.first();
    // No target written yet: nothing to compare with, the margin does not move.
    for (let k = 0; k < 5; k++) await h.pass();
    expect(h.forecast().margin).toBe(1);
    // smartscale's own target serves the demand: 5 ready do not count against it.
    h.setTarget('12');
    for (let k = 0; k < 10; k++) await h.pass();
    expect(h.forecast().margin).toBeLessThanOrEqual(1);
    // Its target falls short (4 × 10 rps < 100): now the margin rises, bucket by bucket.
    h.setTarget('4');
    await h.pass(); // the bucket ending now ended while the target was still 12
    let expected = h.forecast().margin!;
    for (let k = 0; k < 10; k++) {
      await h.pass();
      expected = nextMargin(expected, true, STEP, FEEDBACK);
      expect(h.forecast().margin).toBeCloseTo(expected, 3);
    }
    expect(h.forecast().margin).toBeGreaterThan(1.5);
  });

  it('in observe mode ignores a target that is not a whole number of replicas', async () => {
    const h = harness(() => 100, 60, 'observe');
    h.setReady(5);
    h.setTarget('12');
    await h.first();
    await h.pass();
    // Number() would read '' and ' ' as 0 (a shortfall every bucket) and '0x1' as 1.
    for (const bad of ['lots', '', ' ', '0x1', '1e0', '-3', '2.5']) {
      h.setTarget(bad);
      for (let k = 0; k < 3; k++) await h.pass();
    }
    // The last good reading (12, enough) still answers; the ready 5 never counted.
    expect(h.forecast().margin).toBe(1);
  });

  it('a Deployment in optimize mode in an observe cluster follows its ready replicas', async () => {
    const h = harness(() => 100, 60, 'observe');
    h.d.metadata.annotations![Annotations.mode] = 'optimize';
    h.setTarget('12');
    await h.first();
    h.setReady(5);
    for (let k = 0; k < 6; k++) await h.pass();
    expect(h.forecast().margin).toBeGreaterThan(1);
  });

  it('survives a restart through the published annotation', async () => {
    const h = harness(() => 100, 60);
    h.d.metadata.annotations![Annotations.forecast] = JSON.stringify({ v: 1, generatedAt: START_SEC - 600, stepSeconds: 60, point: [100], upper: [120], quantile: 0.965, model: 'holt', margin: 1.7 });
    await h.first();
    expect(h.forecast().margin).toBe(1.7);
  });

  it('the learned per-pod capacity survives a restart too (it cannot be backfilled), and a 0 is not taken', async () => {
    for (const [published, expected] of [[12.5, 12.5], [0, undefined]] as const) {
      const h = harness(() => 100, 60);
      // No user-given capacity: the one the previous leader learned and published is what the webhook sized with.
      delete h.d.metadata.annotations![Annotations.targetRpsPerPod];
      h.d.metadata.annotations![Annotations.forecast] = JSON.stringify({ v: 1, generatedAt: START_SEC - 600, stepSeconds: 60, point: [100], upper: [120], quantile: 0.965, model: 'holt', learnedRpsPerPod: published });
      await h.first();
      expect(h.forecast().generatedAt).toBe(START_SEC);
      expect(h.forecast().learnedRpsPerPod).toBe(expected);
      // Kept while nothing new is learned (no latency series here: no observations).
      for (let k = 0; k < 3; k++) await h.pass();
      expect(h.forecast().learnedRpsPerPod).toBe(expected);
    }
  });
});

describe('forecaster loop: the surge floor', () => {
  it('is the observed demand in ordinary traffic and the extrapolated rise in a surge far above the band', async () => {
    // Steady 100 rps with a little noise, then a flash crowd: 1000 rps from minute 30 on.
    const h = harness((k) => (k >= 30 ? 1000 : 100 + (k % 3)), 60);
    await h.first();
    for (let k = 0; k < 29; k++) await h.pass();
    const calm = h.forecast();
    expect(calm.surgeFloor).toBeCloseTo(calm.observed!, 1);
    expect(calm.upper[0]).toBeLessThan(500);

    await h.pass(); // the bucket ending at minute 30 (demand 100 + 29 % 3)
    await h.pass(); // the first surge bucket: 1000 rps against a band below 500
    const surge = h.forecast();
    // 1000 rps plus its rise over the last bucket (900 rps in 60 s) over the 110 s lead.
    expect(surge.surgeFloor).toBeCloseTo(1000 + ((1000 - 102) / 60) * DEFAULT_SETTINGS.surgeLeadSeconds, 0);

    // The webhook floors the target at it: 2646.3 rps at 10 × 0.88 rps per pod (margin from the record).
    const result = mutate({ ...h.d, metadata: { ...h.d.metadata, annotations: { ...h.d.metadata.annotations, [Annotations.maxReplicas]: '1000' } } } as unknown as Record<string, unknown>, {
      ...DEFAULT_CONTEXT,
      hpaOwnsReplicas: false,
      nowSec: surge.generatedAt,
    });
    expect(result.decision.to).toBe(Math.ceil(surge.surgeFloor! / ((10 * 0.88) / surge.margin!) - 1e-6));
  });
});

describe('forecaster loop: the surge floor after buckets in a row above their band', () => {
  it('extrapolates a climb below the factor once three buckets in a row exceeded the band forecast for each', async () => {
    // Steady 100 rps, then a climb of 40 rps a minute: each bucket above the band the forecast
    // before it gave (persistence-like forecasts trail a ramp by a step), never 2× it.
    const h = harness((k) => (k >= 30 ? 100 + 40 * (k - 29) : 100 + (k % 3)), 60);
    await h.first();
    for (let k = 0; k < 30; k++) await h.pass(); // through the bucket ending at minute 30
    const floors: number[] = [];
    const observed: number[] = [];
    const bands: number[] = [];
    for (let k = 0; k < 3; k++) {
      bands.push(h.forecast().upper[0]); // the band (rps) for the bucket about to be fed
      await h.pass();
      floors.push(h.forecast().surgeFloor!);
      observed.push(h.forecast().observed!);
    }
    expect(observed).toEqual([140, 180, 220]);
    for (let k = 0; k < 3; k++) {
      expect(observed[k]).toBeGreaterThan(bands[k]);
      expect(observed[k]).toBeLessThan(2 * bands[k]);
    }
    // Twice above: still the observed demand. The third time: the rise of the last bucket (40 rps
    // in 60 s) over the 110 s lead.
    expect(floors[0]).toBeCloseTo(140, 1); // published to 0.1 rps
    expect(floors[1]).toBeCloseTo(180, 1);
    expect(floors[2]).toBeCloseTo(220 + (40 / 60) * DEFAULT_SETTINGS.surgeLeadSeconds, 1);
  });
});

/**
 * What a leader publishes on each of `passes` passes after the first, given `demandAt`; with
 * `restartBefore`, a new leader (a fresh loop, its state from the backfill) takes over just
 * before that pass (1-based). Each value is checked to be freshly published by that pass.
 */
async function floorsThrough(demandAt: (k: number) => number, passes: number, restartBefore?: number): Promise<Array<{ observed: number; surgeFloor: number }>> {
  const h = harness(demandAt, passes + 5);
  await h.first();
  const out: Array<{ observed: number; surgeFloor: number }> = [];
  for (let p = 1; p <= passes; p++) {
    if (p === restartBefore) h.restart();
    await h.pass();
    const f = h.forecast();
    expect(f.generatedAt).toBe(START_SEC + p * STEP);
    out.push({ observed: f.observed!, surgeFloor: f.surgeFloor! });
  }
  return out;
}

describe('forecaster loop: the run of buckets above their band after a change of leader', () => {
  // Steady ~100 rps, then from minute 30 a climb of 40 rps a minute (each bucket above its band, never 2× it).
  const climb = (k: number) => (k >= 30 ? 100 + 40 * (k - 29) : 100 + (k % 3));

  it('a leader started mid-climb extrapolates on the same pass the old leader did', async () => {
    const old = await floorsThrough(climb, 35);
    // The old leader: passes 31-33 feed 140, 180, 220 rps; the third extrapolates, and so on.
    expect(old.slice(30).map((f) => f.observed)).toEqual([140, 180, 220, 260, 300]);
    const extrapolating = old.map((f) => f.surgeFloor > f.observed + 1);
    expect(extrapolating.indexOf(true)).toBe(32);
    expect(extrapolating.slice(32).every(Boolean)).toBe(true);
    // A new leader taking over before any pass of the climb publishes what the old one did from
    // that pass on — in particular before pass 33 (two misses known only to the old leader's
    // memory): extrapolated at once, not three buckets later.
    for (const restart of [31, 32, 33, 34]) {
      const taken = await floorsThrough(climb, 35, restart);
      for (let p = restart; p <= 35; p++) {
        expect(taken[p - 1].observed, `restart before pass ${restart}, pass ${p}`).toBe(old[p - 1].observed);
        expect(taken[p - 1].surgeFloor, `restart before pass ${restart}, pass ${p}`).toBeCloseTo(old[p - 1].surgeFloor, 1);
      }
    }
    const atThird = await floorsThrough(climb, 33, 33);
    expect(atThird[32].surgeFloor).toBeCloseTo(220 + (40 / 60) * DEFAULT_SETTINGS.surgeLeadSeconds, 1);
  });

  it('no false floor after a restart: steady traffic, and a single bucket above its band that fell back', async () => {
    // Minute 30 alone is 1.8× the usual demand (above its band, below the factor); then back to normal.
    const blip = (k: number) => (k === 30 ? 180 : 100 + (k % 3));
    const old = await floorsThrough(blip, 34);
    for (const f of old) expect(f.surgeFloor).toBeCloseTo(f.observed, 1);
    for (const restart of [2, 20, 31, 32, 33]) {
      const taken = await floorsThrough(blip, 34, restart);
      for (let p = restart; p <= 34; p++) {
        expect(taken[p - 1].observed).toBe(old[p - 1].observed);
        expect(taken[p - 1].surgeFloor, `restart before pass ${restart}, pass ${p}`).toBeCloseTo(taken[p - 1].observed, 1);
      }
    }
  });
});

describe('controller settings for sizing', () => {
  it('forecasts at the simulator strategy’s band quantile by default', async () => {
    expect(DEFAULT_SETTINGS.bandQuantile).toBe(DEFAULT_KNOBS.quantile);
    const h = harness(() => 100, 5);
    await h.first();
    expect(h.forecast().quantile).toBe(0.965);
  });

  it('reads controller.bandQuantile and controller.surgeLead, and ignores bad values with a warning', () => {
    expect(parseControllerSettings({ 'controller.bandQuantile': '0.99', 'controller.surgeLead': '3m' })).toEqual({
      value: { ...DEFAULT_SETTINGS, bandQuantile: 0.99, surgeLeadSeconds: 180 },
      warnings: [],
    });
    for (const raw of ['1', '0.2', 'high', '']) {
      const parsed = parseControllerSettings({ 'controller.bandQuantile': raw });
      expect(parsed.value.bandQuantile).toBe(0.965);
      expect(parsed.warnings).toEqual([expect.stringMatching(/controller\.bandQuantile=.* ignored: expected a number from 0\.5 to 0\.999/)]);
    }
  });
});
