/**
 * The NodePool's `status.launchRefusals` is authoritative for the running leader too (ADR 095,
 * amended): a user who fixed the configuration and deletes the item (or the whole list) gets a
 * launch on the next provisioner pass, once; an item the leader has just written is not taken for
 * deleted while its informer cache has not caught up with the write.
 *
 * On the EC2 sandbox with the controller on a ManualClock that does not move unless the test moves
 * it: every retry below happens well inside the first backoff (60 s), so only a deletion explains it.
 */
import { CreateFleetCommand } from '@aws-sdk/client-ec2';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { launchKey } from '../../../core/controllers/claims.js';
import type { RunningController } from '../../../core/controllers/controller.js';
import { HttpKubeClient } from '../../../core/kube/client.js';
import { patchStatus } from '../../../core/kube/patch.js';
import { Refs } from '../../../core/kube/refs.js';
import { nodeClassSpec } from '../cloud/ec2/builders.js';
import type { Ec2Sandbox } from '../cloud/ec2/sandbox-ec2.js';
import { FaultyClient } from './faulty-client.js';
import { BACKOFF, claimsCreated, launchRefusals, refusals, startSandboxWithMissingNodeClass, stopSandbox } from './launch-backoff-support.js';
import { deployment, nodeClaims, waitFor } from './support.js';

afterEach(stopSandbox);

/**
 * The controllers' clock runs a day ahead of the sandbox's, whose creation times the claims carry:
 * a launched claim must not time out waiting for its node while the test counts launches.
 */
const NO_REGISTRATION_TIMEOUT = { registrationTimeoutMs: 7 * 86_400_000 };

const dismissed = (c: RunningController) => c.metrics.value('actions', { loop: 'provisioner', action: 'launch-backoff-dismissed' }) ?? 0;

/** The user's fix: the EC2NodeClass the pool names now exists. */
async function fixNodeClass(s: Ec2Sandbox): Promise<void> {
  await s.env.sandbox.client.create(Refs.ec2NodeClasses, { apiVersion: 'smartscale.io/v1', kind: 'EC2NodeClass', metadata: { name: 'missing' }, spec: nodeClassSpec() });
}

/** A leader on a pool whose status already lists a hand-written refusal of an arm64 request. */
async function leaderWithAnotherItem(overrides: Parameters<Awaited<ReturnType<typeof startSandboxWithMissingNodeClass>>['start']>[1] = {}) {
  const started = await startSandboxWithMissingNodeClass();
  const { sandbox: s, clock } = started;
  const client = s.env.sandbox.client;
  const other = { key: launchKey('ec2', [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }]), reason: 'hand-written', failures: 2, refusedAt: new Date(clock.now()).toISOString(), retryAt: new Date(clock.now() + BACKOFF.max).toISOString() };
  await patchStatus(client, Refs.nodePools, 'ec2', undefined, { launchRefusals: [other] });
  const a = await started.start('a', { ...NO_REGISTRATION_TIMEOUT, ...overrides });
  await waitFor('a leads', () => a.controller.isLeader() && a.controller.state.synced());
  return { ...started, client, a, other };
}

