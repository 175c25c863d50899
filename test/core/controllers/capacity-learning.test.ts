/**
 * Per-pod capacity learned in the forecaster loop, on the sandbox with the webhook: a simulated
 * MetricsSource whose latency p95 crosses the SLO at a known per-pod load (the knee). The
 * forecaster writes what it learns into `smartscale.io/forecast` (`learnedRpsPerPod`); the
 * webhook derives `smartscale.io/target-replicas` from it. A user-given rps-per-pod wins; with too
 * few observations nothing is claimed and the cluster default applies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { parseForecastAnnotation, type ForecastAnnotation } from '../../../core/model/annotations.js';
import { READY_DELAY_ANNOTATION } from '../../../core/sandbox/controlplane/kubelet.js';
import { DEFAULT_CAPACITY_OPTIONS } from '../../../core/sizing/capacity.js';
import { marginedRpsPerPod } from '../../../core/sizing/feedback.js';
import { forecastLeadPeak } from '../../../core/sizing/lead.js';
import { planReplicas, replicasForDemand } from '../../../core/sizing/replicas.js';
import { DEFAULT_CONTEXT } from '../../../webhook/mutate/index.js';
import { deployment, runningPods, waitFor } from './support.js';

const STEP = 10;
/** The knee: latency p95 = 60 + 140·(load/KNEE)^8 ms reaches the 200 ms SLO at exactly KNEE rps per pod. */
const KNEE = 25;
const SLO_MS = 200;
const REPLICAS = 4;
/** The cluster's default per-pod capacity (smartscale-config `webhook.defaultRpsPerPod`), used until one is learned. */
const DEFAULT_RPS_PER_POD = 8;
/** Per-pod loads visited, 0.85·KNEE … 1.15·KNEE in steps of 0.02·KNEE (0.99·KNEE meets the SLO, 1.01·KNEE breaks it). */
const LEVELS = Array.from({ length: 16 }, (_, i) => KNEE * (0.85 + 0.02 * i));

function loadAt(k: number): number {
  // 5 is coprime with 16: every 16 buckets visit every level once, in a scrambled order.
  return LEVELS[(((k * 5) % 16) + 16) % 16];
}

function latencyMs(load: number, k: number): number {
  const jitter = 1 + 0.02 * Math.sin(1.7 * k);
  return (60 + 140 * (load / KNEE) ** 8) * jitter;
}

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

async function annotations(e: SandboxEnvironment, name: string): Promise<Record<string, string>> {
  return (await e.sandbox.client.get<KubeObject>(Refs.deployments, name, 'default'))?.metadata.annotations ?? {};
}

function forecastIn(a: Record<string, string>): ForecastAnnotation | undefined {
  return parseForecastAnnotation(a['smartscale.io/forecast']).value;
}

/**
 * The webhook's target for this forecast at `rpsPerPod` (its defaults: bounds 1..100, the peak
 * over a 110 s lead — two whole steps when the forecast has no observed demand — utilization 0.88; the forecast's served-record margin and surge floor when it has them).
 */
function expectedTarget(f: ForecastAnnotation, rpsPerPod: number): number {
  const bounds = { minReplicas: DEFAULT_CONTEXT.defaultMinReplicas, maxReplicas: DEFAULT_CONTEXT.defaultMaxReplicas };
  const perPod = marginedRpsPerPod(rpsPerPod * DEFAULT_CONTEXT.utilization, f.margin ?? 1);
  const floor = f.surgeFloor === undefined ? 0 : replicasForDemand(f.surgeFloor, perPod, bounds);
  const leadPeak = forecastLeadPeak(f, DEFAULT_CONTEXT.leadSeconds);
  const banded = leadPeak === undefined ? planReplicas(f.upper, perPod, bounds, DEFAULT_CONTEXT.leadSteps).target : replicasForDemand(leadPeak, perPod, bounds);
  return Math.max(floor, banded);
}

