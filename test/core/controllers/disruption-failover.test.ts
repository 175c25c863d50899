/**
 * A drain the disruption loop started survives a change of leader with its clock: the new leader
 * resumes it and abandons it (uncordon, `DisruptionBlocked`) when the drain timeout (10 min)
 * counted from the cordon — recorded on the Node — has passed, not 10 minutes after it took over.
 * On the sandbox at 50×; the disruption loop runs only when the test asks.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControllerOptions, RunningController } from '../../../core/controllers/controller.js';
import { cordon, DRAIN_STARTED_ANNOTATION, drainStartedAt } from '../../../core/controllers/drain.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { HttpKubeClient, type KubeObject } from '../../../core/kube/client.js';
import { ManualClock } from '../../../core/model/clock.js';
import { updateWithRetry } from '../../../core/kube/patch.js';
import { Refs } from '../../../core/kube/refs.js';
import { FaultyClient } from './faulty-client.js';
import { pdb, runDeployment, runningPods, waitFor } from './support.js';

const FAST: Partial<ControllerOptions> = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 36_000_000, 'garbage-collection': 36_000_000, forecaster: 60_000, config: 5_000 },
};
const DRAIN_TIMEOUT_MS = 600_000;

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const abandoned = (c: RunningController) => c.metrics.value('actions', { loop: 'disruption', action: 'drain-abandoned' }) ?? 0;

/** Two pods a PDB allows no disruption of, on one node; the previous leader cordoned it for a drain `ago` ms before now, then crashed. */
async function drainStartedBeforeFailover(ago: number, bOptions: (e: SandboxEnvironment) => Partial<ControllerOptions> = () => ({}), beforeTakeover: (node: string) => void = () => {}, protectedByPdb = true, mode: 'observe' | 'optimize' = 'optimize'): Promise<{ e: SandboxEnvironment; b: RunningController; node: string; takenOverAt: number }> {
  const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST, mode }));
  const client = e.sandbox.client;
  const a = await e.startController('a');
  await waitFor('a leads', () => a.isLeader());
  if (protectedByPdb) await client.create(Refs.pdbs, pdb('default', 'web', 'web', 0));
  const pods = await runDeployment(client, 'default', 'web', 2);
  const node = pods[0].spec.nodeName as string;
  expect(pods[1].spec.nodeName).toBe(node);
  // What a's disruption loop wrote when it decided to drain the node, just before it died (written
  // after the crash here: a live a would resume the drain itself, on the node change).
  await a.crash();
  expect(await cordon(client, node, e.sandbox.clock.now() - ago)).toBe('cordoned');
  const b = await e.startController('b', bOptions(e));
  await waitFor('b has the cordon in its cache', () => b.state.nodes.get(node)?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION] !== undefined);
  beforeTakeover(node);
  await waitFor('b takes over', () => b.isLeader() && b.state.synced(), 30_000);
  return { e, b, node, takenOverAt: e.sandbox.clock.now() };
}

/**
 * The same failover (drain started 11 min before; with `timedOut` false, 1 min before and no PDB),
 * b talking through a FaultyClient set up by `beforeTakeover`.
 */
async function failoverThroughFaultyClient(name: string, beforeTakeover: (faulty: FaultyClient, node: string) => void, timedOut = true) {
  let faulty: FaultyClient | undefined;
  const result = await drainStartedBeforeFailover(
    timedOut ? DRAIN_TIMEOUT_MS + 60_000 : 60_000,
    (e) => {
      const kc = new KubeConfig();
      kc.loadFromString(e.sandbox.kubeconfig);
      // FaultyClient's clock only times refusals, which these tests do not ask for.
      faulty = new FaultyClient(new HttpKubeClient(kc, name), new ManualClock(0));
      return { client: faulty };
    },
    (node) => beforeTakeover(faulty!, node),
    timedOut,
  );
  return { ...result, faulty: faulty! };
}

