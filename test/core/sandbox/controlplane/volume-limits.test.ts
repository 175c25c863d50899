/**
 * Volume attach limits in the sandbox, as a cluster with the EBS CSI driver has them: each kubelet
 * registers its node's CSINode (the drivers and their counts from `csiDrivers`), the volumes the
 * sandbox provisions are CSI volumes, and the scheduler keeps a node's distinct volumes of a driver
 * within its count (kube-scheduler's NodeVolumeLimits), retrying a refused pod when a pod on a node
 * goes or finishes, or a CSINode changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../core/kube/client.js';
import { volumeClaim } from '../../../support/volumes.js';
import { CSINODES, NODES, PODS, PVCS, PVS, STORAGE_CLASSES } from '../../../../core/sandbox/controlplane/refs.js';
import { simulatedNode } from '../../../../core/sandbox/nodes.js';
import { startSandbox, type Sandbox } from '../../../../core/sandbox/sandbox.js';
import { eventually } from '../support.js';

const EBS = 'ebs.csi.aws.com';
const EFS = 'efs.csi.aws.com';
const EXCEEDED = 'node(s) exceed max volume count';

let sandbox: Sandbox;
const errors: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({
    speed: 10,
    nodeReadyDelayMs: 200,
    podStartDelayMs: 200,
    csiDrivers: [{ name: EBS, attachLimit: 2 }, { name: EFS }],
    onError: (where, e) => errors.push(`${where}: ${String(e)}`),
  });
  await sandbox.client.create(STORAGE_CLASSES, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'ebs' }, provisioner: EBS, volumeBindingMode: 'WaitForFirstConsumer' });
});
afterAll(() => sandbox.stop());

/** A Ready node with its CSINode, both seen through the API. */
async function readyNode(name: string): Promise<KubeObject> {
  await sandbox.client.create(NODES, simulatedNode({ name, cpu: '8', memory: '16Gi' }));
  await eventually(async () => (await sandbox.client.get(CSINODES, name)) !== undefined, 5000, `${name}'s CSINode`);
  return eventually(async () => {
    const n = await sandbox.client.get(NODES, name);
    return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && n;
  }, 5000, `${name} Ready`);
}

/** A pod on `node` mounting each claim. */
const podWith = (name: string, node: string, claims: string[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    nodeSelector: { 'kubernetes.io/hostname': node },
    containers: [{ name: 'main', image: 'db', resources: { requests: { cpu: '100m' } } }],
    volumes: claims.map((claimName, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName } })),
  },
});

