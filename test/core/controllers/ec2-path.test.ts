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
import type { KubeObject } from '../../../core/kube/client.js';
import { updateWithRetry } from '../../../core/kube/patch.js';
import { Refs } from '../../../core/kube/refs.js';
import { Ec2Tags, tagValue } from '../../../core/cloud/ec2/tags.js';
import type { InstanceType } from '../../../core/model/instance-type.js';
import { claim as claimFor } from '../cloud/ec2/builders.js';
import { EC2_LOOPS, startEc2Sandbox, type Ec2Sandbox } from '../cloud/ec2/sandbox-ec2.js';
import { deployment, nodeClaims, runningPods, untilRunning, waitFor } from './support.js';

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

/** The sandbox with EC2 and one leading controller. */
async function start(options: Parameters<typeof startEc2Sandbox>[0] = {}) {
  sandbox = await startEc2Sandbox(options);
  const { controller, provider } = await sandbox.startController('a');
  await waitFor('leadership', () => controller.isLeader());
  return { s: sandbox, client: sandbox.env.sandbox.client, controller, provider };
}

/** Creates the Deployment `web` and waits until its pods run. */
async function runWeb(client: Ec2Sandbox['env']['sandbox']['client'], replicas: number): Promise<void> {
  await client.create(Refs.deployments, deployment('default', 'web', { replicas }));
  await waitFor(`${replicas} running pods`, async () => (await runningPods(client, 'default', 'web')).length === replicas, 30_000);
}