describe('per-pod capacity learned by the forecaster loop', () => {
  it('learns the knee from RPS per ready pod vs latency, publishes it, and the webhook targets follow; a user value wins', async () => {
    env = await startSandboxEnvironment({
      speed: 100,
      nodePool: null,
      nodeReadyDelayMs: 0,
      podStartDelayMs: 1_000,
      config: { 'controller.forecastStep': `${STEP}s`, 'controller.horizon': `${15 * STEP}s`, 'controller.backfill': '10m', 'webhook.defaultRpsPerPod': String(DEFAULT_RPS_PER_POD) },
    });
    const e = env;
    const client = e.sandbox.client;
    // A node for the pods to run on (readyReplicas is what the demand is divided by).
    await client.create(Refs.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'big', annotations: { [READY_DELAY_ANNOTATION]: '0' }, labels: { 'kubernetes.io/os': 'linux' } },
      status: { capacity: { cpu: '64', memory: '256Gi', pods: '110' }, allocatable: { cpu: '64', memory: '256Gi', pods: '110' } },
    });
    const startSec = Math.floor(e.sandbox.clock.now() / 1000 / STEP) * STEP;
    const demand: Array<[number, number]> = [];
    const latency: Array<[number, number]> = [];
    for (let k = -60; k < 2_000; k++) {
      const t = startSec + k * STEP;
      const load = loadAt(k);
      demand.push([t, load * REPLICAS]);
      latency.push([t, latencyMs(load, k)]);
      // A reading of the next bucket a second after this one closed (a scrape between rule evaluations): the newest
      // latency is often this one, which belongs to another load — learning must pair by bucket.
      latency.push([t + 1, latencyMs(loadAt(k + 1), k + 1)]);
    }
    for (const name of ['learned', 'given']) {
      e.metrics.set('demand', { namespace: 'default', deployment: name }, demand);
      e.metrics.set('latencyP95', { namespace: 'default', deployment: name }, latency);
    }
    const opted = { 'smartscale.io/enabled': 'true', 'smartscale.io/latency-slo-ms': String(SLO_MS) };
    await client.create(Refs.deployments, deployment('default', 'learned', { replicas: REPLICAS, annotations: opted }));
    await client.create(Refs.deployments, deployment('default', 'given', { replicas: REPLICAS, annotations: { ...opted, 'smartscale.io/target-rps-per-pod': '10' } }));
    for (const name of ['learned', 'given']) await waitFor(`${name} pods ready`, async () => (await runningPods(client, 'default', name)).length === REPLICAS, 20_000);

    // Long leases: a loaded machine at 100× must not lose leadership in the middle of the test.
    const c = await e.startController('a', { intervals: { forecaster: STEP * 1000 }, leaseDurationSeconds: 3_600, renewDeadlineMs: 1_800_000, leaseRetryMs: 5_000 });
    await waitFor('leader', () => c.isLeader(), 20_000);

    // Too few observations: a forecast is published with no learned capacity, and the webhook's
    // targets follow the cluster default.
    const earlyAnnotations = await waitFor('first forecast', async () => {
      const a = await annotations(e, 'learned');
      return forecastIn(a) ? a : undefined;
    }, 20_000);
    const early = forecastIn(earlyAnnotations)!;
    expect(early.learnedRpsPerPod).toBeUndefined();
    expect(Number(earlyAnnotations['smartscale.io/target-replicas'])).toBe(expectedTarget(early, DEFAULT_RPS_PER_POD));

    // Enough buckets for the estimate to resolve the knee: ~100 observations make a 20-observation
    // bin span about 3 levels (0.06·KNEE); wait for 60 buckets past the first estimate.
    const first = await waitFor('a learned capacity', async () => {
      const f = forecastIn(await annotations(e, 'learned'));
      return f?.learnedRpsPerPod ? f : undefined;
    }, 60_000, 100);
    // The first pass pairs only the last 5 minutes of the backfill (30 buckets) with today's ready
    // count — fewer than minObservations, hence nothing claimed then; ten more buckets make 40.
    expect((first.generatedAt - early.generatedAt) / STEP).toBeGreaterThanOrEqual(DEFAULT_CAPACITY_OPTIONS.minObservations - 300 / STEP);
    const settled = await waitFor('60 more observations', async () => {
      const f = forecastIn(await annotations(e, 'learned'));
      return f && f.generatedAt >= first.generatedAt + 60 * STEP ? f : undefined;
    }, 90_000, 100);
    // The estimate is conservative: at most the highest level that met the SLO (0.99·KNEE). And at
    // most about a bin below it: with ≥ 100 observations spread over 16 levels a 20-observation bin
    // spans ≤ 3.2 levels (0.064·KNEE); the first unhealthy bin holds ≥ 2 points at 1.01·KNEE or more,
    // so it starts at ≥ 0.946·KNEE and the healthy bin before it reaches ≥ 0.926·KNEE. Hence 0.92.
    const learned = settled.learnedRpsPerPod!;
    expect(learned).toBeLessThanOrEqual(0.99 * KNEE + 1e-3);
    expect(learned).toBeGreaterThanOrEqual(0.92 * KNEE);

    // The webhook's targets follow the learned capacity (same admission wrote both annotations).
    const a = await annotations(e, 'learned');
    const f = forecastIn(a)!;
    expect(Number(a['smartscale.io/target-replicas'])).toBe(expectedTarget(f, f.learnedRpsPerPod!));
    // ≈ demand of 4 pods at ~KNEE each: about 4–5 replicas, not what the user-given 10 rps would say.
    expect(Number(a['smartscale.io/target-replicas'])).toBeLessThan(expectedTarget(f, 10));

    // The user's rps-per-pod: nothing learned, the target follows 10 rps per pod.
    const g = await annotations(e, 'given');
    const gf = forecastIn(g)!;
    expect(gf.learnedRpsPerPod).toBeUndefined();
    expect(Number(g['smartscale.io/target-replicas'])).toBe(expectedTarget(gf, 10));
  }, 180_000);
});