const nodeOf = async (name: string) => (await sandbox.client.get(PODS, name, 'default'))?.spec?.nodeName as string | undefined;
const unschedulable = async (name: string) => ((await sandbox.client.get(PODS, name, 'default'))?.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable')?.message as string | undefined;
const bound = (name: string) => eventually(() => nodeOf(name), 5000, `${name} bound`);
const refused = (name: string) =>
  eventually(async () => {
    const message = await unschedulable(name);
    return message?.includes(EXCEEDED) && message;
  }, 5000, `${name} Unschedulable for its volumes`);

async function claimsAndPod(name: string, node: string, claims: string[]): Promise<void> {
  for (const c of claims) if (!(await sandbox.client.get(PVCS, c, 'default'))) await sandbox.client.create(PVCS, volumeClaim(c, { storageClassName: 'ebs' }), 'default');
  await sandbox.client.create(PODS, podWith(name, node, claims), 'default');
}

// Each test takes well under a second; the margin is for a loaded machine.
describe('sandbox: CSINodes and volume attach limits', { timeout: 20_000 }, () => {
  it('a kubelet registers its node’s CSINode with the configured drivers, owned by the Node, gone with it', async () => {
    const node = await readyNode('csi-a');
    const csiNode = await sandbox.client.get(CSINODES, 'csi-a');
    expect(csiNode?.spec?.drivers).toEqual([
      { name: EBS, nodeID: 'csi-a', topologyKeys: ['topology.ebs.csi.aws.com/zone'], allocatable: { count: 2 } },
      { name: EFS, nodeID: 'csi-a', topologyKeys: ['topology.ebs.csi.aws.com/zone'] },
    ]);
    expect(csiNode?.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'csi-a', uid: node.metadata.uid }]);
    await sandbox.client.delete(NODES, 'csi-a');
    await eventually(async () => (await sandbox.client.get(CSINODES, 'csi-a')) === undefined, 5000, 'CSINode gone with its Node');
    // A Node of the same name registers again: a new CSINode, owned by the new Node.
    const again = await readyNode('csi-a');
    await eventually(async () => (await sandbox.client.get(CSINODES, 'csi-a'))?.metadata.ownerReferences?.[0]?.uid === again.metadata.uid, 5000, 'CSINode of the new Node');
    await sandbox.client.delete(NODES, 'csi-a');
  });

  it('two pods take a node’s two EBS attachments; the third waits, Unschedulable, until one of them is deleted', async () => {
    await readyNode('lim');
    for (const i of [1, 2, 3]) await claimsAndPod(`lim-${i}`, 'lim', [`lim-data-${i}`]);
    const placed = await eventually(async () => {
      const on = await Promise.all([1, 2, 3].map((i) => nodeOf(`lim-${i}`)));
      return on.filter((n) => n === 'lim').length === 2 && on;
    }, 5000, 'two pods placed');
    const waiting = `lim-${placed.findIndex((n) => n === undefined) + 1}`;
    expect(await refused(waiting)).toMatch(/^0\/\d+ nodes are available: .*\b1 node\(s\) exceed max volume count\b/);
    // It stays refused (not a momentary state).
    await new Promise((r) => setTimeout(r, 300));
    expect(await nodeOf(waiting)).toBeUndefined();

    // The volumes made for the placed pods are CSI volumes of the class's provisioner, each its own.
    const handles: string[] = [];
    for (const i of [1, 2, 3]) {
      if (`lim-${i}` === waiting) continue;
      const volumeName = await eventually(async () => (await sandbox.client.get(PVCS, `lim-data-${i}`, 'default'))?.spec?.volumeName as string | undefined, 5000, 'claim bound');
      const pv = await sandbox.client.get(PVS, volumeName);
      expect(pv?.spec?.csi?.driver).toBe(EBS);
      expect(pv?.spec?.csi?.volumeHandle).toMatch(/^vol-[0-9a-f]{17}$/);
      handles.push(pv!.spec.csi.volumeHandle);
    }
    expect(new Set(handles).size).toBe(2);

    await sandbox.client.delete(PODS, `lim-${placed.findIndex((n) => n === 'lim') + 1}`, 'default');
    expect(await bound(waiting)).toBe('lim');
    expect(errors).toEqual([]);
  });

  it('a volume already attached on the node costs nothing more: pods sharing a claim count it once; a finished pod’s volumes are free', async () => {
    await readyNode('shr');
    await claimsAndPod('shr-1', 'shr', ['shr-shared']);
    expect(await bound('shr-1')).toBe('shr');
    await claimsAndPod('shr-2', 'shr', ['shr-shared']);
    expect(await bound('shr-2')).toBe('shr');
    await claimsAndPod('shr-3', 'shr', ['shr-own-3']);
    expect(await bound('shr-3')).toBe('shr');
    // Two distinct volumes attached: a fourth would be one too many.
    await claimsAndPod('shr-4', 'shr', ['shr-own-4']);
    expect(await refused('shr-4')).toMatch(/\b1 node\(s\) exceed max volume count\b/);
    // shr-3 finishes: its volume is no longer attached, and shr-4 is retried.
    await sandbox.client.patch(PODS, 'shr-3', 'default', { status: { phase: 'Succeeded' } }, 'merge', { subresource: 'status' });
    expect(await bound('shr-4')).toBe('shr');
    expect(errors).toEqual([]);
  });

  it('a pod refused for its volumes is retried when the node’s CSINode changes', async () => {
    await readyNode('chg');
    await claimsAndPod('chg-1', 'chg', ['chg-data-1', 'chg-data-2']);
    expect(await bound('chg-1')).toBe('chg');
    await claimsAndPod('chg-2', 'chg', ['chg-data-3']);
    await refused('chg-2');
    // The EBS driver unregisters from the node: it reports no limit any more.
    await sandbox.client.patch(CSINODES, 'chg', undefined, { spec: { drivers: [{ name: EBS, $patch: 'delete' }] } }, 'strategic');
    expect(await bound('chg-2')).toBe('chg');
    expect(errors).toEqual([]);
  });
});
