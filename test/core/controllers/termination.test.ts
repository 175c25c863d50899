/**
 * A NodeClaim deleted by a user (`kubectl delete nodeclaim`) on the sandbox: the termination
 * finalizer cordons and drains its node through the Eviction API (PodDisruptionBudgets honoured,
 * do-not-disrupt pods waited for up to the termination grace period) before the Node is deleted,
 * the instance terminated and, last, the finalizer removed; a new leader resumes a drain midway.
 * The disruption loop is kept out of the way (a 10 h interval) so only the termination acts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import type { CloudProvider } from '../../../core/cloud/provider.js';
import type { NodeClaim } from '../../../core/model/node-claim.js';
import { Annotations } from '../../../core/model/annotations.js';
import { TERMINATION_FINALIZER } from '../../../core/controllers/claims.js';
import type { ControllerOptions, RunningController } from '../../../core/controllers/controller.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { deployment, nodeClaims, pdb, runningPods, waitFor } from './support.js';

const FAST: Partial<ControllerOptions> = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 36_000_000, 'garbage-collection': 36_000_000, forecaster: 60_000, config: 5_000 },
};

/** What the cluster looked like at the moment the instance was terminated. */
interface TerminationRecord {
  claim: string;
  at: number;
  nodeExists: boolean;
  podsOnNode: string[];
  claimFinalizers: string[] | undefined;
}

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

async function start(options: { podShutdownMs?: number } = {}): Promise<{ e: SandboxEnvironment; cloud: CloudProvider; terminations: TerminationRecord[] }> {
  const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST, ...options }));
  const terminations: TerminationRecord[] = [];
  const api = e.sandbox.client;
  const cloud: CloudProvider = {
    name: 'recording',
    create: (c) => e.cloud.create(c),
    delete: async (target) => {
      const claim = target as NodeClaim;
      const node = claim.status?.nodeName;
      const claimObject = await api.get(Refs.nodeClaims, claim.name);
      terminations.push({
        claim: claim.name,
        at: e.sandbox.clock.now(),
        nodeExists: node ? (await api.get(Refs.nodes, node)) !== undefined : false,
        podsOnNode: (await api.list(Refs.pods)).items.filter((p) => node && p.spec?.nodeName === node).map((p) => p.metadata.name!),
        claimFinalizers: claimObject?.metadata.finalizers,
      });
      return e.cloud.delete(target);
    },
    get: (id) => e.cloud.get(id),
    list: () => e.cloud.list(),
    getInstanceTypes: (p) => e.cloud.getInstanceTypes(p),
  };
  return { e, cloud, terminations };
}

/** Runs `replicas` pods of `app` on one launched node; returns that node's claim and name. */
async function podsOnOneNode(e: SandboxEnvironment, app: string, replicas: number, podAnnotations: Record<string, string> = {}): Promise<{ claim: string; node: string }> {
  const d = deployment('default', app, { replicas });
  d.spec.template.metadata.annotations = podAnnotations;
  await e.sandbox.client.create(Refs.deployments, d);
  const pods = await waitFor(`${replicas} running ${app} pods`, async () => {
    const running = await runningPods(e.sandbox.client, 'default', app);
    return running.length === replicas ? running : undefined;
  }, 40_000);
  const nodes = new Set(pods.map((p) => p.spec.nodeName));
  expect(nodes.size).toBe(1);
  const node = [...nodes][0] as string;
  const claims = await waitFor('the claim records its node', async () => (await nodeClaims(e.sandbox.client)).find((c) => c.status?.nodeName === node), 20_000);
  return { claim: claims.metadata.name!, node };
}

async function nodeObject(e: SandboxEnvironment, node: string): Promise<KubeObject | undefined> {
  return e.sandbox.client.get(Refs.nodes, node);
}

async function podsOn(e: SandboxEnvironment, node: string, app: string): Promise<string[]> {
  return (await runningPods(e.sandbox.client, 'default', app)).filter((p) => p.spec.nodeName === node).map((p) => p.metadata.name!);
}

