import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../core/kube/client.js';
import { DEPLOYMENTS, NODES, PDBS, PODS, REPLICASETS } from '../../../../core/sandbox/controlplane/refs.js';
import { simulatedNode } from '../../../../core/sandbox/nodes.js';
import { startSandbox, type Sandbox } from '../../../../core/sandbox/sandbox.js';
import { deployment, eventually } from '../support.js';

let sandbox: Sandbox;
const errors: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ nodeReadyDelayMs: 150, podStartDelayMs: 50, onError: (where, e) => errors.push(`${where}: ${String(e)}`) });
  await sandbox.client.create(NODES, simulatedNode({ name: 'n1', cpu: '2', memory: '8Gi', labels: { zone: 'a' } }));
  await sandbox.client.create(NODES, simulatedNode({ name: 'n2', cpu: '2', memory: '8Gi', labels: { zone: 'b' }, taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }] }));
});
afterAll(() => sandbox.stop());

const isReady = (o: KubeObject) => (o.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

async function pods(selector: string): Promise<KubeObject[]> {
  return (await sandbox.client.list(PODS, { namespace: 'default', labelSelector: selector })).items;
}

function withRequests(d: any, cpu: string): any {
  d.spec.template.spec.containers[0].resources = { requests: { cpu, memory: '256Mi' } };
  return d;
}

describe('simulated control plane', () => {
  it('[K1] nodes turn Ready after their launch delay, not before', async () => {
    const n = await sandbox.client.get(NODES, 'n1');
    const readyNow = isReady(n!);
    await eventually(async () => isReady((await sandbox.client.get(NODES, 'n1'))!), 3000, 'node Ready');
    expect(readyNow).toBe(false);
    const ready = (await sandbox.client.get(NODES, 'n1'))!;
    expect(ready.status.nodeInfo.kubeletVersion).toBe('v1.32.0-sandbox');
  });

  it('[K2] a Deployment gets a ReplicaSet and Running, Ready pods bound to fitting nodes; status follows', async () => {
    await sandbox.client.create(DEPLOYMENTS, withRequests(deployment('k2', 3), '200m'), 'default');
    const ready = await eventually(async () => {
      const d = await sandbox.client.get(DEPLOYMENTS, 'k2', 'default');
      return d?.status?.readyReplicas === 3 && d.status.observedGeneration === d.metadata.generation && d;
    }, 5000, 'deployment ready');
    expect(ready.status.availableReplicas).toBe(3);
    const rs = (await sandbox.client.list(REPLICASETS, { namespace: 'default', labelSelector: 'app=k2' })).items;
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'k2', controller: true });
    const running = await pods('app=k2');
    expect(running.map((p) => p.status.phase)).toEqual(['Running', 'Running', 'Running']);
    // n2 is tainted and the pods do not tolerate it.
    expect(new Set(running.map((p) => p.spec.nodeName))).toEqual(new Set(['n1']));
    expect(running.every((p) => p.status.podIP && isReady(p))).toBe(true);
  });

  it('[K3] scaling the Deployment adds and removes pods', async () => {
    await sandbox.client.patch(DEPLOYMENTS, 'k2', 'default', { spec: { replicas: 1 } }, 'merge', { subresource: 'scale' });
    await eventually(async () => (await pods('app=k2')).length === 1, 5000, 'scale down to 1');
    await sandbox.client.patch(DEPLOYMENTS, 'k2', 'default', { spec: { replicas: 4 } }, 'merge');
    await eventually(async () => (await sandbox.client.get(DEPLOYMENTS, 'k2', 'default'))?.status?.readyReplicas === 4, 5000, 'scale up to 4');
  });

  it('[K4] a template change rolls out through a new ReplicaSet', async () => {
    await sandbox.client.patch(DEPLOYMENTS, 'k2', 'default', { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } }, 'strategic');
    await eventually(async () => {
      const list = await pods('app=k2');
      return list.length === 4 && list.every((p) => p.spec.containers[0].image === 'nginx:1.28' && isReady(p));
    }, 8000, 'rollout to finish');
    const rs = (await sandbox.client.list(REPLICASETS, { namespace: 'default', labelSelector: 'app=k2' })).items;
    expect(rs.map((r) => r.spec.replicas).sort()).toEqual([0, 4]);
    // The Deployment's status follows its ReplicaSets' a moment later.
    await eventually(async () => (await sandbox.client.get(DEPLOYMENTS, 'k2', 'default'))?.status?.updatedReplicas === 4, 3000, 'updatedReplicas 4');
  });

  it('[K5] a pod that fits nowhere is marked Unschedulable, then scheduled when a node appears; tolerations and nodeSelector are honoured', async () => {
    const big = withRequests(deployment('k5', 1), '3');
    big.spec.template.spec.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }];
    big.spec.template.spec.nodeSelector = { zone: 'c' };
    await sandbox.client.create(DEPLOYMENTS, big, 'default');
    const pending = await eventually(async () => {
      const [p] = await pods('app=k5');
      const c = p?.status?.conditions?.find((x: any) => x.type === 'PodScheduled');
      return c?.reason === 'Unschedulable' && c;
    }, 5000, 'Unschedulable condition');
    expect(pending.message).toMatch(/^0\/2 nodes are available/);
    await sandbox.client.create(NODES, simulatedNode({ name: 'n3', cpu: '4', memory: '8Gi', labels: { zone: 'c' }, taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }] }));
    await eventually(async () => {
      const [p] = await pods('app=k5');
      return p?.spec?.nodeName === 'n3' && p.status.phase === 'Running';
    }, 5000, 'pod on the new node');
  });

  it('[K6] the disruption controller keeps PDB status; eviction beyond the budget is refused', async () => {
    await sandbox.client.create(PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'k2' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'k2' } } } }, 'default');
    const pdb = await eventually(async () => {
      const b = await sandbox.client.get(PDBS, 'k2', 'default');
      return b?.status?.expectedPods === 4 && b;
    }, 5000, 'PDB status');
    expect(pdb.status).toMatchObject({ currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 });
    const [first, second] = await pods('app=k2');
    await sandbox.client.postSubresource(PODS, first.metadata.name!, 'default', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: first.metadata.name } });
    await expect(
      sandbox.client.postSubresource(PODS, second.metadata.name!, 'default', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: second.metadata.name } }),
    ).rejects.toMatchObject({ code: 429 });
    // The ReplicaSet replaces the evicted pod; once it is ready the budget allows one again.
    await eventually(async () => (await sandbox.client.get(PDBS, 'k2', 'default'))?.status?.disruptionsAllowed === 1, 5000, 'budget to recover');
  });

  it('[K7] pods on a deleted node are deleted and replaced elsewhere', async () => {
    await sandbox.client.delete(NODES, 'n3');
    await eventually(async () => {
      const [p] = await pods('app=k5');
      return p && p.spec.nodeName !== 'n3' && p.status.conditions?.some((c: any) => c.reason === 'Unschedulable');
    }, 5000, 'replacement pending');
  });

  it('[K8] deleting a Deployment removes its ReplicaSets and pods', async () => {
    await sandbox.client.delete(DEPLOYMENTS, 'k2', 'default', { propagationPolicy: 'Background' });
    await eventually(async () => (await pods('app=k2')).length === 0 && (await sandbox.client.list(REPLICASETS, { namespace: 'default', labelSelector: 'app=k2' })).items.length === 0, 5000, 'cascade');
    expect(errors.filter((e) => !e.includes('409') && !e.includes('404'))).toEqual([]);
  });
});
