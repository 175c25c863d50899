/**
 * The EC2 path through the controller: the real loops (provisioner → node claim lifecycle → node
 * registration → disruption → garbage collection) on the sandbox API server, launching through
 * the EC2 CloudProvider against an in-memory EC2 that answers as the API does (instant
 * CreateFleet with per-override Errors, paged DescribeInstances, pending → running →
 * shutting-down → terminated). Nodes register when an instance is running, as a kubelet would.
 * Times are sandbox clock time (50× real time).
 */
import { CreateFleetCommand, TerminateInstancesCommand, type CreateFleetCommandInput } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { Refs } from '../../../core/kube/refs.js';
import { Ec2Tags, tagValue } from '../../../core/cloud/ec2/tags.js';
import type { InstanceType } from '../../../core/model/instance-type.js';
import { claim as claimFor } from '../cloud/ec2/builders.js';
import { EC2_LOOPS, startEc2Sandbox, type Ec2Sandbox } from '../cloud/ec2/sandbox-ec2.js';
import { deployment, nodeClaims, runningPods, waitFor } from './support.js';

let sandbox: Ec2Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

const INSTANCE_PROVIDER_ID = /^aws:\/\/\/(us-east-1[a-c])\/(i-[0-9a-f]{17})$/;

function fleetRequests(s: Ec2Sandbox): CreateFleetCommandInput[] {
  return s.ec2.mock.commandCalls(CreateFleetCommand).map((c) => c.args[0].input);
}

function overridesOf(input: CreateFleetCommandInput): Array<{ type: string; zone: string }> {
  return (input.LaunchTemplateConfigs ?? []).flatMap((c) => (c.Overrides ?? []).map((o) => ({ type: String(o.InstanceType), zone: o.AvailabilityZone! })));
}

function onDemandPrice(types: readonly InstanceType[], name: string, zone: string): number {
  return types.find((t) => t.name === name)!.offerings.find((o) => o.zone === zone && o.capacityType === 'on-demand')!.pricePerHour;
}

function terminatedIds(s: Ec2Sandbox): string[] {
  return s.ec2.mock.commandCalls(TerminateInstancesCommand).flatMap((c) => c.args[0].input.InstanceIds ?? []);
}

async function claimsWithInstance(s: Ec2Sandbox) {
  return (await nodeClaims(s.env.sandbox.client)).filter((c) => c.status?.providerID);
}

describe('the EC2 provider under the controller, on the sandbox', () => {
  it('pending pods → CreateFleet over the cheapest fitting types → the Node registers → pods run; empty → TerminateInstances', async () => {
    sandbox = await startEc2Sandbox();
    const s = sandbox;
    const client = s.env.sandbox.client;
    const { controller, provider } = await s.startController('a');
    await waitFor('leadership', () => controller.isLeader());
    // Two 500m/512Mi pods: the cheapest amd64 on-demand type that holds them is t3.medium.
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'web')).length === 2, 30_000);

    const claims = await nodeClaims(client);
    expect(claims).toHaveLength(1);
    const claim = claims[0];
    const [, zone, instanceId] = INSTANCE_PROVIDER_ID.exec(claim.status.providerID) ?? [];
    expect(instanceId).toBeDefined();
    expect(claim.status.instanceType).toBe('t3.medium');
    expect((claim.status.conditions ?? []).map((c: { type: string }) => c.type).sort()).toEqual(['Initialized', 'Launched', 'Registered']);

    // One instant fleet, cheapest override first, tagged on create with the claim.
    const requests = fleetRequests(s);
    expect(requests).toHaveLength(1);
    const request = requests[0];
    expect(request.Type).toBe('instant');
    expect(request.TargetCapacitySpecification).toMatchObject({ TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand' });
    const types = await provider.getInstanceTypes();
    const prices = overridesOf(request).map((o) => onDemandPrice(types, o.type, o.zone));
    expect(overridesOf(request)[0].type).toBe('t3.medium');
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const instanceTags = request.TagSpecifications!.find((t) => t.ResourceType === 'instance')!.Tags;
    expect(tagValue(instanceTags, Ec2Tags.nodeClaim)).toBe(claim.metadata.name);
    expect(tagValue(instanceTags, Ec2Tags.cluster)).toBe('demo');
    expect(s.ec2.launchTemplates.size).toBe(1);

    // The Node the "kubelet" registered: the instance's provider ID and DNS name, the pool's labels from user data.
    const node = (await client.list(Refs.nodes)).items.find((n) => n.spec?.providerID === claim.status.providerID)!;
    expect(node.metadata.name).toBe(s.ec2.instances.get(instanceId)!.PrivateDnsName);
    expect(node.metadata.labels).toMatchObject({ 'smartscale.io/managed': 'true', 'karpenter.sh/nodepool': 'ec2', 'topology.kubernetes.io/zone': zone, 'node.kubernetes.io/instance-type': 't3.medium' });
    expect(claim.status.nodeName).toBe(node.metadata.name);
    for (const p of await runningPods(client, 'default', 'web')) expect(p.spec.nodeName).toBe(node.metadata.name);
    expect(s.ec2.instances.get(instanceId)!.State!.Name).toBe('running');

    // Demand gone: the empty node is consolidated — TerminateInstances on its instance, Node and claim gone.
    await client.delete(Refs.deployments, 'web', 'default');
    await waitFor('claim removed', async () => (await nodeClaims(client)).length === 0, 40_000);
    expect(terminatedIds(s)).toEqual([instanceId]);
    expect(await provider.list()).toEqual([]);
    await waitFor('node removed', async () => (await client.list(Refs.nodes)).items.length === 0, 10_000);
    expect(s.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(1);
  }, 90_000);
});
