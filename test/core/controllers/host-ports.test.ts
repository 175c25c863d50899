/**
 * Host ports on the sandbox (ADR 114): an ingress Deployment binding TCP 80 and 443 on its node,
 * three replicas. The scheduler runs one per node; the provisioner must plan one node for each, or
 * the other two wait on a node with room in CPU forever. And a pod asking for a port a DaemonSet
 * binds on every node: no node can run it, so none is bought for it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { ClusterState } from '../../../core/controllers/cluster-state.js';
import { nodeSnapshot } from '../../../core/controllers/snapshot.js';
import { ManualClock } from '../../../core/model/clock.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { deployment, FAST_LOOPS, nodeClaims, runDeployment, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** A node exporter on every node, binding 9100 through hostNetwork. */
function exporterDaemonSet(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-exporter', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { app: 'node-exporter' } },
      template: {
        metadata: { labels: { app: 'node-exporter' } },
        spec: { hostNetwork: true, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'exporter', image: 'example', ports: [{ containerPort: 9100 }], resources: { requests: { cpu: '10m', memory: '32Mi' } } }] },
      },
    },
  };
}

describe('host ports on the sandbox', () => {
  it('three replicas binding ports 80 and 443 run on three nodes, each bought for one of them', async () => {
    env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS });
    const api = env.sandbox.client;
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader() && controller.state.synced());
    await api.create(
      Refs.deployments,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'ingress', namespace: 'default' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'ingress' } },
          template: {
            metadata: { labels: { app: 'ingress' } },
            spec: {
              // hostNetwork: the container ports are the node's ports (the template shows no hostPort).
              hostNetwork: true,
              containers: [{ name: 'proxy', image: 'example', ports: [{ containerPort: 80 }, { containerPort: 443 }], resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
            },
          },
        },
      },
      'default',
    );
    const running = await waitFor('3 ingress pods running', async () => {
      const pods = (await api.list(Refs.pods, { namespace: 'default' })).items.filter((p) => p.metadata.labels?.app === 'ingress' && p.status?.phase === 'Running');
      return pods.length === 3 ? pods : undefined;
    }, 60_000);
    const nodes = new Set(running.map((p) => p.spec.nodeName));
    expect(nodes.size).toBe(3);
    // Each node was bought for an ingress pod: three claims, no spare.
    expect((await nodeClaims(api)).length).toBe(3);
  }, 120_000);

  it('a pod binding the port a DaemonSet binds on every node gets no node, and its Event says why', async () => {
    env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS });
    const api = env.sandbox.client;
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader() && controller.state.synced());
    await api.create(Refs.daemonSets, exporterDaemonSet(), 'kube-system');
    await runDeployment(api, 'default', 'web', 1);
    expect((await nodeClaims(api)).length).toBe(1);
    const clash = deployment('default', 'clash', { cpu: '100m', memory: '64Mi' });
    clash.spec.template.spec.containers[0].ports = [{ containerPort: 8080, hostPort: 9100 }];
    await api.create(Refs.deployments, clash, 'default');
    const warning = await waitFor('FailedProvisioning for clash', async () =>
      (await api.list(Refs.events, { namespace: 'default' })).items.find((ev) => ev.reason === 'FailedProvisioning' && String(ev.involvedObject?.name).startsWith('clash')),
    );
    expect(warning.message).toBe('ConstraintUnsatisfiable: it binds host port TCP/0.0.0.0/9100, which a DaemonSet binds on every new node it could run on');
    // Several more provisioner passes (2 s each at 50×: 40 ms): still the one node web runs on.
    await new Promise((r) => setTimeout(r, 500));
    expect((await nodeClaims(api)).length).toBe(1);
  }, 120_000);

  it('a claim still launching holds the ports its DaemonSets will bind there (the snapshot the planner gets)', async () => {
    env = await startSandboxEnvironment({ webhook: false });
    const api = env.sandbox.client;
    const state = new ClusterState({ client: api, clock: new ManualClock(Date.now()) });
    try {
      await state.start();
      await api.create(Refs.daemonSets, exporterDaemonSet(), 'kube-system');
      await api.create(Refs.nodeClaims, {
        apiVersion: 'smartscale.io/v1',
        kind: 'NodeClaim',
        metadata: { name: 'demo-ports', labels: { 'karpenter.sh/nodepool': 'demo' } },
        spec: { nodePool: 'demo', requirements: [], resources: { requests: { cpu: '1' } }, instanceTypeOptions: ['m6i.large'], taints: [], labels: {}, predicted: false },
      });
      await waitFor('claim and DaemonSet seen', () => state.claims().length === 1 && state.daemonSets.list().length === 1);
      const snap = nodeSnapshot(state, await env.cloud.getInstanceTypes());
      expect(snap.launching.map((n) => [n.name, n.daemonSetHostPorts])).toEqual([['claim-demo-ports', [{ protocol: 'TCP', port: 9100, ip: '0.0.0.0' }]]]);
    } finally {
      state.stop();
    }
  }, 60_000);
});
