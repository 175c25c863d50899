/**
 * Host ports on the sandbox (ADR 114): an ingress Deployment binding TCP 80 and 443 on its node,
 * three replicas. The scheduler runs one per node; the provisioner must plan one node for each, or
 * the other two wait on a node with room in CPU forever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Refs } from '../../../core/kube/refs.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { FAST_LOOPS, nodeClaims, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

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
});
