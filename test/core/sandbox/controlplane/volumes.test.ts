/**
 * The sandbox scheduler and persistent volumes: a pod goes only where its volumes can be attached; a
 * missing claim keeps it Unschedulable, saying so; binding a pod with an unbound claim provisions a
 * volume in the node's zone (WaitForFirstConsumer), and the pod's next incarnation follows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../core/kube/client.js';
import { volumeClaim as claim, zonalVolume } from '../../../support/volumes.js';
import { Labels } from '../../../../core/model/labels.js';
import { DEFAULT_STORAGE_CLASS_ANNOTATION } from '../../../../core/model/volume-topology.js';
import { NODES, PODS, PVCS, PVS, STORAGE_CLASSES } from '../../../../core/sandbox/controlplane/refs.js';
import { simulatedNode } from '../../../../core/sandbox/nodes.js';
import { startSandbox, type Sandbox } from '../../../../core/sandbox/sandbox.js';
import { eventually } from '../support.js';

let sandbox: Sandbox;
const errors: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ nodeReadyDelayMs: 50, podStartDelayMs: 20, onError: (where, e) => errors.push(`${where}: ${String(e)}`) });
  for (const [name, zone] of [['n-a', 'us-east-1a'], ['n-b', 'us-east-1b']]) {
    await sandbox.client.create(NODES, simulatedNode({ name, cpu: '4', memory: '8Gi', labels: { [Labels.zone]: zone } }));
  }
  await sandbox.client.create(STORAGE_CLASSES, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'gp3-b', annotations: { [DEFAULT_STORAGE_CLASS_ANNOTATION]: 'true' } },
    provisioner: 'ebs.csi.aws.com',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.ebs.csi.aws.com/zone', values: ['us-east-1b'] }] }],
  });
});
afterAll(() => sandbox.stop());

const pod = (name: string, claimName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'main', image: 'db', resources: { requests: { cpu: '100m' } } }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
});
const get = (name: string) => sandbox.client.get(PODS, name, 'default');
const unschedulable = async (name: string) => ((await get(name))?.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable')?.message as string | undefined;

describe('sandbox scheduler: volume topology and binding', () => {
  it('a bound claim: the pod runs in its volume’s zone', async () => {
    await sandbox.client.create(PVS, zonalVolume('pv-a', 'us-east-1a'));
    await sandbox.client.create(PVCS, claim('data-a', { volumeName: 'pv-a', storageClassName: '' }), 'default');
    await sandbox.client.create(PODS, pod('db-a', 'data-a'), 'default');
    const bound = await eventually(async () => (await get('db-a'))?.spec?.nodeName, 5000, 'db-a bound');
    expect(bound).toBe('n-a');
  });

  it('an unbound claim of the default class: the pod goes where the class allows, and a volume is made there for it', async () => {
    await sandbox.client.create(PVCS, claim('data-b'), 'default');
    await sandbox.client.create(PODS, pod('db-b', 'data-b'), 'default');
    expect(await eventually(async () => (await get('db-b'))?.spec?.nodeName, 5000, 'db-b bound')).toBe('n-b');
    const pvc = await eventually(async () => {
      const c = await sandbox.client.get(PVCS, 'data-b', 'default');
      return c?.spec?.volumeName && c.status?.phase === 'Bound' && c;
    }, 5000, 'claim bound');
    const pv = await sandbox.client.get(PVS, pvc.spec.volumeName);
    expect(pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions).toEqual([{ key: Labels.zone, operator: 'In', values: ['us-east-1b'] }]);
    expect(pv?.spec?.claimRef).toMatchObject({ namespace: 'default', name: 'data-b' });
  });

  it('an unbound claim of an Immediate class: its volume is made first (in the class’s zone), then the pod follows it', async () => {
    await sandbox.client.create(STORAGE_CLASSES, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gp2-a' },
      provisioner: 'ebs.csi.aws.com',
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.ebs.csi.aws.com/zone', values: ['us-east-1a'] }] }],
    });
    await sandbox.client.create(PVCS, claim('data-imm', { storageClassName: 'gp2-a' }), 'default');
    await sandbox.client.create(PODS, pod('db-imm', 'data-imm'), 'default');
    expect(await eventually(async () => (await get('db-imm'))?.spec?.nodeName, 5000, 'db-imm bound')).toBe('n-a');
    const pvc = await sandbox.client.get(PVCS, 'data-imm', 'default');
    const pv = await sandbox.client.get(PVS, pvc!.spec.volumeName);
    expect(pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions).toEqual([{ key: Labels.zone, operator: 'In', values: ['us-east-1a'] }]);
  });

  it('a missing claim keeps the pod Unschedulable, naming it; once the claim exists the pod is scheduled', async () => {
    await sandbox.client.create(PODS, pod('db-late', 'data-late'), 'default');
    const message = await eventually(() => unschedulable('db-late'), 5000, 'Unschedulable');
    expect(message).toBe('0/2 nodes are available: PersistentVolumeClaim default/data-late not found.');
    await sandbox.client.create(PVS, zonalVolume('pv-late', 'us-east-1a'));
    await sandbox.client.create(PVCS, claim('data-late', { volumeName: 'pv-late', storageClassName: '' }), 'default');
    expect(await eventually(async () => (await get('db-late'))?.spec?.nodeName, 5000, 'db-late bound')).toBe('n-a');
  });

  it('a volume in a zone without nodes: volume node affinity conflict, until a node in that zone appears', async () => {
    await sandbox.client.create(PVS, zonalVolume('pv-c', 'us-east-1c'));
    await sandbox.client.create(PVCS, claim('data-c', { volumeName: 'pv-c', storageClassName: '' }), 'default');
    await sandbox.client.create(PODS, pod('db-c', 'data-c'), 'default');
    expect(await eventually(() => unschedulable('db-c'), 5000, 'Unschedulable')).toBe('0/2 nodes are available: 2 node(s) had volume node affinity conflict.');
    await sandbox.client.create(NODES, simulatedNode({ name: 'n-c', cpu: '4', memory: '8Gi', labels: { [Labels.zone]: 'us-east-1c' } }));
    expect(await eventually(async () => (await get('db-c'))?.spec?.nodeName, 5000, 'db-c bound')).toBe('n-c');
    expect(errors).toEqual([]);
  });
});

describe('sandbox scheduler: required pod affinity', () => {
  const attracted = (name: string, app: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [{ name: 'main', image: 'web', resources: { requests: { cpu: '100m' } } }],
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: Labels.zone, labelSelector: { matchLabels: { app } } }] } },
    },
  });

  it('waits, Unschedulable, until a matching pod runs; then goes to its zone', async () => {
    await sandbox.client.create(PODS, attracted('web-1', 'cache'), 'default');
    expect(await eventually(() => unschedulable('web-1'), 5000, 'Unschedulable')).toMatch(/no running pod matches its required pod affinity/);
    await sandbox.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cache-1', namespace: 'default', labels: { app: 'cache' } }, spec: { nodeSelector: { [Labels.zone]: 'us-east-1b' }, containers: [{ name: 'main', image: 'cache' }] } }, 'default');
    expect(await eventually(async () => (await get('web-1'))?.spec?.nodeName, 5000, 'web-1 bound')).toBe('n-b');
  });
});
