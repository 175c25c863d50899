/**
 * The invalid-claim backoff survives a change of leader (ADR 095): the refusal is written to the
 * NodePool's `status.launchRefusals`, and a new controller process on the same sandbox waits it
 * out instead of asking the cloud again at once; once it expires, the new leader tries again and
 * continues the doubling. What it reads back is validated: garbage is ignored with a warning.
 *
 * The controllers run on a ManualClock (the sandbox's API server keeps its own): time moves only
 * when the test advances it, so nothing sleeps through a backoff.
 */
import { CreateFleetCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { launchKey } from '../../../core/controllers/claims.js';
import { Refs } from '../../../core/kube/refs.js';
import { patchStatus } from '../../../core/kube/patch.js';
import { advance, BACKOFF, claimsCreated, LEASE, launchRefusals, refusals, startSandboxWithMissingNodeClass, stopSandbox, takeOver } from './launch-backoff-support.js';
import { deployment, nodeClaims, waitFor } from './support.js';

afterEach(stopSandbox);

describe('the invalid-claim backoff across a change of leader', () => {
  it('a new leader does not relaunch within the backoff, and relaunches (doubling on) once it expires', async () => {
    const { sandbox: s, clock, start } = await startSandboxWithMissingNodeClass();
    const a = await start('a');
    await waitFor('a leads', () => a.controller.isLeader());
    const client = s.env.sandbox.client;
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));
    await waitFor('the first refusal', () => refusals(a.controller) === 1, 30_000);
    const refusedAt = clock.now();
    const [persisted] = await waitFor('the refusal in the NodePool status', async () => ((await launchRefusals(s)).length === 1 ? launchRefusals(s) : undefined));
    expect(persisted).toMatchObject({ failures: 1, refusedAt: new Date(refusedAt).toISOString(), retryAt: new Date(refusedAt + BACKOFF.initial).toISOString() });
    expect(String(persisted.reason)).toContain('EC2NodeClass missing not found');
    await waitFor('the refused claim deleted', async () => (await nodeClaims(client)).length === 0);

    // The leader dies without releasing the lease; a new process takes over once the lease expires.
    await a.controller.crash();
    const b = await start('b');
    expect(b.controller.launchBackoff.list()).toEqual([]);
    await takeOver(clock, b.controller);
    expect(clock.now() - refusedAt).toBeGreaterThan(LEASE.leaseDurationSeconds * 1000);
    expect(clock.now() - refusedAt).toBeLessThan(BACKOFF.initial - 10_000);
    await b.controller.runner.runOnce('provisioner');
    await b.controller.runner.runOnce('provisioner');
    const key = String(persisted.key);
    expect(b.controller.launchBackoff.waiting(key)).toMatchObject({ failures: 1, retryAt: refusedAt + BACKOFF.initial });
    expect(claimsCreated(b.controller)).toBe(0);
    expect(b.controller.metrics.value('actions', { loop: 'provisioner', action: 'launch-backoff' })).toBeGreaterThan(0);
    expect(b.controller.metrics.value('actions', { loop: 'provisioner', action: 'launch-backoff-restored' })).toBe(1);

    // Just before the retry time: still waiting.
    await advance(clock, refusedAt + BACKOFF.initial - 1 - clock.now(), b.controller);
    await b.controller.runner.runOnce('provisioner');
    expect(claimsCreated(b.controller)).toBe(0);
    expect(await nodeClaims(client)).toHaveLength(0);

    // Past it: b plans the claim again, the cloud refuses again, and the wait doubles from a's count.
    await advance(clock, 2, b.controller);
    await b.controller.runner.runOnce('provisioner');
    expect(claimsCreated(b.controller)).toBe(1);
    await waitFor('b launched and was refused', () => refusals(b.controller) === 1, 30_000);
    const second = b.controller.launchBackoff.waiting(key);
    expect(second).toMatchObject({ failures: 2, retryAt: clock.now() + 2 * BACKOFF.initial });
    const [rewritten] = await waitFor('the second refusal in the status', async () => ((await launchRefusals(s))[0]?.failures === 2 ? launchRefusals(s) : undefined));
    expect(rewritten.retryAt).toBe(new Date(second!.retryAt).toISOString());
    expect(s.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(0);
  }, 120_000);

  it('a clean handover keeps the backoff as well', async () => {
    const { sandbox: s, clock, start } = await startSandboxWithMissingNodeClass();
    const a = await start('a');
    await waitFor('a leads', () => a.controller.isLeader());
    await s.env.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 1 }));
    await waitFor('the first refusal', () => refusals(a.controller) === 1, 30_000);
    await waitFor('the refusal in the NodePool status', async () => (await launchRefusals(s)).length === 1);
    await a.controller.stop();
    const b = await start('b');
    await waitFor('b leads', () => b.controller.isLeader() && b.controller.state.synced());
    await advance(clock, BACKOFF.initial / 2, b.controller);
    await b.controller.runner.runOnce('provisioner');
    expect(claimsCreated(b.controller)).toBe(0);
    expect(refusals(b.controller)).toBe(0);
  }, 120_000);

  it('a request EC2 rejects as invalid (InvalidParameterValue in the fleet Errors) is backed off and persisted the same way', async () => {
    const { sandbox: s, clock, start } = await startSandboxWithMissingNodeClass('default');
    s.ec2.fleetResponses.push({ Errors: [{ ErrorCode: 'InvalidParameterValue', ErrorMessage: 'bad block device mapping' }] });
    const a = await start('a');
    await waitFor('a leads', () => a.controller.isLeader());
    await s.env.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 1 }));
    await waitFor('the refusal', () => refusals(a.controller) === 1, 30_000);
    const [persisted] = await waitFor('the refusal in the NodePool status', async () => ((await launchRefusals(s)).length === 1 ? launchRefusals(s) : undefined));
    expect(String(persisted.reason)).toContain('InvalidParameterValue');
    expect(s.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(1);
    await a.controller.stop();
    const b = await start('b');
    await waitFor('b leads', () => b.controller.isLeader() && b.controller.state.synced());
    await advance(clock, BACKOFF.initial - 1_000, b.controller);
    await b.controller.runner.runOnce('provisioner');
    expect(claimsCreated(b.controller)).toBe(0);
    expect(s.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(1);
    // Past the wait the (now accepted) request launches.
    await advance(clock, 2_000, b.controller);
    await b.controller.runner.runOnce('provisioner');
    await waitFor('a second CreateFleet', () => s.ec2.mock.commandCalls(CreateFleetCommand).length === 2, 30_000);
    await waitFor('the instance launched', () => s.ec2.liveInstances().length === 1, 30_000);
    expect(refusals(b.controller)).toBe(0);
  }, 120_000);

  it('ignores garbage in status.launchRefusals with a warning, keeps the valid items, and the loop goes on', async () => {
    const { sandbox: s, clock, start } = await startSandboxWithMissingNodeClass();
    const client = s.env.sandbox.client;
    const pool = (await client.get(Refs.nodePools, 'ec2'))!;
    const validKey = launchKey('ec2', [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }]);
    const now = clock.now();
    await patchStatus(client, Refs.nodePools, 'ec2', undefined, {
      launchRefusals: [
        'not an object',
        { key: 'other|x', reason: 'another pool', failures: 1, refusedAt: new Date(now).toISOString(), retryAt: new Date(now + 60_000).toISOString() },
        { key: 'ec2|', failures: 'many', refusedAt: 'yesterday', retryAt: 'tomorrow' },
        { key: 'ec2|', failures: 2, refusedAt: 'yesterday', retryAt: new Date(now).toISOString() },
        { key: validKey, reason: 'hand-written', failures: 3, refusedAt: new Date(now).toISOString(), retryAt: new Date(now + 100 * 86_400_000).toISOString() },
      ],
    });
    expect(pool.metadata.name).toBe('ec2');
    const b = await start('b');
    await waitFor('b leads', () => b.controller.isLeader() && b.controller.state.synced());
    await waitFor('the garbage in the informer', () => Array.isArray(b.controller.state.nodePools.get('ec2')?.status?.launchRefusals));
    await b.controller.runner.runOnce('provisioner');

    expect(b.warnings).toHaveLength(1);
    const errors = (b.warnings[0].obj as { errors: string[] }).errors;
    expect(errors).toEqual([
      'status.launchRefusals[0]: not an object',
      expect.stringContaining("status.launchRefusals[1]: key \"other|x\" is not one of NodePool ec2's"),
      expect.stringContaining('status.launchRefusals[2]: failures must be an integer'),
      expect.stringContaining('status.launchRefusals[3]: refusedAt "yesterday" is not an RFC 3339 time'),
    ]);
    expect(b.events.events.filter((e) => e.reason === 'InvalidLaunchRefusals')).toHaveLength(1);
    // The valid item is honoured, its hand-written 100-day wait capped at the configured maximum.
    expect(b.controller.launchBackoff.waiting(validKey)).toMatchObject({ failures: 3, reason: 'hand-written', retryAt: clock.now() + BACKOFF.max });
    // Reported once, not on every pass.
    await b.controller.runner.runOnce('provisioner');
    expect(b.warnings).toHaveLength(1);
    // The provisioner still does its work: pods of an unrelated request are planned and tried.
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 1 }));
    await waitFor('a claim planned despite the garbage', () => claimsCreated(b.controller) >= 1, 30_000);
    expect(b.controller.metrics.value('loopRuns', { loop: 'provisioner', result: 'error' }) ?? 0).toBe(0);
  }, 120_000);
});
