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
import { deployment, nodeClaims, runningPods, waitFor } from './support.js';

const FAST: Partial<ControllerOptions> = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 36_000_000, 'node-repair': 36_000_000, 'garbage-collection': 36_000_000, forecaster: 60_000, config: 5_000 },
};

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const actions = (c: RunningController, action: string) => c.metrics.value('actions', { loop: 'node-repair', action }) ?? 0;

/** The node's kubelet stops: the sandbox no longer manages it, and Ready is Unknown since `ago` ms. */
async function kubeletStops(e: SandboxEnvironment, node: string, ago: number): Promise<void> {
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
      const conditions = (fresh.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'Ready');
      fresh.status = { ...fresh.status, conditions: [...conditions, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: since, lastHeartbeatTime: since }] };
      return fresh;
    },
    { subresource: 'status' },
  );
}

describe('node repair', () => {
  it('replaces a node that stays unreachable past the toleration — in optimize mode only', async () => {
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST }));
    const api = e.sandbox.client;
    const c = await e.startController('a');
    await waitFor('a leads', () => c.isLeader() && c.state.synced());
    await api.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));
    const pods = await waitFor('2 running web pods', async () => {
      const running = await runningPods(api, 'default', 'web');
      return running.length === 2 ? running : undefined;
    }, 40_000);
    const node = pods[0].spec.nodeName as string;
    const claim = await waitFor('the claim records its node', async () => (await nodeClaims(api)).find((o) => o.status?.nodeName === node), 20_000);
    const claimName = claim.metadata.name!;

    // Unreachable for 10 minutes: tolerated (30 min).
    await kubeletStops(e, node, 10 * 60_000);
    await waitFor('the cache shows it', () => c.state.nodes.get(node)?.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'Unknown'));
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'would-repair') + actions(c, 'repair')).toBe(0);

    // 31 minutes: due. Observe mode (the default) only says so, once.
    await kubeletStops(e, node, 31 * 60_000);
    await waitFor('the cache shows the older transition', () => {
      const ready = c.state.nodes.get(node)?.status?.conditions?.find((x: { type: string }) => x.type === 'Ready');
      return ready && e.sandbox.clock.now() - Date.parse(ready.lastTransitionTime) > 30 * 60_000;
    });
    await c.runner.runOnce('node-repair');
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'would-repair')).toBe(1);
    expect(actions(c, 'repair')).toBe(0);
    expect((await api.get(Refs.nodeClaims, claimName))?.metadata.deletionTimestamp).toBeUndefined();

    // Optimize: the claim is marked and deleted, the instance goes, the pods run on a new node.
    await updateWithRetry(api, Refs.configMaps, CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE, (fresh) => {
      fresh.data = { ...fresh.data, mode: 'optimize' };
      return fresh;
    });
    await waitFor('the controller sees optimize', () => c.state.config().cluster.mode === 'optimize');
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
    await waitFor('the claim and its node gone', async () => !(await api.get(Refs.nodeClaims, claimName)) && !(await api.get(Refs.nodes, node)), 60_000);
    expect((await e.cloud.list()).some((i) => i.name === claimName)).toBe(false);
    const again = await waitFor('2 web pods running again', async () => {
      const running = await runningPods(api, 'default', 'web');
      return running.length === 2 ? running : undefined;
    }, 60_000);
    expect(again.every((p) => p.spec.nodeName !== node)).toBe(true);
    // A second pass finds nothing to repair.
    await c.runner.runOnce('node-repair');
    expect(actions(c, 'repair')).toBe(1);
  }, 180_000);
});
