/**
 * Pods that are not the default scheduler's to place, or that the scheduler has nominated to a
 * node: a Fargate pod gets no node unless its scheduler says none can take it; a pod nominated to a
 * node is left to the scheduler. And the provisioner hears of a pod the moment it starts waiting
 * for a node (gates removed, nomination dropped, another scheduler's Unschedulable).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterState } from '../../../core/controllers/cluster-state.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { ManualClock } from '../../../core/model/clock.js';
import { nodeSnapshot } from '../../../core/controllers/snapshot.js';
import { simulatedNode } from '../../../core/sandbox/nodes.js';
import { FAST_LOOPS, nodeClaims, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** A pod of 3 CPUs: two never share a node of the sandbox's catalog chosen for one. */
function bare(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: { containers: [{ name: 'c', image: 'example', resources: { requests: { cpu: '3', memory: '512Mi' } } }], ...spec },
  };
}

const unschedulable = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/0 nodes are available.' };

describe('pods that are not the default scheduler’s to place', () => {
  it('a Fargate pod gets no node until its scheduler marks it Unschedulable; a nominated pod gets none', async () => {
    env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS });
    const api = env.sandbox.client;
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader() && controller.state.synced());
    await api.create(Refs.pods, bare('on-fargate', { schedulerName: 'fargate-scheduler' }), 'default');
    const nominated = await api.create(Refs.pods, bare('preempting', { schedulerName: 'other-scheduler' }), 'default');
    await api.patch(Refs.pods, nominated.metadata.name!, 'default', { status: { nominatedNodeName: 'some-node', conditions: [unschedulable] } }, 'merge', { subresource: 'status' });
    // A default-scheduler pod, created after them, gets its node: the provisioner has run since.
    await api.create(Refs.pods, bare('web'), 'default');
    await waitFor('a claim for web', async () => ((await nodeClaims(api)).length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300)); // more provisioner passes (2 s each at 50×)
    const claims = await nodeClaims(api);
    expect(claims).toHaveLength(1);
    expect(controller.metrics.value('actions', { loop: 'provisioner', action: 'create-claim-pending' })).toBe(1);
    // Fargate has no profile for it and says so: now it needs a node.
    await api.patch(Refs.pods, 'on-fargate', 'default', { status: { conditions: [unschedulable] } }, 'merge', { subresource: 'status' });
    await waitFor('a second claim, for the Fargate pod', async () => ((await nodeClaims(api)).length === 2 ? true : undefined));
  }, 60_000);

  it('the provisioner is woken when a pod starts waiting for a node: gates removed, or Unschedulable from its own scheduler', async () => {
    env = await startSandboxEnvironment({ webhook: false });
    const api = env.sandbox.client;
    const state = new ClusterState({ client: api, clock: new ManualClock(0) });
    try {
      await state.start();
      const heard: string[] = [];
      state.subscribe((kind) => heard.push(kind));
      const pending = () => heard.filter((k) => k === 'pending-pod').length;
      await api.create(Refs.pods, bare('gated', { schedulingGates: [{ name: 'example.com/quota' }] }), 'default');
      await api.create(Refs.pods, bare('elsewhere', { schedulerName: 'fargate-scheduler' }), 'default');
      await waitFor('pods seen', () => state.pods.list().length === 2);
      const created = pending();
      // A change that leaves it waiting as before wakes nothing.
      await api.patch(Refs.pods, 'gated', 'default', { metadata: { labels: { touched: 'yes' } } }, 'merge');
      await waitFor('label seen', () => state.pods.get('gated', 'default')?.metadata.labels?.touched === 'yes');
      expect(pending()).toBe(created);
      await api.patch(Refs.pods, 'gated', 'default', { spec: { schedulingGates: null } }, 'merge');
      await waitFor('gates gone', () => !state.pods.get('gated', 'default')?.spec?.schedulingGates?.length);
      expect(pending()).toBe(created + 1);
      await api.patch(Refs.pods, 'elsewhere', 'default', { status: { conditions: [unschedulable] } }, 'merge', { subresource: 'status' });
      await waitFor('condition seen', () => state.pods.get('elsewhere', 'default')?.status?.conditions?.length);
      expect(pending()).toBe(created + 2);
    } finally {
      state.stop();
    }
  }, 30_000);

  it('a nominated pod’s room is kept on its node, as kube-scheduler keeps it', async () => {
    env = await startSandboxEnvironment({ webhook: false, nodeReadyDelayMs: 100 });
    const api = env.sandbox.client;
    const state = new ClusterState({ client: api, clock: new ManualClock(Date.now()) });
    try {
      await state.start();
      await api.create(Refs.nodes, simulatedNode({ name: 'busy', cpu: '4', memory: '16Gi' }));
      // Another scheduler's pod (the sandbox scheduler leaves it), nominated to the node.
      const p = await api.create(Refs.pods, bare('preemptor', { schedulerName: 'other-scheduler' }), 'default');
      await api.patch(Refs.pods, p.metadata.name!, 'default', { status: { nominatedNodeName: 'busy' } }, 'merge', { subresource: 'status' });
      await waitFor('nomination seen', () => state.pods.get('preemptor', 'default')?.status?.nominatedNodeName === 'busy');
      const busy = nodeSnapshot(state, []).nodes.find((n) => n.name === 'busy')!;
      expect(busy.allocatable.milliCpu).toBe(4000 - 3000);
      expect(busy.allocatable.pods).toBe(110 - 1);
      // Bound, or its nomination dropped: nothing is kept.
      await api.patch(Refs.pods, 'preemptor', 'default', { status: { nominatedNodeName: null } }, 'merge', { subresource: 'status' });
      await waitFor('nomination dropped', () => !state.pods.get('preemptor', 'default')?.status?.nominatedNodeName);
      expect(nodeSnapshot(state, []).nodes.find((n) => n.name === 'busy')!.allocatable.milliCpu).toBe(4000);
    } finally {
      state.stop();
    }
  }, 30_000);
});
