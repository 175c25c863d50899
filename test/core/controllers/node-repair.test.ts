/**
 * Node repair on the sandbox: a node smartscale launched stops reporting (its simulated kubelet is
 * switched off and Ready goes Unknown). Within the toleration nothing happens; past it, observe
 * mode only says so, and optimize mode deletes the claim: the instance is terminated and the pods
 * run again on a new node. The repair loop runs only when the test asks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ControllerOptions, RunningController } from '../../../core/controllers/controller.js';
import { REPAIR_ANNOTATION } from '../../../core/controllers/node-repair.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { updateWithRetry } from '../../../core/kube/patch.js';
import { Refs } from '../../../core/kube/refs.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../../../core/model/cluster-config.js';
import { UNMANAGED_ANNOTATION } from '../../../core/sandbox/controlplane/kubelet.js';
import { deployment, nodeClaims, runDeployment, untilRunning, waitFor } from './support.js';

const FAST: Partial<ControllerOptions> = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 36_000_000, 'node-repair': 36_000_000, 'garbage-collection': 36_000_000, forecaster: 60_000, config: 5_000 },
};

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const actions = (c: RunningController, action: string) => c.metrics.value('actions', { loop: 'node-repair', action }) ?? 0;

/**
 * The node's condition `type` has `status` since `ago` ms. The sandbox kubelet stops managing the
 * node first, so it does not write the node's status back.
 */
async function conditionSince(e: SandboxEnvironment, node: string, condition: { type: string; status: string; reason: string; message: string }, ago: number): Promise<void> {
  const since = new Date(e.sandbox.clock.now() - ago).toISOString();
  await updateWithRetry(e.sandbox.client, Refs.nodes, node, undefined, (fresh) => {
    fresh.metadata.annotations = { ...fresh.metadata.annotations, [UNMANAGED_ANNOTATION]: 'true' };
    return fresh;
  });
  await updateWithRetry(
    e.sandbox.client,
    Refs.nodes,
    node,
    undefined,
    (fresh) => {
      const conditions = (fresh.status?.conditions ?? []).filter((c: { type: string }) => c.type !== condition.type);
      fresh.status = { ...fresh.status, conditions: [...conditions, { ...condition, lastTransitionTime: since, lastHeartbeatTime: since }] };
      return fresh;
    },
    { subresource: 'status' },
  );
}

/** The node's kubelet stops: Ready is Unknown since `ago` ms. */
const kubeletStops = (e: SandboxEnvironment, node: string, ago: number) =>
  conditionSince(e, node, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }, ago);

/** The node's kernel is reported broken (the EKS node monitoring agent's condition) since `ago` ms; Ready stays True. */
const kernelBreaks = (e: SandboxEnvironment, node: string, ago: number) =>
  conditionSince(e, node, { type: 'KernelReady', status: 'False', reason: 'KernelBug', message: 'kernel oops detected (simulated)' }, ago);

/** The cache shows the node's `type` condition changed more than `ms` ago. */
const cachedSince = (c: RunningController, e: SandboxEnvironment, node: string, type: string, ms: number) =>
  waitFor(`the cache shows ${type} older than ${ms} ms`, () => {
    const cond = c.state.nodes.get(node)?.status?.conditions?.find((x: { type: string }) => x.type === type);
    return cond && e.sandbox.clock.now() - Date.parse(cond.lastTransitionTime) > ms;
  });

async function optimize(c: RunningController, e: SandboxEnvironment): Promise<void> {
  await updateWithRetry(e.sandbox.client, Refs.configMaps, CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE, (fresh) => {
    fresh.data = { ...fresh.data, mode: 'optimize' };
    return fresh;
  });
  await waitFor('the controller sees optimize', () => c.state.config().cluster.mode === 'optimize');
}

/**
 * A Deployment running on launched nodes (2 replicas; or `spread` replicas one per node, sized
 * so that only one fits a node): one of its nodes and the claim that launched it.
 */
