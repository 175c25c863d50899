/**
 * A launch the cloud refuses as invalid (here: the pool's EC2NodeClass does not exist) is not
 * asked for again every pass: the lifecycle deletes the claim and backs its pool + requirements
 * off (doubling waits), tells the NodePool why (a Warning Event, `Launchable=False`), and once the
 * configuration is fixed the next attempt launches. On the EC2 sandbox, 50× real time.
 */
import { CreateFleetCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { Refs } from '../../../core/kube/refs.js';
import { nodeClassSpec } from '../cloud/ec2/builders.js';
import { EC2_LOOPS, ec2NodePool, startEc2Sandbox, type Ec2Sandbox } from '../cloud/ec2/sandbox-ec2.js';
import { deployment, runningPods, waitFor } from './support.js';

let sandbox: Ec2Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

const BACKOFF = { initial: 10_000, max: 120_000 };
const MINUTES = 20;

/** Launch times 0, 10 s, 30 s, 70 s, 150 s, then every 2 min: how many fit in `ms` (plus one pass of slack each way). */
function expectedAttempts(ms: number): number {
  let n = 0;
  for (let t = 0, wait = BACKOFF.initial; t <= ms; t += wait, wait = Math.min(BACKOFF.max, wait * 2)) n++;
  return n;
}

describe('a claim the cloud refuses as invalid', () => {
  it('is retried with a doubling backoff, reported on the NodePool, and launches once the node class exists', async () => {
    const pool = ec2NodePool();
    pool.spec.template.spec.nodeClassRef.name = 'missing';
    sandbox = await startEc2Sandbox({ sandbox: { nodePool: pool, controller: { ...EC2_LOOPS, invalidClaimBackoffMs: BACKOFF } } });
    const events = new RecordingControllerEvents();
    const { controller } = await sandbox.startController('a', { events });
    await waitFor('leadership', () => controller.isLeader());
    const client = sandbox.env.sandbox.client;
    const clock = sandbox.env.sandbox.clock;
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));
    const refusals = () => controller.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'invalid-claim' }) ?? 0;
    await waitFor('the first refusal', () => refusals() > 0, 30_000);
    const start = clock.now();
    await waitFor(`${MINUTES} minutes of clock time`, () => clock.now() - start >= MINUTES * 60_000, 120_000, 200);

    // Without the backoff every 2 s pass re-created the claim; with it, the doubling schedule.
    const attempts = refusals();
    expect(attempts).toBeGreaterThanOrEqual(expectedAttempts(MINUTES * 60_000) - 2);
    expect(attempts).toBeLessThanOrEqual(expectedAttempts(MINUTES * 60_000) + 2);
    expect(sandbox.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(0);
    const warnings = events.events.filter((e) => e.object.kind === 'NodePool' && e.reason === 'InvalidNodeClaim');
    expect(warnings.length).toBe(attempts);
    expect(warnings[0]).toMatchObject({ type: 'Warning', object: { name: 'ec2' } });
    expect(warnings[0].message).toContain('EC2NodeClass missing not found');
    const launchable = async () => ((await client.get(Refs.nodePools, 'ec2'))?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Launchable');
    expect(await waitFor('Launchable=False', async () => ((await launchable())?.status === 'False' ? launchable() : undefined))).toMatchObject({ reason: 'InvalidNodeClaim' });
    expect((await launchable()).message).toContain('EC2NodeClass missing not found');

    // Fixed: the node class appears; the next attempt (at most 2 min of clock time away) launches.
    await client.create(Refs.ec2NodeClasses, { apiVersion: 'smartscale.io/v1', kind: 'EC2NodeClass', metadata: { name: 'missing' }, spec: nodeClassSpec() });
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'web')).length === 2, 60_000);
    expect(sandbox.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(1);
    await waitFor('Launchable=True', async () => (await launchable())?.status === 'True', 20_000);
    expect(controller.launchBackoff.list()).toEqual([]);
    // The persisted backoff is cleared too (a later leader must not revive it: ADR 095).
    await waitFor('status.launchRefusals cleared', async () => ((await client.get(Refs.nodePools, 'ec2'))?.status?.launchRefusals ?? ['?']).length === 0, 20_000);
  }, 180_000);
});
