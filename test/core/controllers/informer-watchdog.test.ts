/**
 * The controller with every watch hung open and silent (no event, no bookmark, no end): the
 * informers' staleness watchdog (default 5 minutes of clock time, 6 s of real time at 50×)
 * replaces them, the changes made during the hang are picked up, and /metrics and readiness show it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { HttpKubeClient } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { FaultyClient } from './faulty-client.js';
import { deployment, FAST_LOOPS, nodeClaims, runningPods, waitFor } from './support.js';

const FAST = FAST_LOOPS;

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

async function startWithFaultyClient(): Promise<{ e: SandboxEnvironment; faulty: FaultyClient; c: Awaited<ReturnType<SandboxEnvironment['startController']>> }> {
  const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST }));
  const kc = new KubeConfig();
  kc.loadFromString(e.sandbox.kubeconfig);
  const faulty = new FaultyClient(new HttpKubeClient(kc, 'faulty'), e.sandbox.clock);
  // The watchdog runs on the wall clock by default; here on the sandbox's 50× clock, so its 5 minutes pass in 6 s.
  const c = await e.startController('a', { client: faulty, informerWatchdogClock: e.sandbox.clock });
  await waitFor('leader', () => c.isLeader());
  return { e, faulty, c };
}

function podsHealth(c: { state: { informerHealth(): Array<{ resource: string; watchdogRestarts: number }> } }) {
  return c.state.informerHealth().find((h) => h.resource === 'pods')!;
}

describe('informer staleness watchdog in the controller', () => {
  it('watches hung open: nothing is seen until the watchdog relists, then the cluster converges', async () => {
    const { e, faulty, c } = await startWithFaultyClient();
    faulty.hangWatches();
    // One watch per informer: deployments, pods, nodes, claims, pools, PDBs, config, DaemonSets, PVCs, PVs, StorageClasses, Namespaces, CSINodes.
    const informers = c.state.informerHealth().length;
    expect(informers).toBe(13);
    expect(faulty.watchesHung).toBe(informers);
    await e.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 3 }));
    // Up to 60 s of clock, ending well before the watchdog is due (5 min after the pods informer's
    // last sign of life, a bookmark at most 250 s old): the provisioner runs many passes, but its pod cache is frozen.
    const due = c.state.pods.lastEventAt() + 5 * 60_000;
    await e.sandbox.clock.sleep(Math.min(60_000, due - e.sandbox.clock.now() - 15_000));
    expect(podsHealth(c).watchdogRestarts).toBe(0);
    expect(c.state.pods.list().filter((p) => p.metadata.labels?.app === 'web')).toEqual([]);
    expect(await nodeClaims(e.sandbox.client)).toEqual([]);

    await waitFor('3 running web pods', async () => (await runningPods(e.sandbox.client, 'default', 'web')).length === 3, 40_000);
    expect(podsHealth(c).watchdogRestarts).toBeGreaterThanOrEqual(1);
    expect(c.metrics.value('apiErrors', { where: 'informer/pods' })).toBeGreaterThanOrEqual(1);
    expect(c.metrics.render()).toMatch(/^smartscale_informer_watch_restarts_total\{resource="pods"\} [1-9]/m);
    expect(c.metrics.render()).toMatch(/^smartscale_informer_stale\{resource="pods"\} 0$/m);
    // The hung connections were closed, not leaked: one open watch per informer.
    await waitFor('one watch per informer', () => faulty.openWatches() === informers, 10_000);
    expect(c.state.staleInformers()).toEqual([]);
  }, 90_000);

  it('a hang followed by an unreachable API server: the cache is reported stale until a list succeeds', async () => {
    const { e, faulty, c } = await startWithFaultyClient();
    faulty.hangWatches();
    faulty.refuseUntil = e.sandbox.clock.now() + 9 * 60_000;
    // Every cache but the optional CSINodes' (its staleness does not hold readiness back; its metric still shows it).
    await waitFor('stale caches', () => c.state.staleInformers().length === c.state.informerHealth().length - 1 && c.state.informerHealth().every((h) => h.stale), 20_000);
    expect(c.state.staleInformers()).not.toContain('csinodes');
    expect(c.metrics.render()).toMatch(/^smartscale_informer_stale\{resource="nodes"\} 1$/m);
    await e.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));
    await waitFor('fresh caches once the server answers', () => c.state.staleInformers().length === 0, 30_000);
    expect(c.metrics.render()).toMatch(/^smartscale_informer_stale\{resource="nodes"\} 0$/m);
    await waitFor('2 running web pods', async () => (await runningPods(e.sandbox.client, 'default', 'web')).length === 2, 40_000);
  }, 90_000);
});
