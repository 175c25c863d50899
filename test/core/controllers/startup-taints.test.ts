/**
 * A NodePool's startup taints (e.g. a CNI agent's "not ready" taint): the node registers with them
 * and another agent removes them once the node is set up. As with Karpenter, pods need not
 * tolerate them — the planner does not launch another node for pods waiting on one — the claim is
 * Initialized only once they are gone, and registration does not put a removed one back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeClient, KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { demoNodePool, startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { deployment, nodeClaims, runningPods, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const FAST = { intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 36_000_000, 'garbage-collection': 36_000_000, forecaster: 60_000, config: 5_000 }, validationMs: 5_000 };
const AGENT_NOT_READY = { key: 'example.com/agent-not-ready', value: 'true', effect: 'NoSchedule' };

function condition(claim: KubeObject, type: string): string | undefined {
  return (claim.status?.conditions ?? []).find((c: { type: string }) => c.type === type)?.status;
}

async function nodeOf(client: KubeClient, providerId: string): Promise<KubeObject | undefined> {
  return (await client.list(Refs.nodes)).items.find((n) => n.spec?.providerID === providerId);
}

describe('startup taints', () => {
  it('are copied to the claim and registered on the node; pods wait for them without a second launch; Initialized only once they are gone', async () => {
    const pool = demoNodePool();
    pool.spec.template.spec.startupTaints = [AGENT_NOT_READY];
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 2_000, podStartDelayMs: 2_000, webhook: false, controller: FAST, nodePool: pool }));
    const events = new RecordingControllerEvents();
    const controller = await e.startController('a', { events });
    await waitFor('leadership', () => controller.isLeader());
    const client = e.sandbox.client;
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));

    const claim = await waitFor('a registered claim', async () => (await nodeClaims(client)).find((c) => condition(c, 'Registered') === 'True'), 30_000);
    expect(claim.spec.startupTaints).toEqual([AGENT_NOT_READY]);
    const node = await waitFor('the Ready node', async () => {
      const n = await nodeOf(client, claim.status.providerID);
      return n?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
    });
    expect(node.spec.taints).toContainEqual(AGENT_NOT_READY);

    // 2 s of real time is 100 s of sandbox time: 50 provisioner passes with both pods pending on a
    // node they do not tolerate yet. None of them launches another node, and the claim waits.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await runningPods(client, 'default', 'web')).toHaveLength(0);
    const claims = await nodeClaims(client);
    expect(claims).toHaveLength(1);
    expect(condition(claims[0], 'Initialized')).not.toBe('True');

    // The agent is done: it removes its taint. The pods run, the claim is Initialized.
    const fresh = (await nodeOf(client, claim.status.providerID))!;
    fresh.spec.taints = (fresh.spec.taints ?? []).filter((t: { key: string }) => t.key !== AGENT_NOT_READY.key);
    await client.replace(Refs.nodes, fresh);
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'web')).length === 2, 30_000);
    await waitFor('Initialized', async () => condition((await nodeClaims(client))[0], 'Initialized') === 'True', 30_000);
    const initialized = events.events.find((ev) => ev.reason === 'Initialized');
    expect(initialized?.message).toContain('startup taints (example.com/agent-not-ready) are gone');

    // Nothing put the removed taint back, and still one node.
    await new Promise((r) => setTimeout(r, 500));
    expect((await nodeOf(client, claim.status.providerID))!.spec.taints ?? []).not.toContainEqual(AGENT_NOT_READY);
    const after = await nodeClaims(client);
    expect(after).toHaveLength(1);
  }, 90_000);
});
