/**
 * Extended resources on the sandbox (ADR 116): every node advertises two FUSE devices once it runs
 * (a device plugin on every node), five pods want one each. The scheduler keeps a third off a node
 * with room in CPU; the provisioner must see that and launch — learning from the first node what a
 * new one offers — or those pods wait forever. A resource no node advertises gets no node.
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

const FUSE = 'smarter-devices/fuse';

describe('extended resources on the sandbox', () => {
  it('five one-device pods on nodes of two devices all run, at most two a node; a resource no node advertises is told why', async () => {
    env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS, nodeExtendedResources: { [FUSE]: 2 } });
    const api = env.sandbox.client;
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader() && controller.state.synced());
    const mounter = deployment('default', 'mounter', { replicas: 5, cpu: '100m', memory: '128Mi' });
    mounter.spec.template.spec.containers[0].resources.limits = { [FUSE]: '1' }; // extended resources: a limit is the request
    await api.create(Refs.deployments, mounter, 'default');
    const running = await untilRunning(api, 'default', 'mounter', 5, { timeoutMs: 60_000 });
    const perNode = podsPerNode(running);
    expect(Math.max(...perNode.values())).toBeLessThanOrEqual(2);
    expect(perNode.size).toBe(3);
    expect((await nodeClaims(api)).length).toBe(3);

    const odd = deployment('default', 'odd', { cpu: '100m', memory: '128Mi' });
    odd.spec.template.spec.containers[0].resources.limits = { 'example.com/absent': '1' };
    await api.create(Refs.deployments, odd, 'default');
    const warning = await waitFor('FailedProvisioning for odd', async () =>
      (await api.list(Refs.events, { namespace: 'default' })).items.find((ev) => ev.reason === 'FailedProvisioning' && String(ev.involvedObject?.name).startsWith('odd')),
    );
    expect(warning.message).toMatch(/^NoInstanceTypeFits: it requests 1 example\.com\/absent/);
    const pod = (await api.list(Refs.pods, { namespace: 'default' })).items.find((p) => p.metadata.name?.startsWith('odd'))!;
    expect(pod.status?.conditions?.find((c: any) => c.type === 'PodScheduled')?.message).toBe('0/3 nodes are available: 3 Insufficient example.com/absent.');
    expect((await nodeClaims(api)).length).toBe(3);
  }, 120_000);
});
