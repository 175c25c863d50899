/**
 * DaemonSet overhead on the sandbox: every new node also runs the DaemonSets' pods (the sandbox's
 * DaemonSet controller puts one on each node), so the provisioner plans the pending pods into what a
 * node offers next to them — at once, not a node that fills up with daemon pods and leaves the rest
 * pending for a second launch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { deployment, FAST_LOOPS, nodeClaims, runningPods, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const agent: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'log-agent', namespace: 'kube-system' },
  spec: {
    selector: { matchLabels: { app: 'log-agent' } },
    template: { metadata: { labels: { app: 'log-agent' } }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'agent', image: 'agent', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } },
  },
};

describe('DaemonSet overhead on the sandbox', () => {
  it('the pods are planned next to the daemon pods every new node runs: one round of launches, all pods running', async () => {
    env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS });
    const api = env.sandbox.client;
    await api.create(Refs.daemonSets, agent, 'kube-system');
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader() && controller.state.synced());
    await api.create(Refs.deployments, deployment('default', 'web', { replicas: 6, cpu: '500m', memory: '512Mi' }));
    await waitFor('6 web pods running', async () => ((await runningPods(api, 'default', 'web')).length === 6 ? true : undefined), 60_000);
    const claims = await nodeClaims(api);
    // Each node runs the agent too.
    const agents = (await api.list(Refs.pods, { namespace: 'kube-system', labelSelector: 'app=log-agent' })).items;
    expect(new Set(agents.map((p) => p.spec.nodeName)).size).toBe(claims.length);
    // One round: every claim was created by the first pass that saw the pods, none after a node came up short.
    expect(controller.metrics.value('actions', { loop: 'provisioner', action: 'create-claim-pending' })).toBe(claims.length);
    const created = claims.map((c) => Date.parse(c.metadata.creationTimestamp!));
    expect(Math.max(...created) - Math.min(...created)).toBeLessThan(5_000);
  }, 120_000);
});