describe('a drain across a change of leader', () => {
  it('in observe mode, a drain the previous leader started is stopped before anything is evicted: the node uncordoned, the pods stay', async () => {
    const { e, b, node } = await drainStartedBeforeFailover(60_000, () => ({}), () => {}, false, 'observe');
    await b.runner.runOnce('disruption');
    await waitFor('the drain cancelled', () => (b.metrics.value('actions', { loop: 'disruption', action: 'drain-cancelled' }) ?? 0) === 1);
    expect(b.loops.disruption.evicted).toEqual([]);
    expect((await e.sandbox.client.get(Refs.nodes, node))?.spec?.unschedulable).toBe(false);
    expect(await runningPods(e.sandbox.client, 'default', 'web')).toHaveLength(2);
    const events = (await e.sandbox.client.list(Refs.events)).items.filter((ev) => ev.reason === 'DisruptionCancelled');
    expect(events.map((ev) => ev.message)).toEqual(['observe mode: 2 pod(s) would be evicted; drain stopped, the node stays']);
  }, 120_000);

  it('is abandoned at once by the new leader when it started more than the timeout ago', async () => {
    const { e, b, node, takenOverAt } = await drainStartedBeforeFailover(DRAIN_TIMEOUT_MS + 60_000);
    // (b's first pass on taking the lease may already have done it.)
    await b.runner.runOnce('disruption');
    await waitFor('the drain abandoned', () => abandoned(b) === 1);
    // Once: the pass after it (the cache may still show the node cordoned) does not take the drain up again.
    await b.runner.runOnce('disruption');
    expect(abandoned(b)).toBe(1);
    expect(e.sandbox.clock.now() - takenOverAt).toBeLessThan(DRAIN_TIMEOUT_MS / 2);
    const after = await e.sandbox.client.get(Refs.nodes, node);
    expect(after?.spec?.unschedulable).toBe(false);
    expect(after?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION]).toBeUndefined();
    expect(await runningPods(e.sandbox.client, 'default', 'web')).toHaveLength(2);
  }, 120_000);

  it('once abandoned, is not taken up again from a cache that still shows the node cordoned', async () => {
    // From b's takeover its cache of Nodes shows nothing new: its own uncordon included.
    const { e, b, node, faulty } = await failoverThroughFaultyClient('lagging', (faulty) => faulty.delayWatchEvents('nodes'));
    await b.runner.runOnce('disruption');
    await waitFor('the drain abandoned', () => abandoned(b) === 1);
    expect(b.state.nodes.get(node)?.spec?.unschedulable).toBe(true); // the cache lags
    expect((await e.sandbox.client.get(Refs.nodes, node))?.spec?.unschedulable).toBe(false);
    for (let i = 0; i < 3; i++) await b.runner.runOnce('disruption');
    expect(abandoned(b)).toBe(1);
    expect(b.loops.disruption.evicted).toEqual([]);
    faulty.releaseWatchEvents('nodes');
  }, 120_000);

  it('an uncordon that fails when the drain is abandoned is retried on the next pass, not left cordoned', async () => {
    // Before b leads: its first pass (automatic or ours) abandons the drain and its uncordon fails.
    const { e, b, node, faulty } = await failoverThroughFaultyClient('flaky', (faulty, node) => faulty.failReplaces('nodes', node));
    await b.runner.runOnce('disruption').catch(() => undefined);
    await waitFor('the failed uncordon', () => faulty.failedReplaces === 1);
    // (The runner may already have retried the failed pass on its own.)
    await b.runner.runOnce('disruption');
    expect(abandoned(b)).toBe(1);
    const after = await e.sandbox.client.get(Refs.nodes, node);
    expect(after?.spec?.unschedulable).toBe(false);
    expect(after?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION]).toBeUndefined();
    expect(b.loops.disruption.evicted).toEqual([]);
  }, 120_000);

  it('a failed uncordon is not retried once the node was cordoned again for another drain', async () => {
    // Every uncordon of b fails until the node carries another drain's start (another leader's,
    // written while b was not leading): then b's retry must leave that drain alone.
    const { e, b, node, faulty } = await failoverThroughFaultyClient('flaky', (faulty, node) => faulty.failReplaces('nodes', node, 1_000));
    await b.runner.runOnce('disruption').catch(() => undefined);
    await waitFor('a failed uncordon', () => faulty.failedReplaces >= 1);
    const otherDrain = new Date(e.sandbox.clock.now()).toISOString();
    await updateWithRetry(e.sandbox.client, Refs.nodes, node, undefined, (fresh) => {
      fresh.metadata.annotations = { ...fresh.metadata.annotations, [DRAIN_STARTED_ANNOTATION]: otherDrain };
      return fresh;
    });
    await waitFor('b sees the other drain', () => b.state.nodes.get(node)?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION] === otherDrain);
    faulty.failReplaces('nodes', node, 0);
    await b.runner.runOnce('disruption');
    const after = await e.sandbox.client.get(Refs.nodes, node);
    expect(after?.spec?.unschedulable).toBe(true);
    expect(after?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION]).toBe(otherDrain);
    expect(abandoned(b)).toBe(0);
  }, 120_000);

  it('past its timeout, is abandoned without evicting pods it could now evict', async () => {
    // No PDB: every pod could be evicted. The drain was decided 11 minutes ago by the previous
    // leader; evicting its pods only to uncordon the node after would disrupt them for nothing.
    const { e, b, node } = await drainStartedBeforeFailover(DRAIN_TIMEOUT_MS + 60_000, undefined, undefined, false);
    await b.runner.runOnce('disruption');
    await waitFor('the drain abandoned', () => abandoned(b) === 1);
    expect(b.loops.disruption.evicted).toEqual([]);
    const after = await e.sandbox.client.get(Refs.nodes, node);
    expect(after?.spec?.unschedulable).toBe(false);
    const pods = await runningPods(e.sandbox.client, 'default', 'web');
    expect(pods.map((p) => p.spec.nodeName)).toEqual([node, node]);
  }, 120_000);

  it('is held for what is left of the timeout when it started recently', async () => {
    const { e, b } = await drainStartedBeforeFailover(60_000);
    await b.runner.runOnce('disruption');
    expect(abandoned(b)).toBe(0);
    // 9.5 minutes after the takeover the drain has run 10.5: abandoned (it had 10 from b's start before).
    await e.sandbox.clock.sleep(DRAIN_TIMEOUT_MS - 30_000);
    await b.runner.runOnce('disruption');
    expect(abandoned(b)).toBe(1);
  }, 120_000);
});