describe('termination of a user-deleted NodeClaim', () => {
  it('cordons, waits on the PDB, evicts, and only then deletes the Node, terminates the instance and removes the finalizer', async () => {
    const { e, cloud, terminations } = await start();
    const c = await e.startController('a', { cloud });
    await waitFor('leader', () => c.isLeader());
    await e.sandbox.client.create(Refs.pdbs, pdb('default', 'web', 'web', 0));
    const { claim, node } = await podsOnOneNode(e, 'web', 2);

    await e.sandbox.client.delete(Refs.nodeClaims, claim); // kubectl delete nodeclaim
    await waitFor('node cordoned', async () => (await nodeObject(e, node))?.spec?.unschedulable === true, 20_000);
    // The PDB allows no disruption: 2 minutes later nothing was evicted and nothing terminated.
    await e.sandbox.clock.sleep(120_000);
    expect(await podsOn(e, node, 'web')).toHaveLength(2);
    expect(c.loops.lifecycle.evicted).toEqual([]);
    expect(terminations).toEqual([]);
    const deleting = await e.sandbox.client.get(Refs.nodeClaims, claim);
    expect(deleting?.metadata.deletionTimestamp).toBeDefined();
    expect((await e.cloud.list()).map((i) => i.name)).toContain(claim);

    // The budget allows one at a time: both pods leave (each replacement Ready before the next).
    await e.sandbox.client.patch(Refs.pdbs, 'web', 'default', { spec: { maxUnavailable: 1 } }, 'merge');
    await waitFor('claim gone', async () => (await e.sandbox.client.get(Refs.nodeClaims, claim)) === undefined, 60_000);
    expect(c.loops.lifecycle.evicted).toHaveLength(2);
    const [t] = terminations.filter((x) => x.claim === claim);
    expect(t).toMatchObject({ nodeExists: false, podsOnNode: [], claimFinalizers: [TERMINATION_FINALIZER] });
    expect((await e.cloud.list()).map((i) => i.name)).not.toContain(claim);
    expect(await nodeObject(e, node)).toBeUndefined();
    await waitFor('2 web pods running elsewhere', async () => (await runningPods(e.sandbox.client, 'default', 'web')).length === 2, 40_000);
    expect(c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'evict' })).toBe(2);
  }, 120_000);

  it('with graceful shutdown (evicted pods terminate for 15 s), the Node and the instance go only once the pods have finished', async () => {
    const { e, cloud, terminations } = await start({ podShutdownMs: 15_000 });
    const api = e.sandbox.client;
    const c = await e.startController('a', { cloud });
    await waitFor('leader', () => c.isLeader());
    const { claim, node } = await podsOnOneNode(e, 'web', 2);
    await api.delete(Refs.nodeClaims, claim);
    const leaving = await waitFor('both pods evicted, terminating on the node', async () => {
      const pods = (await api.list(Refs.pods, { namespace: 'default', labelSelector: 'app=web' })).items.filter((p) => p.spec.nodeName === node && p.metadata.deletionTimestamp);
      return pods.length === 2 ? pods : undefined;
    }, 20_000, 20);
    // When their shutdowns end, from the API's own record: deletionTimestamp = eviction + the 30 s
    // grace period (to the second), and the kubelet takes 15 s of it.
    const shutdownsEnd = Math.max(...leaving.map((p) => Date.parse(p.metadata.deletionTimestamp ?? '') - 30_000 + 15_000));
    // While they shut down the node stays, and nothing is evicted twice.
    expect(terminations).toEqual([]);
    expect(await nodeObject(e, node)).toBeDefined();
    await waitFor('claim gone', async () => (await api.get(Refs.nodeClaims, claim)) === undefined, 60_000);
    const [t] = terminations.filter((x) => x.claim === claim);
    expect(t).toMatchObject({ nodeExists: false, podsOnNode: [] });
    // The instance went no earlier than the shutdowns' end (less the second the timestamps round off).
    expect(t.at).toBeGreaterThanOrEqual(shutdownsEnd - 1_000);
    // Each pod evicted once: a pass that ran before the cache showed one terminating did not ask again.
    expect(c.loops.lifecycle.evicted).toHaveLength(2);
    expect(c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'evict' })).toBe(2);
  }, 120_000);

  it('a new leader resumes a drain the previous one started', async () => {
    const { e, cloud, terminations } = await start();
    const a = await e.startController('a', { cloud });
    await waitFor('a leads', () => a.isLeader());
    await e.sandbox.client.create(Refs.pdbs, pdb('default', 'web', 'web', 0));
    const { claim, node } = await podsOnOneNode(e, 'web', 2);
    await e.sandbox.client.delete(Refs.nodeClaims, claim);
    await waitFor('a cordoned the node', () => a.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'cordon' }) === 1, 20_000);
    await a.crash();

    const b = await e.startController('b', { cloud });
    await waitFor('b takes over', () => b.isLeader(), 30_000);
    await e.sandbox.client.patch(Refs.pdbs, 'web', 'default', { spec: { maxUnavailable: 1 } }, 'merge');
    await waitFor('claim gone', async () => (await e.sandbox.client.get(Refs.nodeClaims, claim)) === undefined, 60_000);
    // b found the node already cordoned and went on evicting; the instance went after the drain.
    expect(b.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'cordon' })).toBeUndefined();
    expect(b.loops.lifecycle.evicted).toHaveLength(2);
    expect(a.loops.lifecycle.evicted).toEqual([]);
    // (A pass that runs before the cache shows the finalizer gone may call delete again: NotFound, harmless.)
    const calls = terminations.filter((x) => x.claim === claim);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[0]).toMatchObject({ nodeExists: false, podsOnNode: [], claimFinalizers: [TERMINATION_FINALIZER] });
    for (const call of calls) expect(call).toMatchObject({ nodeExists: false, podsOnNode: [] });
    expect((await e.cloud.list()).map((i) => i.name)).not.toContain(claim);
  }, 120_000);

  it('a do-not-disrupt pod holds the node until the termination grace period, then it is deleted and the instance goes', async () => {
    const { e, cloud, terminations } = await start();
    const grace = 5 * 60_000;
    const c: RunningController = await e.startController('a', { cloud, terminationGracePeriodMs: grace });
    await waitFor('leader', () => c.isLeader());
    const { claim, node } = await podsOnOneNode(e, 'job', 1, { [Annotations.doNotDisrupt]: 'true' });
    await e.sandbox.client.delete(Refs.nodeClaims, claim);
    const deletedAt = Date.parse((await e.sandbox.client.get(Refs.nodeClaims, claim))!.metadata.deletionTimestamp!);
    await waitFor('node cordoned', async () => (await nodeObject(e, node))?.spec?.unschedulable === true, 20_000);
    await e.sandbox.clock.sleep(120_000);
    expect(await podsOn(e, node, 'job')).toHaveLength(1);
    expect(terminations).toEqual([]);
    // Meanwhile the pod's next node was launched (a pod on a node being deleted is planned for like
    // a pending one): one new claim, Ready before the pod has to move.
    const next = (await nodeClaims(e.sandbox.client)).filter((o) => o.metadata.name !== claim);
    expect(next).toHaveLength(1);
    expect(next[0].metadata.deletionTimestamp).toBeUndefined();
    const created = (await e.sandbox.client.list(Refs.events)).items.filter((ev) => ev.reason === 'NodeClaimCreated' && ev.message?.includes(next[0].metadata.name));
    expect(created[0]?.message).toContain('for 1 pending pod(s) (1 of them on nodes being deleted)');

    await waitFor('claim gone', async () => (await e.sandbox.client.get(Refs.nodeClaims, claim)) === undefined, 60_000);
    const [t] = terminations.filter((x) => x.claim === claim);
    expect(t.at - deletedAt).toBeGreaterThanOrEqual(grace);
    expect(t).toMatchObject({ nodeExists: false, claimFinalizers: [TERMINATION_FINALIZER] });
    expect(c.loops.lifecycle.evicted).toHaveLength(1);
    expect(c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'grace-period-delete' })).toBe(1);
    expect(c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'evict' })).toBeUndefined();
    // The new pod goes to the node launched for it, not to another launch.
    const moved = await waitFor('the pod runs again', async () => {
      const running = await runningPods(e.sandbox.client, 'default', 'job');
      return running.length === 1 && running[0].spec.nodeName !== node ? running[0] : undefined;
    }, 20_000);
    const claimsNow = (await nodeClaims(e.sandbox.client)).map((o) => o.metadata.name);
    expect(claimsNow).toEqual([next[0].metadata.name]);
    expect((await nodeClaims(e.sandbox.client))[0].status?.nodeName).toBe(moved.spec.nodeName);
  }, 120_000);
});
