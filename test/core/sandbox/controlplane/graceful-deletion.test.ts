/**
 * Graceful pod deletion in the sandbox (`podShutdownMs`), as a real cluster has it: a deleted pod
 * bound to a node keeps running, terminating (deletionTimestamp = now + grace), while its ReplicaSet
 * already makes a successor; its kubelet deletes it with grace 0 once the shutdown is over. Grace 0,
 * an unbound pod and a pod on a deleted node go at once; an update does not end the shutdown early.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, type KubeObject } from '../../../../core/kube/client.js';
import { DEPLOYMENTS, NODES, PODS } from '../../../../core/sandbox/controlplane/refs.js';
import { simulatedNode } from '../../../../core/sandbox/nodes.js';
import { startSandbox, type Sandbox } from '../../../../core/sandbox/sandbox.js';
import { deployment, eventually } from '../support.js';

let sandbox: Sandbox;

beforeAll(async () => {
  // 10× speed: a 20 s shutdown is 2 s of real time, room enough for a successor to start meanwhile on a loaded machine.
  sandbox = await startSandbox({ speed: 10, nodeReadyDelayMs: 500, podStartDelayMs: 500, podShutdownMs: 20_000 });
  await sandbox.client.create(NODES, simulatedNode({ name: 'g1', cpu: '4', memory: '8Gi' }));
});
afterAll(() => sandbox.stop());

const running = async (app: string) => (await sandbox.client.list(PODS, { namespace: 'default', labelSelector: `app=${app}` })).items.filter((p) => p.status?.phase === 'Running');

describe('graceful pod deletion (podShutdownMs)', () => {
  it('a deleted pod terminates for its shutdown, running, while its successor is made; then it is gone', async () => {
    await sandbox.client.create(DEPLOYMENTS, deployment('grace', 1), 'default');
    const [pod] = await eventually(async () => {
      const pods = await running('grace');
      return pods.length === 1 && pods;
    }, 10_000, 'one pod running');
    const name = pod.metadata.name!;
    const askedAt = sandbox.clock.now();
    await sandbox.client.delete(PODS, name, 'default');
    const terminating = (await sandbox.client.get(PODS, name, 'default'))!;
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(Date.parse(terminating.metadata.deletionTimestamp ?? '') - askedAt).toBeGreaterThan(28_000);
    expect(terminating.status.phase).toBe('Running');
    // A write to it (a label) does not end its shutdown.
    await sandbox.client.patch(PODS, name, 'default', { metadata: { labels: { touched: 'yes' } } }, 'merge');
    expect((await sandbox.client.get(PODS, name, 'default'))?.metadata.labels?.touched).toBe('yes');
    // Its successor comes while it is still terminating.
    await eventually(async () => (await running('grace')).some((p) => p.metadata.name !== name) && (await sandbox.client.get(PODS, name, 'default')) !== undefined, 10_000, 'successor beside the terminating pod');
    await eventually(async () => (await sandbox.client.get(PODS, name, 'default')) === undefined, 10_000, 'gone after its shutdown');
    expect(sandbox.clock.now() - askedAt).toBeGreaterThanOrEqual(18_000);
  });

  it('grace 0 removes at once; an unbound pod goes at once; a bad grace period is refused', async () => {
    const [pod] = await running('grace');
    await sandbox.client.delete(PODS, pod.metadata.name!, 'default', { gracePeriodSeconds: 0 });
    expect(await sandbox.client.get(PODS, pod.metadata.name!, 'default')).toBeUndefined();
    const unbound: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound', namespace: 'default' }, spec: { nodeSelector: { nowhere: 'true' }, containers: [{ name: 'c', image: 'x' }] } };
    await sandbox.client.create(PODS, unbound);
    await sandbox.client.delete(PODS, 'unbound', 'default');
    expect(await sandbox.client.get(PODS, 'unbound', 'default')).toBeUndefined();
    const [other] = await eventually(async () => {
      const pods = await running('grace');
      return pods.length === 1 && pods;
    }, 10_000, 'the replacement running');
    for (const bad of [1.5, '5', true, 1e13]) {
      const refused = await sandbox.client.delete(PODS, other.metadata.name!, 'default', { gracePeriodSeconds: bad as number }).catch((e) => e);
      expect(refused, String(bad)).toBeInstanceOf(KubeApiError);
      expect((refused as KubeApiError).code).toBe(400);
    }
    expect((await sandbox.client.get(PODS, other.metadata.name!, 'default'))?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('a shutdown under way: a shorter grace moves its deadline to its start plus that grace; no grace or a longer one changes nothing; negative is 1 s', async () => {
    // On a node without a kubelet, so no shutdown ends while the test looks.
    await sandbox.client.create(NODES, { ...simulatedNode({ name: 'frozen', cpu: '4', memory: '8Gi' }), metadata: { name: 'frozen', annotations: { 'sandbox.smartscale.io/unmanaged': 'true' } } });
    const frozen = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'frozen', terminationGracePeriodSeconds: 300, containers: [{ name: 'c', image: 'x' }] } });
    await sandbox.client.create(PODS, frozen('slow'));
    await sandbox.client.delete(PODS, 'slow', 'default');
    const first = (await sandbox.client.get(PODS, 'slow', 'default'))!;
    const deadline = Date.parse(first.metadata.deletionTimestamp ?? '');
    expect(first.metadata.deletionGracePeriodSeconds).toBe(300);
    // No grace named (an eviction's default), or a longer one: unchanged.
    await sandbox.client.delete(PODS, 'slow', 'default');
    await sandbox.client.delete(PODS, 'slow', 'default', { gracePeriodSeconds: 600 });
    expect((await sandbox.client.get(PODS, 'slow', 'default'))?.metadata).toMatchObject({ deletionGracePeriodSeconds: 300, deletionTimestamp: first.metadata.deletionTimestamp });
    // 120 instead of 300: the deadline moves 180 s earlier (it began at the same time).
    await sandbox.client.delete(PODS, 'slow', 'default', { gracePeriodSeconds: 120 });
    const shorter = (await sandbox.client.get(PODS, 'slow', 'default'))!;
    expect(shorter.metadata.deletionGracePeriodSeconds).toBe(120);
    expect(Date.parse(shorter.metadata.deletionTimestamp ?? '')).toBe(deadline - 180_000);
    // As the pod strategy does, a negative period is 1 second, not "at once".
    await sandbox.client.create(PODS, frozen('negative'));
    await sandbox.client.delete(PODS, 'negative', 'default', { gracePeriodSeconds: -1 });
    expect((await sandbox.client.get(PODS, 'negative', 'default'))?.metadata.deletionGracePeriodSeconds).toBe(1);
    // Grace 0 ends any of them.
    for (const name of ['slow', 'negative']) await sandbox.client.delete(PODS, name, 'default', { gracePeriodSeconds: 0 });
    expect(await sandbox.client.get(PODS, 'slow', 'default')).toBeUndefined();
    await sandbox.client.delete(NODES, 'frozen');
  });

  it('a pod waiting for room is scheduled once a bound pod is deleted (the scheduler retries on assigned pods\' deletion)', async () => {
    await sandbox.client.create(NODES, simulatedNode({ name: 'tight', cpu: '1', memory: '4Gi', labels: { tight: 'yes' } }));
    const sized = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeSelector: { tight: 'yes' }, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '800m' } } }] } });
    await sandbox.client.create(PODS, sized('first'));
    await eventually(async () => (await sandbox.client.get(PODS, 'first', 'default'))?.status?.phase === 'Running', 10_000, 'first running');
    await sandbox.client.create(PODS, sized('second'));
    await eventually(async () => (await sandbox.client.get(PODS, 'second', 'default'))?.status?.conditions?.some((c: { reason?: string }) => c.reason === 'Unschedulable'), 10_000, 'second unschedulable');
    await sandbox.client.delete(PODS, 'first', 'default', { gracePeriodSeconds: 0 });
    await eventually(async () => (await sandbox.client.get(PODS, 'second', 'default'))?.spec?.nodeName === 'tight', 5_000, 'second scheduled on tight');
    await sandbox.client.delete(NODES, 'tight');
  });

  it('a pod with a finalizer: removing it during the shutdown does not remove the pod; the kubelet\'s grace-0 delete then does', async () => {
    const p: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] }, spec: { nodeName: 'g1', containers: [{ name: 'c', image: 'x' }] } };
    await sandbox.client.create(PODS, p);
    await eventually(async () => (await sandbox.client.get(PODS, 'held', 'default'))?.status?.phase === 'Running', 10_000, 'held running');
    await sandbox.client.delete(PODS, 'held', 'default');
    await sandbox.client.patch(PODS, 'held', 'default', { metadata: { finalizers: null } }, 'merge');
    const shuttingDown = await sandbox.client.get(PODS, 'held', 'default');
    expect(shuttingDown?.metadata.deletionGracePeriodSeconds).toBe(30);
    await eventually(async () => (await sandbox.client.get(PODS, 'held', 'default')) === undefined, 10_000, 'gone after its shutdown');
    // With the finalizer still on at the kubelet's grace-0 delete, the pod waits for it with grace 0.
    await sandbox.client.create(PODS, { ...p, metadata: { ...p.metadata, name: 'held2' } });
    await eventually(async () => (await sandbox.client.get(PODS, 'held2', 'default'))?.status?.phase === 'Running', 10_000, 'held2 running');
    await sandbox.client.delete(PODS, 'held2', 'default');
    await eventually(async () => (await sandbox.client.get(PODS, 'held2', 'default'))?.metadata.deletionGracePeriodSeconds === 0, 10_000, 'shutdown over, finalizer left');
    await sandbox.client.patch(PODS, 'held2', 'default', { metadata: { finalizers: null } }, 'merge');
    expect(await sandbox.client.get(PODS, 'held2', 'default')).toBeUndefined();
  });

  it('the pods of a deleted node go at once (the pod garbage collector forces them)', async () => {
    await sandbox.client.create(NODES, simulatedNode({ name: 'g2', cpu: '4', memory: '8Gi' }));
    await sandbox.client.patch(NODES, 'g1', undefined, { spec: { unschedulable: true } }, 'merge');
    const [pod] = await running('grace');
    await sandbox.client.delete(PODS, pod.metadata.name!, 'default', { gracePeriodSeconds: 0 });
    const [onG2] = await eventually(async () => {
      const pods = (await running('grace')).filter((p) => p.spec.nodeName === 'g2');
      return pods.length === 1 && pods;
    }, 10_000, 'a pod on g2');
    await sandbox.client.delete(NODES, 'g2');
    await eventually(async () => (await sandbox.client.get(PODS, onG2.metadata.name!, 'default')) === undefined, 2_000, 'gone with its node');
    // A pod bound to a node that does not exist, deleted: it has no kubelet to finish, so it is forced.
    await sandbox.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'default' }, spec: { nodeName: 'ghost', containers: [{ name: 'c', image: 'x' }] } });
    await sandbox.client.delete(PODS, 'orphan', 'default');
    await eventually(async () => (await sandbox.client.get(PODS, 'orphan', 'default')) === undefined, 5_000, 'the orphan gone');
  });
});