const cancelled = (c: RunningController) => c.metrics.value('actions', { loop: 'disruption', action: 'drain-cancelled' }) ?? 0;

describe('a drain someone else ends', () => {
  it('stops when a user uncordons the node: nothing more evicted, our taint removed, the node kept', async () => {
    // Started a minute ago; the PDB holds both pods, so the drain is in progress when the user steps in.
    const { e, b, node } = await drainStartedBeforeFailover(60_000);
    await b.runner.runOnce('disruption');
    expect(abandoned(b)).toBe(0);
    // `kubectl uncordon`: spec.unschedulable false; it knows nothing of our taint.
    await updateWithRetry(e.sandbox.client, Refs.nodes, node, undefined, (fresh) => {
      fresh.spec = { ...fresh.spec, unschedulable: false };
      return fresh;
    });
    await waitFor('b sees the uncordon', () => b.state.nodes.get(node)?.spec?.unschedulable === false);
    // The PDB is lifted: a drain that went on would now evict both pods.
    await e.sandbox.client.delete(Refs.pdbs, 'web', 'default');
    await waitFor('b sees the PDB gone', () => b.state.pdbs.list().length === 0);
    await b.runner.runOnce('disruption');
    expect(cancelled(b)).toBe(1);
    const after = await e.sandbox.client.get(Refs.nodes, node);
    expect(after?.spec?.taints ?? []).toEqual([]);
    expect(after?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION]).toBeUndefined();
    // Passes after it (the cache may still show our taint) neither evict nor take the drain up again.
    for (let i = 0; i < 3; i++) await b.runner.runOnce('disruption');
    expect(b.loops.disruption.evicted).toEqual([]);
    expect(cancelled(b)).toBe(1);
    expect((await runningPods(e.sandbox.client, 'default', 'web')).map((p) => p.spec.nodeName)).toEqual([node, node]);
    expect(abandoned(b)).toBe(0);
  }, 120_000);

  it('a finished drain is not taken up again from a cache that has not seen its claim deleted', async () => {
    // No PDB: the resumed drain evicts both pods and deletes the claim; b's NodeClaim watch is
    // held back from then on, so its cache still shows the claim alive and the node tainted.
    const { b, node, faulty } = await failoverThroughFaultyClient('lagging-claims', () => {}, false);
    const deletes = () => b.metrics.value('actions', { loop: 'disruption', action: 'delete-claim' }) ?? 0;
    await b.runner.runOnce('disruption');
    await waitFor('both pods evicted', () => b.loops.disruption.evicted.length === 2);
    faulty.delayWatchEvents('nodeclaims');
    await waitFor('the claim deleted', async () => {
      await b.runner.runOnce('disruption');
      return deletes() >= 1;
    }, 60_000, 200);
    for (let i = 0; i < 3; i++) await b.runner.runOnce('disruption');
    expect(deletes()).toBe(1);
    expect(b.state.nodes.get(node)).toBeDefined(); // still there, tainted, in b's view
    faulty.releaseWatchEvents('nodeclaims');
  }, 120_000);

  it('after a term without the lease, a drain is taken up as the cluster shows it, not as remembered', async () => {
    // b resumes a drain started 9 minutes ago (timeout 10) and then loses the lease. Meanwhile
    // another leader abandons that drain and starts a new one on the same node. When b leads again
    // 2 minutes later, the drain on the node is 2 minutes old, not 11: it must not be abandoned.
    const { e, b, node } = await drainStartedBeforeFailover(DRAIN_TIMEOUT_MS - 60_000);
    await b.runner.runOnce('disruption');
    expect(abandoned(b)).toBe(0);
    b.runner.leadershipLost(); // what the elector's onStoppedLeading does
    const otherDrain = new Date(e.sandbox.clock.now()).toISOString();
    await updateWithRetry(e.sandbox.client, Refs.nodes, node, undefined, (fresh) => {
      fresh.metadata.annotations = { ...fresh.metadata.annotations, [DRAIN_STARTED_ANNOTATION]: otherDrain };
      return fresh;
    });
    await waitFor('b sees the other drain', () => b.state.nodes.get(node)?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION] === otherDrain);
    await e.sandbox.clock.sleep(120_000);
    await b.runner.runOnce('disruption');
    expect(abandoned(b)).toBe(0);
    const after = await e.sandbox.client.get(Refs.nodes, node);
    expect(after?.spec?.unschedulable).toBe(true);
    expect(after?.metadata.annotations?.[DRAIN_STARTED_ANNOTATION]).toBe(otherDrain);
  }, 120_000);
});

describe('drainStartedAt', () => {
  const node = (value?: string) => ({ metadata: { name: 'n', annotations: value === undefined ? {} : { [DRAIN_STARTED_ANNOTATION]: value } } });
  it.each([
    { value: '2026-12-05T00:00:00.000Z', expected: Date.parse('2026-12-05T00:00:00.000Z') },
    { value: undefined, expected: undefined },
    { value: 'yesterday', expected: undefined },
    { value: '2026-12-05T02:00:00.000Z', expected: undefined }, // ahead of now: not trusted
  ])('$value → $expected', ({ value, expected }) => {
    expect(drainStartedAt(node(value) as KubeObject, Date.parse('2026-12-05T01:00:00.000Z'))).toBe(expected);
  });
});
