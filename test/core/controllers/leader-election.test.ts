/** Leader election against the sandbox API server (real Lease objects, optimistic concurrency). */
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../../core/controllers/leader-election.js';
import { Refs } from '../../../core/kube/refs.js';
import { startSandbox, type Sandbox } from '../../../core/sandbox/sandbox.js';
import { waitFor } from './support.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

async function setup(): Promise<Sandbox> {
  sandbox = await startSandbox({ speed: 20, controlPlane: false });
  await sandbox.client.create({ group: '', version: 'v1', plural: 'namespaces', namespaced: false }, { metadata: { name: 'smartscale-system' } });
  return sandbox;
}

function elector(s: Sandbox, identity: string) {
  return new LeaderElector({ client: s.client, clock: s.clock, namespace: 'smartscale-system', name: 'smartscale-controller', identity, leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryMs: 2_000 });
}

describe('LeaderElector', () => {
  it('exactly one of two candidates leads; a release hands over at once', async () => {
    const s = await setup();
    const a = elector(s, 'a');
    const b = elector(s, 'b');
    a.start();
    await waitFor('a leads', () => a.isLeader());
    b.start();
    await new Promise((r) => setTimeout(r, 300)); // 6 s of clock time: b retries three times
    expect(b.isLeader()).toBe(false);
    const started = s.clock.now();
    await a.stop();
    expect((await s.client.get(Refs.leases, 'smartscale-controller', 'smartscale-system'))?.spec?.holderIdentity ?? null).toBeNull();
    await waitFor('b leads', () => b.isLeader());
    // Within one retry period, not a lease duration.
    expect(s.clock.now() - started).toBeLessThan(5_000);
    await b.stop();
  });

  it('after a crash (no release) the other takes over once the lease expires', async () => {
    const s = await setup();
    const a = elector(s, 'a');
    const b = elector(s, 'b');
    a.start();
    await waitFor('a leads', () => a.isLeader());
    b.start();
    const crashedAt = s.clock.now();
    await a.abandon();
    await waitFor('b leads', () => b.isLeader(), 10_000);
    const took = s.clock.now() - crashedAt;
    expect(took).toBeGreaterThanOrEqual(13_000);
    expect(took).toBeLessThan(25_000);
    const lease = await s.client.get(Refs.leases, 'smartscale-controller', 'smartscale-system');
    expect(lease?.spec?.holderIdentity).toBe('b');
    expect(lease?.spec?.leaseTransitions).toBe(1);
    await b.stop();
  });
});
