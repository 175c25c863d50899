/**
 * Local ephemeral storage on the sandbox (ADR 115): nodes that offer pods 17 GiB of ephemeral
 * storage (an EC2 node class's default 20 GiB root volume), CI pods that ask for 8 GiB each. The
 * scheduler keeps a third off a node that has room for it in CPU; the provisioner must see that and
 * launch, or those pods wait forever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Refs } from '../../../core/kube/refs.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { deployment, FAST_LOOPS, nodeClaims, podsPerNode, untilRunning, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('ephemeral storage on the sandbox', () => {
  it('five pods of 8 GiB on nodes of 17 GiB: all run, at most two a node, each node bought for them; too big a pod is told why', async () => {
    env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS, ephemeralStorageGi: 17 });
    const api = env.sandbox.client;
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader() && controller.state.synced());
    const ci = deployment('default', 'ci', { replicas: 5, cpu: '100m', memory: '128Mi' });
    ci.spec.template.spec.containers[0].resources.requests['ephemeral-storage'] = '8Gi';
    await api.create(Refs.deployments, ci, 'default');
    const running = await untilRunning(api, 'default', 'ci', 5, { timeoutMs: 60_000 });
    const perNode = podsPerNode(running);
    expect(Math.max(...perNode.values())).toBeLessThanOrEqual(2);
    expect(perNode.size).toBe(3);
    // The nodes report it, and the controller reads it.
    const node = await api.get(Refs.nodes, [...perNode.keys()][0]);
    expect(node?.status?.allocatable?.['ephemeral-storage']).toBe(String(17 * 1024 ** 3));
    expect((await nodeClaims(api)).length).toBe(3);

    const huge = deployment('default', 'huge', { cpu: '100m', memory: '128Mi' });
    huge.spec.template.spec.containers[0].resources.limits = { 'ephemeral-storage': '30Gi' }; // a limit stands in for the request
    await api.create(Refs.deployments, huge, 'default');
    const warning = await waitFor('FailedProvisioning for huge', async () =>
      (await api.list(Refs.events, { namespace: 'default' })).items.find((ev) => ev.reason === 'FailedProvisioning' && String(ev.involvedObject?.name).startsWith('huge')),
    );
    expect(warning.message).toBe('NoInstanceTypeFits: it requests 30Gi of ephemeral-storage; a new node offers at most 17Gi');
    expect((await nodeClaims(api)).length).toBe(3);
  }, 120_000);
});
