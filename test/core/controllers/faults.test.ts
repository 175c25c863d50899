/**
 * Faults the controller must survive on the sandbox, each ending with the cluster converged and
 * nothing lost or leaked: every pending pod running, one instance per NodeClaim, no orphans.
 * Times are sandbox clock time (the clock runs 50× here, so the 30 s outage lasts 0.6 s of real time).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { HttpKubeClient } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import type { CloudProvider } from '../../../core/cloud/provider.js';
import type { NodeClaim } from '../../../core/model/node-claim.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { FaultyClient } from './faulty-client.js';
import { deployment, FAST_LOOPS, nodeClaims, runningPods, waitFor } from './support.js';

const SPEED = 50;
const FAST = {
  ...FAST_LOOPS,
  gcGracePeriodMs: 20_000,
};

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

async function start(): Promise<SandboxEnvironment> {
  env = await startSandboxEnvironment({ speed: SPEED, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST });
  return env;
}

function clientFor(e: SandboxEnvironment, name: string): HttpKubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(e.sandbox.kubeconfig);
  return new HttpKubeClient(kc, name);
}

/** All pods of `app` running, and exactly one live instance per NodeClaim (none orphaned, none duplicated). */
async function expectConverged(e: SandboxEnvironment, app: string, replicas: number): Promise<void> {
  await waitFor(`${replicas} running ${app} pods`, async () => (await runningPods(e.sandbox.client, 'default', app)).length === replicas, 40_000);
  const claims = await nodeClaims(e.sandbox.client);
  await waitFor('every claim launched', async () => (await nodeClaims(e.sandbox.client)).every((c) => c.status?.providerID), 20_000);
  const instances = await e.cloud.list();
  expect(instances.map((i) => i.name).sort()).toEqual(claims.map((c) => c.metadata.name).sort());
}

describe('controller faults', () => {
  it('API server refusing every request for 30 s: the leader steps down, recovers, converges', async () => {
    const e = await start();
    const faulty = new FaultyClient(clientFor(e, 'faulty'), e.sandbox.clock);
    const c = await e.startController('a', { client: faulty });
    await waitFor('leader', () => c.isLeader());
    faulty.refuseUntil = e.sandbox.clock.now() + 30_000;
    // A refusing server has dropped its open watches too.
    faulty.closeWatches();
    await e.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 4 }));
    await waitFor('leadership lost during the outage', () => !c.isLeader(), 10_000);
    expect(await nodeClaims(e.sandbox.client)).toEqual([]);
    await waitFor('leadership back', () => c.isLeader(), 20_000);
    await expectConverged(e, 'web', 4);
    expect(faulty.refused).toBeGreaterThan(0);
    expect(c.metrics.value('apiErrors', { where: 'informer/pods' }) ?? 0).toBeGreaterThan(0);
  }, 90_000);

  it('watches closed mid-stream: informers resume and nothing is missed', async () => {
    const e = await start();
    const faulty = new FaultyClient(clientFor(e, 'faulty'), e.sandbox.clock);
    const c = await e.startController('a', { client: faulty });
    await waitFor('leader', () => c.isLeader());
    const cutter = setInterval(() => faulty.closeWatches(), 100);
    try {
      await e.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 6 }));
      await expectConverged(e, 'web', 6);
    } finally {
      clearInterval(cutter);
    }
    expect(faulty.watchesClosed).toBeGreaterThan(10);
    // The informers' caches match the server after all those cuts.
    await waitFor('pod cache in sync', async () => c.state.pods.list().length === (await e.sandbox.client.list(Refs.pods)).items.length, 10_000);
  }, 90_000);

  it('409 Conflict on every first update: writes are retried from a fresh read; claims are cleaned up', async () => {
    const e = await start();
    const faulty = new FaultyClient(clientFor(e, 'faulty'), e.sandbox.clock);
    faulty.conflictOnFirstUpdate = true;
    const c = await e.startController('a', { client: faulty });
    await waitFor('leader', () => c.isLeader(), 20_000);
    await e.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 4 }));
    await expectConverged(e, 'web', 4);
    // Removing the demand makes the controller cordon (update), drain and remove finalizers (update).
    await e.sandbox.client.delete(Refs.deployments, 'web', 'default');
    await waitFor('claims gone', async () => (await nodeClaims(e.sandbox.client)).length === 0, 40_000);
    expect(await e.cloud.list()).toEqual([]);
    expect(faulty.conflicts).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('insufficient capacity for the cheapest three instance types: the next type is launched', async () => {
    const e = await start();
    const c = await e.startController('a');
    await waitFor('leader', () => c.isLeader());
    // The three cheapest amd64 on-demand types that can hold one 500m/512Mi pod.
    const types = (await e.cloud.getInstanceTypes())
      .filter((t) => t.labels['kubernetes.io/arch'] === 'amd64' && t.allocatable.milliCpu >= 2000)
      .map((t) => ({ t, price: Math.min(...t.offerings.filter((o) => o.capacityType === 'on-demand').map((o) => o.pricePerHour)) }))
      .sort((a, b) => a.price - b.price);
    const failing = types.slice(0, 3).map((x) => x.t.name);
    for (const { t } of types.slice(0, 3)) for (const o of t.offerings) e.cloud.injectInsufficientCapacity({ instanceType: t.name, zone: o.zone, capacityType: o.capacityType });
    await e.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 3 }));
    await expectConverged(e, 'web', 3);
    const launched = (await nodeClaims(e.sandbox.client)).map((x) => x.status.instanceType);
    expect(launched.length).toBeGreaterThan(0);
    for (const type of launched) expect(failing).not.toContain(type);
  }, 90_000);

  it('leader killed during a launch: the new leader neither duplicates the launch nor leaks the instance', async () => {
    const e = await start();
    let releaseHang: ((e: Error) => void) | undefined;
    let launchedByA = 0;
    const hanging: CloudProvider = {
      name: 'hangs-after-launch',
      create: async (claim: NodeClaim) => {
        await e.cloud.create(claim);
        launchedByA++;
        // The instance exists; the process dies before recording it on the claim.
        return new Promise<NodeClaim>((_, reject) => (releaseHang = reject));
      },
      delete: (t) => e.cloud.delete(t),
      get: (id) => e.cloud.get(id),
      list: () => e.cloud.list(),
      getInstanceTypes: (p) => e.cloud.getInstanceTypes(p),
    };
    const a = await e.startController('a', { cloud: hanging });
    await waitFor('a leads', () => a.isLeader());
    const b = await e.startController('b');
    await e.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 3 }));
    await waitFor('a launched an instance', () => launchedByA > 0, 20_000);
    const crashed = a.crash();
    releaseHang?.(new Error('process killed'));
    await crashed;
    const claimsBefore = await nodeClaims(e.sandbox.client);
    expect(claimsBefore.every((c) => !c.status?.providerID)).toBe(true);
    await waitFor('b takes over', () => b.isLeader(), 30_000);
    await expectConverged(e, 'web', 3);
    // No second instance for the claim a launched, and nothing left for GC to find.
    const instances = await e.cloud.list();
    expect(new Set(instances.map((i) => i.name)).size).toBe(instances.length);
    expect(instances.length).toBe((await nodeClaims(e.sandbox.client)).length);
    expect(b.metrics.value('actions', { loop: 'garbage-collection', action: 'terminate-orphan-instance' })).toBeUndefined();
  }, 90_000);
});