describe('the EC2 provider under the controller, on the sandbox', () => {
  it('pending pods → CreateFleet over the cheapest fitting types → the Node registers → pods run; empty → TerminateInstances', async () => {
    const { s, client, controller, provider } = await start();
    // Two 500m/512Mi pods: the cheapest amd64 on-demand type that holds them is t3.medium.
    await runWeb(client, 2);

    // Pods run once the Node is Ready; the claim's Initialized is written on the lifecycle's next pass.
    const claims = await waitFor('the claim Initialized', async () => {
      const all = await nodeClaims(client);
      return all.some((c) => (c.status?.conditions ?? []).some((x: { type: string; status: string }) => x.type === 'Initialized' && x.status === 'True')) ? all : undefined;
    }, 20_000);
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

  it('predicted pods (optimize): the node launches before the pods exist, and they run on it when they come', async () => {
    const { s, client, controller } = await start();
    // What the webhook writes for a forecast peak of 2 replicas (the webhook is not running here).
    const annotations = { 'smartscale.io/enabled': 'true', 'smartscale.io/mode': 'optimize', 'smartscale.io/target-replicas': '2', 'smartscale.io/peak-replicas': '2', 'smartscale.io/capacity': JSON.stringify({ replicas: 2 }) };
    await client.create(Refs.deployments, deployment('default', 'api', { replicas: 0, annotations }));
    const [claim] = await waitFor('a launched claim', async () => {
      const c = await claimsWithInstance(s);
      return c.length > 0 ? c : undefined;
    }, 30_000);
    expect(claim.spec.predicted).toBe(true);
    expect(await runningPods(client, 'default', 'api')).toEqual([]);
    const node = await waitFor('the node registers', async () => (await client.list(Refs.nodes)).items.find((n) => n.spec?.providerID === claim.status.providerID));
    // The demand arrives: the pods run on the node that was waiting for them, nothing else launches.
    await client.patch(Refs.deployments, 'api', 'default', { spec: { replicas: 2 } }, 'merge');
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'api')).length === 2, 30_000);
    for (const p of await runningPods(client, 'default', 'api')) expect(p.spec.nodeName).toBe(node.metadata.name);
    expect(fleetRequests(s)).toHaveLength(1);
  }, 90_000);

  it('insufficient capacity for the cheapest type: the next type launches and the offering is excluded from later launches', async () => {
    // Exclusions last 3 minutes by default — under 4 s of real time at 50×, less than a loaded
    // machine may take between the two launches here; 30 minutes keeps the test about exclusion.
    const { s, client, provider } = await start({ unavailableTtlMs: 30 * 60_000 });
    for (const zone of ['us-east-1a', 'us-east-1b', 'us-east-1c']) s.ec2.insufficient.add(`t3.medium/${zone}/on-demand`);
    await runWeb(client, 2);

    const [first] = fleetRequests(s);
    expect(overridesOf(first)[0].type).toBe('t3.medium');
    const [claim] = await nodeClaims(client);
    // m6i.large is the next cheapest amd64 type in the pool that holds the pods (t3.medium $0.0416 < m6i.large $0.096 < r6i.large $0.126).
    expect(claim.status.instanceType).toBe('m6i.large');
    const refused = overridesOf(first).filter((o) => o.type === 't3.medium');
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) expect(provider.unavailable.isUnavailable({ instanceType: 't3.medium', zone: o.zone, capacityType: 'on-demand' })).toBe(true);
    const t3 = (await provider.getInstanceTypes()).find((t) => t.name === 't3.medium')!;
    expect(t3.offerings.filter((o) => refused.some((r) => r.zone === o.zone)).every((o) => !o.available)).toBe(true);

    // More demand than the node holds: the next launch does not ask for the excluded offerings again.
    await client.patch(Refs.deployments, 'web', 'default', { spec: { replicas: 5 } }, 'merge');
    await waitFor('5 running pods', async () => (await runningPods(client, 'default', 'web')).length === 5, 30_000);
    const later = fleetRequests(s).slice(1);
    expect(later.length).toBeGreaterThan(0);
    for (const r of later) for (const o of overridesOf(r)) expect(refused).not.toContainEqual(o);
    expect(s.ec2.liveInstances()).toHaveLength((await nodeClaims(client)).length);
  }, 90_000);

  it('garbage collection: an instance smartscale launched with no claim is terminated after the grace period; one not ours is left alone', async () => {
    const { s, controller, provider } = await start();
    // Launched through the provider for a claim that was never recorded (the claim object is gone).
    const orphan = await provider.create(claimFor({ name: 'ec2-gone1', types: ['t3.medium'] }));
    const orphanId = INSTANCE_PROVIDER_ID.exec(orphan.status.providerId!)![2];
    s.ec2.instances.set('i-00000000000000abc', { InstanceId: 'i-00000000000000abc', InstanceType: 't3.medium', State: { Name: 'running', Code: 16 }, LaunchTime: new Date(s.ec2.now - 3_600_000), Placement: { AvailabilityZone: 'us-east-1a' }, PrivateDnsName: 'ip-10-9-9-9.ec2.internal', Tags: [{ Key: 'Name', Value: 'someone else' }] });
    await waitFor('the orphan terminated', () => terminatedIds(s).includes(orphanId), 30_000);
    const launchedAt = new Date(s.ec2.instances.get(orphanId)!.LaunchTime!).getTime();
    expect(s.ec2.terminatedAt.get(orphanId)! - launchedAt).toBeGreaterThanOrEqual(EC2_LOOPS.gcGracePeriodMs);
    expect(controller.metrics.value('actions', { loop: 'garbage-collection', action: 'terminate-orphan-instance' })).toBe(1);
    expect(terminatedIds(s)).not.toContain('i-00000000000000abc');
    expect(s.ec2.instances.get('i-00000000000000abc')!.State!.Name).toBe('running');
  }, 90_000);

  it('garbage collection: a claim whose instance was terminated outside smartscale is deleted and its pods get a new node', async () => {
    const { s, client, controller } = await start();
    await runWeb(client, 2);
    const [before] = await nodeClaims(client);
    const instanceId = INSTANCE_PROVIDER_ID.exec(before.status.providerID)![2];
    // Someone terminates the instance in the console (or EC2 reclaims it).
    await s.ec2.client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    await waitFor('the claim replaced', async () => {
      const claims = await claimsWithInstance(s);
      return claims.length === 1 && claims[0].metadata.name !== before.metadata.name;
    }, 40_000);
    await waitFor('2 running pods again', async () => (await runningPods(client, 'default', 'web')).length === 2, 30_000);
    expect(controller.metrics.value('actions', { loop: 'garbage-collection', action: 'delete-claim-instance-gone' })).toBe(1);
    expect(s.ec2.liveInstances()).toHaveLength(1);
    expect((await client.list(Refs.nodes)).items.map((n) => n.spec.providerID)).toEqual([(await nodeClaims(client))[0].status.providerID]);
  }, 90_000);

  it.each([
    { lookup: 'the instance is visible: found again by its claim tag', visible: true },
    { lookup: 'DescribeInstances lags the launch: the same ClientToken gets the same instance back', visible: false },
  ])('a controller dies between CreateFleet and recording the claim; $lookup — no duplicate, no leak', async ({ visible }) => {
    sandbox = await startEc2Sandbox();
    const s = sandbox;
    const client = s.env.sandbox.client;
    let kill: ((error: Error) => void) | undefined;
    // The first launch happens in EC2, but its answer never reaches controller a.
    s.ec2.afterLaunch = () => {
      s.ec2.afterLaunch = undefined;
      return new Promise((_, reject) => (kill = reject));
    };
    s.ec2.hideNewInstances = !visible;
    const a = await s.startController('a');
    await waitFor('a leads', () => a.controller.isLeader());
    const b = await s.startController('b');
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));
    await waitFor('a launched an instance', () => kill !== undefined, 30_000);
    const crashed = a.controller.crash();
    kill!(new Error('process killed'));
    await crashed;
    s.ec2.hideNewInstances = false;
    const [claim] = await nodeClaims(client);
    expect(claim.status?.providerID).toBeUndefined();
    const [launched] = [...s.ec2.instances.keys()];

    await waitFor('b leads', () => b.controller.isLeader(), 30_000);
    await waitFor('the claim records the instance', async () => (await nodeClaims(client))[0]?.status?.providerID, 30_000);
    s.ec2.reveal();
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'web')).length === 2, 30_000);
    const claims = await nodeClaims(client);
    expect(claims).toHaveLength(1);
    expect(claims[0].metadata.name).toBe(claim.metadata.name);
    expect(claims[0].status.providerID).toMatch(new RegExp(`/${launched}$`));
    expect(s.ec2.instances.size).toBe(1);
    expect(s.ec2.liveInstances()).toHaveLength(1);
    const tokens = fleetRequests(s).map((r) => r.ClientToken);
    // Visible: b finds it by tag and calls CreateFleet no more; lagging: b repeats the request with the same token.
    expect(tokens).toEqual(visible ? [tokens[0]] : [tokens[0], tokens[0]]);
    expect(b.controller.metrics.value('actions', { loop: 'garbage-collection', action: 'terminate-orphan-instance' })).toBeUndefined();
    expect(terminatedIds(s)).toEqual([]);
  }, 90_000);

  it('pods selecting the capacity type the pool pins run on the node launched for them (the kubelet gets the label from user data)', async () => {
    const { s, client } = await start();
    const d = deployment('default', 'web', { replicas: 2 });
    d.spec.template.spec.nodeSelector = { 'karpenter.sh/capacity-type': 'on-demand' };
    await client.create(Refs.deployments, d);
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'web')).length === 2, 30_000);
    const [node] = (await client.list(Refs.nodes)).items;
    expect(node.metadata.labels?.['karpenter.sh/capacity-type']).toBe('on-demand');
    expect(fleetRequests(s)).toHaveLength(1);
  }, 90_000);
  it('a newer AMI matching the node class: the node is marked Drifted and replaced by an instance on the new image, pods moved', async () => {
    const { s, client } = await start({ sandbox: { mode: 'optimize', controller: { ...EC2_LOOPS, intervals: { ...EC2_LOOPS.intervals, 'cloud-drift': 10_000 } } } });
    await runWeb(client, 2);
    const [before] = await waitFor('the claim Initialized', async () => {
      const all = await claimsWithInstance(s);
      return all.some((c) => (c.status?.conditions ?? []).some((x: { type: string; status: string }) => x.type === 'Initialized' && x.status === 'True')) ? all : undefined;
    }, 20_000);
    const oldId = INSTANCE_PROVIDER_ID.exec(before.status.providerID)![2];
    expect(s.ec2.instances.get(oldId)?.ImageId).toBe('ami-0a1');

    s.ec2.images.push({ ImageId: 'ami-0a2', Architecture: 'x86_64', CreationDate: '2026-05-01T00:00:00.000Z', State: 'available', Name: 'al2023-x86', Tags: [{ Key: 'smartscale.io/discovery', Value: 'demo' }] });
    await waitFor('the old instance terminated', () => terminatedIds(s).includes(oldId), 60_000, 100);
    const events = (await client.list(Refs.events)).items.filter((ev) => ev.reason === 'Drifted');
    expect(events.map((ev) => ev.message)).toEqual(["ImageDrift: the instance runs ami-0a1; the node class now selects ami-0a2"]);
    const running = await waitFor('2 pods on the replacement', async () => {
      const pods = await runningPods(client, 'default', 'web');
      return pods.length === 2 && pods.every((p) => p.spec.nodeName !== before.status.nodeName) ? pods : undefined;
    }, 30_000);
    const [after] = (await claimsWithInstance(s)).filter((c) => c.status.nodeName === running[0].spec.nodeName);
    const newId = INSTANCE_PROVIDER_ID.exec(after.status.providerID)![2];
    expect(s.ec2.instances.get(newId)?.ImageId).toBe('ami-0a2');
  }, 120_000);
  it("the EC2NodeClass's status: what it resolves to and Ready; a selector edited to match nothing turns it False with the reason and an Event, fixed turns it back", async () => {
    const { client } = await start();
    const ready = (o: KubeObject | undefined): { status: string; reason?: string; message?: string } | undefined => o?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
    const resolved = await waitFor('the status written', async () => {
      const o = await client.get(Refs.ec2NodeClasses, 'default');
      return ready(o)?.status === 'True' ? o : undefined;
    }, 20_000, 100);
    expect(resolved!.status.amis).toEqual([
      { id: 'ami-0a1', name: 'al2023-x86', architecture: 'amd64' },
      { id: 'ami-0b1', name: 'al2023-arm', architecture: 'arm64' },
    ]);
    expect(resolved!.status.securityGroups).toEqual([{ id: 'sg-0001', name: 'nodes' }]);
    expect(resolved!.status.instanceProfile).toBe('SmartscaleNodeProfile');

    const editAmis = (tags: Record<string, string>) =>
      updateWithRetry(client, Refs.ec2NodeClasses, 'default', undefined, (fresh) => {
        fresh.spec.amiSelectorTerms = [{ tags }];
        return fresh;
      });
    await editAmis({ 'smartscale.io/discovery': 'demoo' });
    const broken = await waitFor('Ready False', async () => {
      const o = await client.get(Refs.ec2NodeClasses, 'default');
      return ready(o)?.status === 'False' ? o : undefined;
    }, 20_000, 100);
    expect(ready(broken)).toMatchObject({ reason: 'ResolutionFailed', message: expect.stringContaining('amiSelectorTerms match no available') });
    expect(broken!.status.amis).toBeUndefined();
    const said = async (reason: string) => (await client.list(Refs.events)).items.filter((ev) => ev.reason === reason);
    expect((await said('NodeClassNotReady')).map((ev) => ev.message)).toEqual([expect.stringContaining('ResolutionFailed: EC2NodeClass default')]);

    await editAmis({ 'smartscale.io/discovery': 'demo' });
    await waitFor('Ready True again', async () => ready(await client.get(Refs.ec2NodeClasses, 'default'))?.status === 'True', 20_000, 100);
    expect(await said('NodeClassReady')).toHaveLength(1);
    expect(await said('NodeClassNotReady')).toHaveLength(1);
  }, 60_000);
  it("a node class's kubelet maxPods: the solver plans the pods a node really admits — one node for 30 small pods, not two at the ENI limit of 17", async () => {
    const { s, client } = await start();
    await updateWithRetry(client, Refs.ec2NodeClasses, 'default', undefined, (fresh) => {
      fresh.spec.kubelet = { maxPods: 110 };
      return fresh;
    });
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 30, cpu: '10m', memory: '32Mi' }));
    const pods = await untilRunning(client, 'default', 'web', 30, { timeoutMs: 60_000 });
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(1);
    const claims = await claimsWithInstance(s);
    expect(claims).toHaveLength(1);
    expect(claims[0].status.instanceType).toBe('t3.medium');
    expect(claims[0].status.allocatable.pods).toBe('110');
    const node = await client.get(Refs.nodes, pods[0].spec.nodeName as string);
    expect(node?.status?.allocatable?.pods).toBe('110');
  }, 90_000);
});
