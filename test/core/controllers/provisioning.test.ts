/**
 * The reactive path on a real (sandbox) API server: pending pods → NodeClaim → simulated launch →
 * Node registers → pods run; then the Deployment goes away and consolidation removes the node.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Refs } from '../../../core/kube/refs.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { deployment, nodeClaims, runningPods, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const FAST = { intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 5_000, 'garbage-collection': 10_000, forecaster: 30_000, config: 5_000 }, validationMs: 5_000 };

describe('provisioner and node claim lifecycle on the sandbox', () => {
  it('launches a node for pending pods, registers it, and the pods run on it', async () => {
    env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST });
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader());
    await env.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 5 }));
    const pods = await waitFor('5 running pods', async () => ((await runningPods(env!.sandbox.client, 'default', 'web')).length === 5 ? true : undefined), 30_000);
    expect(pods).toBe(true);
    const claims = await nodeClaims(env.sandbox.client);
    expect(claims.length).toBeGreaterThanOrEqual(1);
    for (const c of claims) {
      expect(c.status?.providerID).toMatch(/^sim:\/\//);
      expect((c.status?.conditions ?? []).map((x: any) => x.type).sort()).toEqual(['Initialized', 'Launched', 'Registered']);
      expect(c.spec.predicted).toBe(false);
    }
    // Five 500m pods fit one cheap node: the solver did not launch one per pod.
    expect(claims.length).toBeLessThanOrEqual(2);
    expect(controller.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'launch' })).toBe(claims.length);

    // Demand gone: the node is empty, consolidation removes the claim, the instance and the Node.
    await env.sandbox.client.delete(Refs.deployments, 'web', 'default');
    await waitFor('claims removed', async () => ((await nodeClaims(env!.sandbox.client)).length === 0 ? true : undefined), 40_000);
    expect(await env.cloud.list()).toEqual([]);
    await waitFor('nodes removed', async () => ((await env!.sandbox.client.list(Refs.nodes)).items.length === 0 ? true : undefined), 10_000);
  }, 90_000);
});
