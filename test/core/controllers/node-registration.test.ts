/**
 * Registration: the labels a launch decided (instance type, zone, capacity type, the type's
 * family, size, … and the pool's labels) reach the Node when it registers, as Karpenter's
 * registration step does. A kubelet sets only its own labels (and, on EKS, what NodeRestriction
 * lets it take from `--node-labels`), so without this step a pod selecting
 * `karpenter.k8s.aws/instance-family` stays pending and every pass launches another instance.
 * Both the EC2 path (the in-memory EC2 and its kubelets) and the simulated cloud with a kubelet
 * that registers only what a kubelet knows.
 */
import { CreateFleetCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedCloudProvider, type SimulatedNodeEvent } from '../../../core/cloud/simulated/provider.js';
import { loadCatalogSync } from '../../../core/cloud/catalog/index.js';
import type { KubeClient, KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { Labels } from '../../../core/model/labels.js';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { demoNodePool, startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { connectSimulatedCloud, type NodeEventSource } from '../../../core/sandbox/cloud-bridge.js';
import { startEc2Sandbox, type Ec2Sandbox } from '../cloud/ec2/sandbox-ec2.js';
import { deployment, nodeClaims, runningPods, waitFor } from './support.js';

let ec2: Ec2Sandbox | undefined;
let env: SandboxEnvironment | undefined;
let disconnect: (() => void) | undefined;
afterEach(async () => {
  disconnect?.();
  disconnect = undefined;
  await ec2?.stop();
  await env?.stop();
  ec2 = undefined;
  env = undefined;
});

const FAST = { intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 36_000_000, 'garbage-collection': 36_000_000, forecaster: 60_000, config: 5_000 }, validationMs: 5_000 };

function selecting(name: string, replicas: number, nodeSelector: Record<string, string>): KubeObject {
  const d = deployment('default', name, { replicas });
  d.spec.template.spec.nodeSelector = nodeSelector;
  return d;
}

async function nodeOf(client: KubeClient, providerId: string): Promise<KubeObject> {
  return waitFor('the node', async () => (await client.list(Refs.nodes)).items.find((n) => n.spec?.providerID === providerId));
}

/** What a kubelet (and the cloud controller) put on a Node by themselves: nothing the launch decided but the type and zone. */
const KUBELET_LABELS = [Labels.os, Labels.arch, Labels.hostname, Labels.instanceType, Labels.zone];

/**
 * The simulated cloud's instances registering through a kubelet that knows only its own labels,
 * plus `extra` (what its `--node-labels` would say), and no taints.
 */
function bareKubelets(cloud: SimulatedCloudProvider, extra: Record<string, string> = {}): NodeEventSource {
  return {
    subscribe: (listener: (e: SimulatedNodeEvent) => void) =>
      cloud.subscribe((e) => {
        if (e.type !== 'NodeReady') return listener(e);
        const labels = Object.fromEntries(KUBELET_LABELS.filter((k) => e.labels[k] !== undefined).map((k) => [k, e.labels[k]]));
        listener({ ...e, labels: { ...labels, ...extra }, taints: [] });
      }),
  };
}

async function startSimulated(options: { pool?: KubeObject; kubeletLabels?: Record<string, string> } = {}) {
  const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 2_000, podStartDelayMs: 2_000, webhook: false, controller: FAST, nodePool: options.pool ?? demoNodePool() }));
  const cloud = new SimulatedCloudProvider({ clock: e.sandbox.clock, instanceTypes: loadCatalogSync('builtin'), launchDelayMs: 20_000 });
  disconnect = connectSimulatedCloud(bareKubelets(cloud, options.kubeletLabels), e.sandbox.client);
  const events = new RecordingControllerEvents();
  const controller = await e.startController('a', { cloud, events });
  await waitFor('leadership', () => controller.isLeader());
  return { client: e.sandbox.client, cloud, controller, events };
}

describe('the claim’s labels reach the Node at registration', () => {
  it('EC2: pods selecting the instance family run on the one node launched for them (no launch per pass)', async () => {
    ec2 = await startEc2Sandbox();
    const { controller } = await ec2.startController('a');
    await waitFor('leadership', () => controller.isLeader());
    const client = ec2.env.sandbox.client;
    await client.create(Refs.deployments, selecting('web', 2, { [Labels.instanceFamily]: 't3' }));
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'web')).length === 2, 30_000);

    const [claim] = await nodeClaims(client);
    const node = await nodeOf(client, claim.status.providerID);
    expect(node.metadata.labels).toMatchObject({
      [Labels.instanceFamily]: 't3',
      [Labels.instanceSize]: claim.status.instanceType.split('.')[1],
      [Labels.instanceType]: claim.status.instanceType,
      [Labels.zone]: claim.status.zone,
      [Labels.capacityType]: claim.status.capacityType,
      [Labels.nodePool]: 'ec2',
      'smartscale.io/managed': 'true',
    });
    expect(ec2.ec2.mock.commandCalls(CreateFleetCommand)).toHaveLength(1);
    expect(await nodeClaims(client)).toHaveLength(1);
  }, 90_000);

  it('simulated cloud: a pool allowing both capacity types — the Node gets the capacity type, family, pool labels and taints the launch decided', async () => {
    const pool = demoNodePool();
    pool.spec.template.metadata.labels.team = 'blue';
    pool.spec.template.spec.requirements[0].values = ['on-demand', 'spot'];
    pool.spec.template.spec.taints = [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }];
    const { client, cloud, events } = await startSimulated({ pool });
    const web = selecting('web', 2, { [Labels.instanceFamily]: 'm6i', team: 'blue' });
    web.spec.template.spec.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }];
    await client.create(Refs.deployments, web);
    await waitFor('2 running pods', async () => (await runningPods(client, 'default', 'web')).length === 2, 30_000);

    const claims = await nodeClaims(client);
    expect(claims).toHaveLength(1);
    const [claim] = claims;
    const node = await nodeOf(client, claim.status.providerID);
    expect(['on-demand', 'spot']).toContain(claim.status.capacityType);
    expect(node.metadata.labels).toMatchObject({
      [Labels.capacityType]: claim.status.capacityType,
      [Labels.instanceFamily]: 'm6i',
      [Labels.instanceCategory]: 'm',
      [Labels.nodePool]: 'demo',
      team: 'blue',
      'smartscale.io/managed': 'true',
    });
    // The pool's taint, which this kubelet did not register with, was added at registration.
    expect(node.spec.taints).toContainEqual({ key: 'dedicated', value: 'web', effect: 'NoSchedule' });
    expect(await cloud.list()).toHaveLength(1);
  }, 90_000);

  it('a label the kubelet set with another value is kept, with a Warning Event on the claim', async () => {
    const { client, events } = await startSimulated({ kubeletLabels: { [Labels.instanceGeneration]: '99' } });
    await client.create(Refs.deployments, deployment('default', 'web', { replicas: 1 }));
    await waitFor('1 running pod', async () => (await runningPods(client, 'default', 'web')).length === 1, 30_000);
    const [claim] = await nodeClaims(client);
    const node = await nodeOf(client, claim.status.providerID);
    // The other labels were applied; the conflicting one kept the kubelet's value.
    expect(node.metadata.labels?.[Labels.instanceGeneration]).toBe('99');
    expect(node.metadata.labels?.[Labels.instanceFamily]).toBeDefined();
    const warning = events.events.find((e) => e.reason === 'LabelConflict');
    expect(warning).toMatchObject({ type: 'Warning', object: { kind: 'NodeClaim', name: claim.metadata.name } });
    expect(warning!.message).toContain(`${Labels.instanceGeneration}=99`);
  }, 90_000);
});