describe('deleting an item of status.launchRefusals on the running leader', () => {
  it.each([
    { what: 'the item', remaining: (other: object) => [other] },
    { what: 'the whole list', remaining: () => null },
  ])('ends the wait: deleting $what launches on the next pass, once', async ({ remaining }) => {
    const { sandbox: s, client, a, other } = await leaderWithAnotherItem();
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 1 }));
    await waitFor('the first refusal', () => refusals(a.controller) === 1, 30_000);
    const [item] = await waitFor('the refusal in the status', async () => {
      const items = await launchRefusals(s);
      return items.length === 2 ? items.filter((i) => i.key !== other.key) : undefined;
    });
    const key = String(item.key);
    await waitFor('the refused claim deleted', async () => (await nodeClaims(client)).length === 0);
    await a.controller.runner.runOnce('provisioner');
    expect(a.controller.launchBackoff.waiting(key)).toBeDefined();
    expect(claimsCreated(a.controller)).toBe(1);

    // Fixed, then the item deleted: the next pass plans the claim again (no clock moved: the wait had 60 s to go).
    await fixNodeClass(s);
    await patchStatus(client, Refs.nodePools, 'ec2', undefined, { launchRefusals: remaining(other) });
    await a.controller.runner.runOnce('provisioner');
    expect(claimsCreated(a.controller)).toBe(2);
    // Deleting the whole list dismisses the hand-written arm64 item as well.
    expect(dismissed(a.controller)).toBe(remaining(other) ? 1 : 2);
    expect(a.controller.launchBackoff.waiting(key)).toBeUndefined();
    expect(a.events.events.filter((e) => e.reason === 'LaunchRefusalDeleted').map((e) => e.message)).toContainEqual(expect.stringContaining(key));
    await waitFor('the instance launched', () => s.ec2.liveInstances().length === 1, 30_000);
    // No duplicate: more passes launch nothing more while the claim registers.
    for (let i = 0; i < 3; i++) await a.controller.runner.runOnce('provisioner');
    expect(claimsCreated(a.controller)).toBe(2);
    expect(s.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(1);
    expect(await nodeClaims(client)).toHaveLength(1);
    const arm = a.controller.launchBackoff.waiting(other.key);
    if (remaining(other)) expect(arm).toMatchObject({ failures: 2 });
    else expect(arm).toBeUndefined();
    expect((await launchRefusals(s)).map((i) => i.key)).toEqual(remaining(other) ? [other.key] : []);
  }, 120_000);
});

describe('an informer cache that lags the leader’s own writes', () => {
  it('does not make the leader forget a refusal it just wrote; a deletion is still seen through it', async () => {
    const started = await startSandboxWithMissingNodeClass();
    const { sandbox: s } = started;
    const client = s.env.sandbox.client;
    const kc = new KubeConfig();
    kc.loadFromString(s.env.sandbox.kubeconfig);
    // Its clock is the sandbox's: FaultyClient only reads it to refuse calls, which this test does not ask for.
    const faulty = new FaultyClient(new HttpKubeClient(kc, 'lagging'), s.env.sandbox.clock);
    const a = await started.start('a', { ...NO_REGISTRATION_TIMEOUT, client: faulty });
    await waitFor('a leads', () => a.controller.isLeader() && a.controller.state.synced());
    // From now on the leader's cache of NodePools shows nothing new, its own writes included.
    faulty.delayWatchEvents('nodepools');
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 1 }));
    await waitFor('the first refusal', () => refusals(a.controller) === 1, 30_000);
    const [item] = await waitFor('the refusal in the status', async () => ((await launchRefusals(s)).length === 1 ? launchRefusals(s) : undefined));
    await waitFor('the refused claim deleted', async () => (await nodeClaims(client)).length === 0);
    const key = String(item.key);

    // The cache has no item; the leader keeps waiting, writes nothing that drops it, launches nothing.
    for (let i = 0; i < 3; i++) await a.controller.runner.runOnce('provisioner');
    expect(a.controller.state.nodePools.get('ec2')?.status?.launchRefusals ?? []).toEqual([]);
    expect(a.controller.launchBackoff.waiting(key)).toMatchObject({ failures: 1 });
    expect(claimsCreated(a.controller)).toBe(1);
    expect(dismissed(a.controller)).toBe(0);
    expect(await launchRefusals(s)).toEqual([item]);

    // The user fixes the class and deletes the item; the cache still shows neither change.
    await fixNodeClass(s);
    await patchStatus(client, Refs.nodePools, 'ec2', undefined, { launchRefusals: [] });
    await a.controller.runner.runOnce('provisioner');
    expect(claimsCreated(a.controller)).toBe(2);
    expect(dismissed(a.controller)).toBe(1);
    await waitFor('the instance launched', () => s.ec2.liveInstances().length === 1, 30_000);
    for (let i = 0; i < 3; i++) await a.controller.runner.runOnce('provisioner');
    expect(claimsCreated(a.controller)).toBe(2);
    expect(s.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(1);
    faulty.releaseWatchEvents('nodepools');
  }, 120_000);
});
