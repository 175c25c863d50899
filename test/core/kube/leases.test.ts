/** Lease writes against the sandbox API server: an empty identity is refused, since it reads as "no holder". */
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseClient, leaseExpired } from '../../../core/kube/leases.js';
import { Refs } from '../../../core/kube/refs.js';
import { startSandbox, type Sandbox } from '../../../core/sandbox/sandbox.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

async function leaseClient(): Promise<{ s: Sandbox; lease: LeaseClient }> {
  sandbox = await startSandbox({ speed: 20, controlPlane: false });
  await sandbox.client.create({ group: '', version: 'v1', plural: 'namespaces', namespaced: false }, { metadata: { name: 'smartscale-system' } });
  return { s: sandbox, lease: new LeaseClient(sandbox.client, 'smartscale-system', 'smartscale-controller') };
}

describe('LeaseClient identity', () => {
  it('an empty holder counts as no holder, which is why an empty identity cannot be allowed', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(leaseExpired({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: {}, spec: { holderIdentity: '', renewTime: new Date(now).toISOString(), leaseDurationSeconds: 15 } }, now)).toBe(true);
  });

  it('refuses to acquire or release with an empty or blank identity, and writes nothing', async () => {
    const { s, lease } = await leaseClient();
    for (const identity of ['', '  ']) {
      await expect(lease.tryAcquire(identity, 15, s.clock.now())).rejects.toThrow(/identity must not be empty/);
      await expect(lease.release(identity)).rejects.toThrow(/identity must not be empty/);
    }
    expect(await s.client.get(Refs.leases, 'smartscale-controller', 'smartscale-system')).toBeUndefined();
    // A named candidate still takes it, and a second named one is refused while it is held.
    expect((await lease.tryAcquire('a', 15, s.clock.now())).ok).toBe(true);
    expect(await lease.tryAcquire('b', 15, s.clock.now())).toEqual({ ok: false, reason: 'held' });
  });
});
