/**
 * One list of unavailable offerings: the EC2 provider's fleet falls back past an offering EC2
 * cannot sell and excludes it; the controller's planner, status and /metrics see the same
 * exclusion (main.ts and the sandbox harness share the list), so later claims do not even list it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Refs } from '../../../core/kube/refs.js';
import { startEc2Sandbox, type Ec2Sandbox } from '../cloud/ec2/sandbox-ec2.js';
import { deployment, nodeClaims, runningPods, waitFor } from './support.js';

let sandbox: Ec2Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

describe('the EC2 provider and the controller share the unavailable offerings', () => {
  it('an offering the fleet skipped is excluded in the controller too: metrics, and no later claim lists it', async () => {
    sandbox = await startEc2Sandbox({ unavailableTtlMs: 30 * 60_000 });
    const s = sandbox;
    const { controller } = await s.startController('a');
    await waitFor('leadership', () => controller.isLeader());
    const client = s.env.sandbox.client;
    for (const zone of ['us-east-1a', 'us-east-1b', 'us-east-1c']) s.ec2.insufficient.add(`t3.medium/${zone}/on-demand`);
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'web')).length === 2, 30_000);
    const [first] = await nodeClaims(client);
    expect(first.spec.instanceTypeOptions[0]).toBe('t3.medium');
    // The fleet fell back by itself (the launch did not fail): only the provider saw the refusal.
    expect(first.status.instanceType).not.toBe('t3.medium');
    expect(controller.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'insufficient-capacity' })).toBeUndefined();

    const excluded = controller.unavailable.list().filter((e) => e.ref.instanceType === 't3.medium');
    expect(excluded.length).toBeGreaterThan(0);
    const metrics = controller.metrics.render();
    for (const e of excluded) {
      expect(metrics).toContain(`smartscale_unavailable_offerings{instance_type="t3.medium",zone="${e.ref.zone}",capacity_type="on-demand",reason="InsufficientCapacity"} 1`);
    }

    // More demand: the planner already knows, so the new claim does not ask for t3.medium in those zones.
    await client.patch(Refs.deployments, 'web', 'default', { spec: { replicas: 5 } }, 'merge');
    await waitFor('5 running pods', async () => (await runningPods(client, 'default', 'web')).length === 5, 30_000);
    const later = (await nodeClaims(client)).filter((c) => c.metadata.name !== first.metadata.name);
    expect(later.length).toBeGreaterThan(0);
    const excludedZones = new Set(excluded.map((e) => e.ref.zone));
    for (const c of later) {
      const zones = (c.spec.requirements.find((r: { key: string }) => r.key === 'topology.kubernetes.io/zone')?.values ?? []) as string[];
      const asksForT3 = c.spec.instanceTypeOptions[0] === 't3.medium' && zones.some((z) => excludedZones.has(z));
      expect(asksForT3).toBe(false);
    }
  }, 90_000);
});