async function webOnANode(e: SandboxEnvironment, c: RunningController, spread?: number): Promise<{ node: string; claimName: string }> {
  const api = e.sandbox.client;
  await waitFor('a leads', () => c.isLeader() && c.state.synced());
  let pods;
  if (spread) {
    // One pod per node: the pool buys only m6i.large (1.93 CPUs allocatable), each pod asks 1.5.
    await updateWithRetry(api, Refs.nodePools, 'demo', undefined, (fresh) => {
      fresh.spec.template.spec.requirements = [...fresh.spec.template.spec.requirements, { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m6i.large'] }];
      return fresh;
    });
    await api.create(Refs.deployments, deployment('default', 'web', { replicas: spread, cpu: '1500m' }));
    pods = await untilRunning(api, 'default', 'web', spread, { timeoutMs: 60_000 });
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(spread);
  } else pods = await runDeployment(api, 'default', 'web', 2);
  const node = pods[0].spec.nodeName as string;
  const claim = await waitFor('the claim records its node', async () => (await nodeClaims(api)).find((o) => o.status?.nodeName === node), 20_000);
  return { node, claimName: claim.metadata.name! };
}

/** The claim, its node and its instance gone, and the web pods (`count`) running elsewhere. */
async function expectReplaced(e: SandboxEnvironment, node: string, claimName: string, count = 2): Promise<void> {
  const api = e.sandbox.client;
  await waitFor('the claim and its node gone', async () => !(await api.get(Refs.nodeClaims, claimName)) && !(await api.get(Refs.nodes, node)), 60_000);
  expect((await e.cloud.list()).some((i) => i.name === claimName)).toBe(false);
  await untilRunning(api, 'default', 'web', count, { awayFrom: node, timeoutMs: 60_000 });
}

const SANDBOX = { speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST } as const;

describe('node repair', () => {
  it('replaces a node that stays unreachable past the toleration — in optimize mode only', async () => {
    const e = (env = await startSandboxEnvironment(SANDBOX));
    const api = e.sandbox.client;
    const c = await e.startController('a');
    const { node, claimName } = await webOnANode(e, c);

    // Unreachable for 10 minutes: tolerated (30 min).
    await kubeletStops(e, node, 10 * 60_000);
    await waitFor('the cache shows it', () => c.state.nodes.get(node)?.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'Unknown'));
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'would-repair') + actions(c, 'repair')).toBe(0);

    // 31 minutes: due. Observe mode (the default) only says so, once.
    await kubeletStops(e, node, 31 * 60_000);
    await cachedSince(c, e, node, 'Ready', 30 * 60_000);
    await c.runner.runOnce('node-repair');
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'would-repair')).toBe(1);
    expect(actions(c, 'repair')).toBe(0);
    expect((await api.get(Refs.nodeClaims, claimName))?.metadata.deletionTimestamp).toBeUndefined();

    // Optimize: the claim is marked and deleted, the instance goes, the pods run on a new node.
    await optimize(c, e);
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'repair')).toBe(1);
    // The mark is on the claim until it is gone (the termination may already be through).
    const marked = await api.get(Refs.nodeClaims, claimName);
    if (marked) expect(marked.metadata.annotations?.[REPAIR_ANNOTATION]).toContain('unreachable (Ready Unknown) for 31 min');
    const said = await waitFor('the NodeRepair Events', async () => {
      const events = (await api.list(Refs.events)).items.filter((ev) => ev.reason === 'NodeRepair');
      return events.length === 2 ? events : undefined;
    });
    expect(said.map((ev) => `${ev.involvedObject.kind}/${ev.involvedObject.name}`).sort()).toEqual([`Node/${node}`, `NodeClaim/${claimName}`]);
    expect(said[0].message).toContain(`NodeClaim ${claimName} deleted`);
    expect((await api.list(Refs.events)).items.filter((ev) => ev.reason === 'WouldRepairNode')).toHaveLength(1);
    await expectReplaced(e, node, claimName);
    // A second pass finds nothing to repair.
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'repair')).toBe(1);
  }, 180_000);

  it('replaces a node still Ready whose KernelReady is False past its toleration, not before (a pool of 5: one node is within the breaker)', async () => {
    const e = (env = await startSandboxEnvironment(SANDBOX));
    const api = e.sandbox.client;
    const c = await e.startController('a');
    await optimize(c, e);
    const { node, claimName } = await webOnANode(e, c, 5);

    // Kernel broken for 20 minutes, Ready all along: tolerated (30 min).
    await kernelBreaks(e, node, 20 * 60_000);
    await cachedSince(c, e, node, 'KernelReady', 20 * 60_000 - 1);
    expect(c.state.nodes.get(node)?.status?.conditions?.find((x: { type: string }) => x.type === 'Ready')?.status).toBe('True');
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'repair') + actions(c, 'would-repair')).toBe(0);
    expect((await api.get(Refs.nodeClaims, claimName))?.metadata.deletionTimestamp).toBeUndefined();

    // 31 minutes: replaced, saying why.
    await kernelBreaks(e, node, 31 * 60_000);
    await cachedSince(c, e, node, 'KernelReady', 30 * 60_000);
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'repair')).toBe(1);
    const said = await waitFor('the NodeRepair Event on the node', async () => (await api.list(Refs.events)).items.find((ev) => ev.reason === 'NodeRepair' && ev.involvedObject.kind === 'Node'));
    expect(said.message).toContain(`node ${node} has been KernelReady False for 31 min (tolerated: 30 min; KernelBug: kernel oops detected (simulated))`);
    await expectReplaced(e, node, claimName, 5);
  }, 180_000);
});
