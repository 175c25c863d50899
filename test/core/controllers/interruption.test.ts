/**
 * Interruptions on the sandbox: the simulated cloud announces, on its queue, what EC2's EventBridge
 * events would. Observe mode only says what it would do; a rebalance recommendation is a note; in
 * optimize mode a spot reclaim drains the node at once — its pods run on a new node (not bought
 * from the reclaimed spot offering) before the instance is gone two minutes later.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ControllerOptions, RunningController } from '../../../core/controllers/controller.js';
import { INTERRUPTION_ANNOTATION, SCHEDULED_CHANGE_ANNOTATION, SCHEDULED_CHANGE_AT_ANNOTATION } from '../../../core/controllers/interruption.js';
import { demoNodePool, startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { updateWithRetry } from '../../../core/kube/patch.js';
import { Refs } from '../../../core/kube/refs.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../../../core/model/cluster-config.js';
import { nodeClaims, runDeployment, untilRunning, waitFor } from './support.js';

const FAST: Partial<ControllerOptions> = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 5_000, 'node-repair': 36_000_000, 'cloud-drift': 36_000_000, interruption: 1_000, 'garbage-collection': 10_000, forecaster: 60_000, config: 5_000 },
  validationMs: 5_000,
};

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

function spotPool() {
  const pool = demoNodePool('spot');
  pool.spec.template.spec.requirements = [
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
    { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
  ];
  return pool;
}

async function mode(e: SandboxEnvironment, c: RunningController, value: 'optimize' | 'observe'): Promise<void> {
  await updateWithRetry(e.sandbox.client, Refs.configMaps, CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE, (fresh) => {
    fresh.data = { ...fresh.data, mode: value };
    return fresh;
  });
  await waitFor(`the controller sees ${value}`, () => c.state.config().cluster.mode === value);
}

const actions = (c: RunningController, action: string) => c.metrics.value('actions', { loop: 'interruption', action }) ?? 0;

describe('interruptions', () => {
  it('observe mode says; a rebalance is a note; a retirement days ahead is a graceful replacement; a spot reclaim drains the node before it goes, onto another offering', async () => {
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, nodePool: spotPool(), controller: FAST }));
    const api = e.sandbox.client;
    const c = await e.startController('a');
    await waitFor('leader', () => c.isLeader() && c.state.synced());
    const pods = await runDeployment(api, 'default', 'web', 2);
    const oldNode = pods[0].spec.nodeName as string;
    const claim = await waitFor('the claim records its node', async () => (await nodeClaims(api)).find((o) => o.status?.nodeName === oldNode), 20_000);
    const { providerID, capacityType } = claim.status;
    expect(capacityType).toBe('spot');
    const said = async (reason: string) => (await api.list(Refs.events)).items.filter((ev) => ev.reason === reason);

    // Someone else's instance: acknowledged, counted, nothing else.
    e.cloud.interruptions.send('SpotInterruption', ['i-0123456789abcdef0'], 'spot instance terminate in two minutes');
    await waitFor('unknown instance', () => actions(c, 'unknown-instance') === 1, 10_000);

    // A rebalance recommendation: a note on the node.
    e.cloud.interrupt(providerID, 'RebalanceRecommendation');
    await waitFor('the rebalance Event', async () => (await said('RebalanceRecommendation')).length === 1, 10_000);

    // Observe mode (the default): a scheduled change starting in 10 minutes is reported, not acted on.
    e.cloud.interrupt(providerID, 'ScheduledChange', 10 * 60_000);
    const would = await waitFor('the WouldHandleInterruption Event', async () => {
      const events = await said('WouldHandleInterruption');
      return events.length === 1 ? events : undefined;
    }, 10_000);
    expect(would[0].message).toContain('ScheduledChange: AWS Health scheduled change');
    expect((await api.get(Refs.nodeClaims, claim.metadata.name!))?.metadata.deletionTimestamp).toBeUndefined();
    // Handled messages are acknowledged: none comes back.
    await waitFor('the queue drained', () => e.cloud.interruptions.pending() === 0, 10_000);
    await e.sandbox.clock.sleep(40_000);
    expect(await said('WouldHandleInterruption')).toHaveLength(1);

    // A retirement announced days ahead: recorded on the claim; in optimize mode the disruption
    // planner replaces the node ahead of it (its replacement first), not a drain now.
    e.cloud.interrupt(providerID, 'ScheduledChange', 3 * 86_400_000);
    await waitFor('the scheduled change recorded', async () => (await api.get(Refs.nodeClaims, claim.metadata.name!))?.metadata.annotations?.[SCHEDULED_CHANGE_ANNOTATION]?.startsWith('ScheduledChange: AWS Health scheduled change at '), 10_000);
    expect(await said('ScheduledChange')).toHaveLength(1);
    await updateWithRetry(api, Refs.configMaps, CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE, (fresh) => {
      fresh.data = { ...fresh.data, mode: 'optimize' };
      return fresh;
    });
    await waitFor('the controller sees optimize', () => c.state.config().cluster.mode === 'optimize');
    await waitFor('the retiring claim replaced', async () => (await api.get(Refs.nodeClaims, claim.metadata.name!)) === undefined, 60_000, 100);
    expect(c.metrics.value('actions', { loop: 'disruption', action: 'disrupt-drifted' })).toBe(1);
    expect(actions(c, 'drain')).toBe(0);
    const onNew = await untilRunning(api, 'default', 'web', 2, { awayFrom: oldNode, timeoutMs: 60_000 });
    const spotNode = onNew[0].spec.nodeName as string;
    const spotClaim = (await nodeClaims(api)).find((o) => o.status?.nodeName === spotNode)!;
    const reclaimed = { instanceType: spotClaim.status.instanceType, zone: spotClaim.status.zone };

    // A spot reclaim drains the node now.
    const noticeAt = e.sandbox.clock.now();
    e.cloud.interrupt(spotClaim.status.providerID, 'SpotInterruption');
    await waitFor('the claim marked and deleted', async () => {
      const o = await api.get(Refs.nodeClaims, spotClaim.metadata.name!);
      return o === undefined || (o.metadata.deletionTimestamp && o.metadata.annotations?.[INTERRUPTION_ANNOTATION]?.startsWith('SpotInterruption'));
    }, 10_000, 20);
    expect(c.unavailable.isUnavailable({ ...reclaimed, capacityType: 'spot' })).toBe(true);
    const moved = await untilRunning(api, 'default', 'web', 2, { awayFrom: spotNode, timeoutMs: 60_000 });
    // Before the instance would have been reclaimed (two minutes after the notice; drained, it was
    // terminated by the claim's deletion already).
    expect(e.sandbox.clock.now() - noticeAt).toBeLessThan(120_000);
    const replacement = (await nodeClaims(api)).find((o) => o.status?.nodeName === moved[0].spec.nodeName)!;
    expect(`${replacement.status.instanceType}/${replacement.status.zone}/${replacement.status.capacityType}`).not.toBe(`${reclaimed.instanceType}/${reclaimed.zone}/spot`);
    expect(actions(c, 'drain')).toBe(1);
    expect((await said('Interrupted')).length).toBeGreaterThanOrEqual(1);
    // How much of the notice the queue took: a few seconds of sandbox time (the loop polls every second).
    const latency = c.metrics.value('interruptionLatency', { kind: 'SpotInterruption' });
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(latency).toBeLessThan(10);
  }, 120_000);

  it('a scheduled change the planner cannot replace in time (a Drifted budget of 0) is drained 30 minutes before it starts; a closed one is forgotten', async () => {
    const pool = spotPool();
    pool.spec.disruption.budgets = [{ nodes: '0', reasons: ['Drifted'] }, { nodes: '2' }];
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, nodePool: pool, controller: FAST }));
    const api = e.sandbox.client;
    const c = await e.startController('a');
    await waitFor('leader', () => c.isLeader() && c.state.synced());
    await mode(e, c, 'optimize');
    const pods = await runDeployment(api, 'default', 'web', 2);
    const node = pods[0].spec.nodeName as string;
    const claim = await waitFor('the claim records its node', async () => (await nodeClaims(api)).find((o) => o.status?.nodeName === node), 20_000);
    const name = claim.metadata.name!;
    const instanceId = String(claim.status.providerID).split('/').pop()!;
    const annotations = async () => (await api.get(Refs.nodeClaims, name))?.metadata.annotations ?? {};

    // Announced, then closed (cancelled): the record goes, nothing is replaced.
    const start = e.sandbox.clock.now() + 3 * 86_400_000;
    e.cloud.interruptions.send('ScheduledChange', [instanceId], 'AWS Health scheduled change', start);
    await waitFor('recorded', async () => (await annotations())[SCHEDULED_CHANGE_AT_ANNOTATION] === new Date(start).toISOString(), 10_000);
    e.cloud.interruptions.send('ScheduledChange', [instanceId], 'AWS Health scheduled change', start, true);
    await waitFor('forgotten', async () => (await annotations())[SCHEDULED_CHANGE_ANNOTATION] === undefined && (await annotations())[SCHEDULED_CHANGE_AT_ANNOTATION] === undefined, 10_000);
    expect(actions(c, 'scheduled-cleared')).toBe(1);

    // Announced 40 minutes ahead: recorded (the planner's budget holds the replacement back) ...
    e.cloud.interrupt(claim.status.providerID, 'ScheduledChange', 40 * 60_000);
    await waitFor('recorded again', async () => (await annotations())[SCHEDULED_CHANGE_ANNOTATION] !== undefined, 10_000);
    await e.sandbox.clock.sleep(5 * 60_000);
    expect((await api.get(Refs.nodeClaims, name))?.metadata.deletionTimestamp).toBeUndefined();
    expect(c.metrics.value('actions', { loop: 'disruption', action: 'disrupt-drifted' }) ?? 0).toBe(0);
    // ... and drained once the start is 30 minutes away, before the cloud takes the instance.
    await waitFor('drained before the change', async () => {
      const o = await api.get(Refs.nodeClaims, name);
      return o === undefined || (o.metadata.deletionTimestamp && o.metadata.annotations?.[INTERRUPTION_ANNOTATION]?.startsWith('ScheduledChange'));
    }, 30_000, 50);
    expect(actions(c, 'drain')).toBe(1);
    await untilRunning(api, 'default', 'web', 2, { awayFrom: node, timeoutMs: 60_000 });
  }, 120_000);
});
