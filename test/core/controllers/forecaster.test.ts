/** The forecaster loop on the sandbox: backfill, annotation, propagation along the graph, stale marking. */
import { afterEach, describe, expect, it } from 'vitest';
import { demoTraffic, loadTraffic, syntheticEntry } from '../../../core/controllers/demo-workload.js';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { Refs } from '../../../core/kube/refs.js';
import { parseForecastAnnotation } from '../../../core/model/annotations.js';
import { deployment, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const forecastOf = async (e: SandboxEnvironment, name: string) =>
  parseForecastAnnotation((await e.sandbox.client.get(Refs.deployments, name, 'shop'))?.metadata.annotations?.['smartscale.io/forecast']).value;

describe('forecaster loop', () => {
  it('backfills, publishes forecasts for every opted-in Deployment, and marks them stale when metrics go away', async () => {
    env = await startSandboxEnvironment({ speed: 60, webhook: false, nodePool: null, config: { 'controller.backfill': '2d' } });
    const events = new RecordingControllerEvents();
    const nowSec = Math.floor(env.sandbox.clock.now() / 1000);
    const traffic = demoTraffic(syntheticEntry(nowSec, 3, 1, 20, 10));
    loadTraffic(env.metrics, 'shop', traffic);
    await env.sandbox.client.create({ group: '', version: 'v1', plural: 'namespaces', namespaced: false }, { metadata: { name: 'shop' } });
    for (const name of ['frontend', 'api', 'db']) await env.sandbox.client.create(Refs.deployments, deployment('shop', name, { annotations: { 'smartscale.io/enabled': 'true' } }));
    await env.sandbox.client.create(Refs.deployments, deployment('shop', 'not-opted-in'));
    const c = await env.startController('a', { events, intervals: { forecaster: 10_000 } });
    await waitFor('forecasts on the three services', async () => (await Promise.all(['frontend', 'api', 'db'].map((n) => forecastOf(env!, n)))).every(Boolean), 20_000);
    expect(await forecastOf(env, 'not-opted-in')).toBeUndefined();
    const api = (await forecastOf(env, 'api'))!;
    expect(api.point).toHaveLength(15);
    expect(api.stale).toBeUndefined();
    // The api serves about twice the frontend's demand (the call ratio): the forecasts agree with the traffic.
    const frontend = (await forecastOf(env, 'frontend'))!;
    expect(api.point[0] / frontend.point[0]).toBeGreaterThan(1.6);
    expect(api.point[0] / frontend.point[0]).toBeLessThan(2.4);
    expect(Math.abs(frontend.observed! - traffic.services.frontend.values[Math.floor((frontend.generatedAt - traffic.services.frontend.startSec) / 60) - 1] / 60)).toBeLessThan(0.01 * frontend.observed! + 0.01);
    expect(c.loops.forecaster.firstPass?.fedBuckets).toBeGreaterThan(3 * 2 * 1440 - 10);

    env.metrics.setOutage('prometheus is down');
    await waitFor('stale forecasts', async () => (await forecastOf(env!, 'db'))?.stale === true, 20_000);
    expect(events.events.some((e) => e.reason === 'ForecastStale' && e.object.name === 'db')).toBe(true);
    expect(c.metrics.value('actions', { loop: 'forecaster', action: 'mark-stale' })).toBeGreaterThanOrEqual(3);

    env.metrics.setOutage(undefined);
    await waitFor('fresh again', async () => (await forecastOf(env!, 'db'))?.stale === undefined, 20_000);
  }, 60_000);
});
