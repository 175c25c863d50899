/**
 * End to end with @kubernetes/client-node used as applications use it (typed APIs, Watch,
 * makeInformer, KubernetesObjectApi, patch strategies) against the sandbox over HTTPS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  PolicyV1Api,
  Watch,
  makeInformer,
  setHeaderOptions,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { simulatedNode } from '../../core/sandbox/nodes.js';
import { NODES } from '../../core/sandbox/controlplane/refs.js';
import { startSandbox, type Sandbox } from '../../core/sandbox/sandbox.js';
import { eventually } from '../core/sandbox/support.js';

let sandbox: Sandbox;
let kc: KubeConfig;

function web(name: string, replicas: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27', resources: { requests: { cpu: '100m' } } }] } },
    },
  };
}

describe('@kubernetes/client-node against the sandbox', { timeout: 20_000 }, () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ nodeReadyDelayMs: 100, podStartDelayMs: 50 });
    await sandbox.client.create(NODES, simulatedNode({ name: 'cn-1', cpu: '4', memory: '8Gi' }));
    kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig);
  });
  afterAll(() => sandbox.stop());

  it('[N1] typed APIs: create, read, list with selectors, replace with conflict, delete', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body: web('cn1', 2) });
    expect(created.metadata?.uid).toBeDefined();
    await eventually(async () => (await apps.readNamespacedDeployment({ name: 'cn1', namespace: 'default' })).status?.readyReplicas === 2, 10_000, 'ready');
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=cn1', fieldSelector: 'status.phase=Running' });
    expect(pods.items).toHaveLength(2);
    expect(pods.items[0].status?.phase).toBe('Running');
    const stale = await apps.readNamespacedDeployment({ name: 'cn1', namespace: 'default' });
    await apps.patchNamespacedDeployment({ name: 'cn1', namespace: 'default', body: { metadata: { labels: { touched: 'yes' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const conflict = await apps.replaceNamespacedDeployment({ name: 'cn1', namespace: 'default', body: stale }).catch((e) => e);
    expect(conflict).toBeInstanceOf(ApiException);
    expect((conflict as ApiException<unknown>).code).toBe(409);
    const missing = await core.readNamespacedPod({ name: 'nope', namespace: 'default' }).catch((e) => e);
    expect((missing as ApiException<unknown>).code).toBe(404);
  });

  it('[N2] patch strategies: merge, JSON, strategic; scale subresource', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.patchNamespacedDeployment({ name: 'cn1', namespace: 'default', body: [{ op: 'add', path: '/metadata/annotations', value: { a: '1' } }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    const smp = await apps.patchNamespacedDeployment(
      { name: 'cn1', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers[0]).toMatchObject({ name: 'main', image: 'nginx:1.28', resources: { requests: { cpu: '100m' } } });
    expect(smp.metadata?.annotations).toEqual({ a: '1' });
    const scale = await apps.readNamespacedDeploymentScale({ name: 'cn1', namespace: 'default' });
    expect(scale.spec?.replicas).toBe(2);
    await apps.patchNamespacedDeploymentScale({ name: 'cn1', namespace: 'default', body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await eventually(async () => (await apps.readNamespacedDeployment({ name: 'cn1', namespace: 'default' })).status?.readyReplicas === 3, 10_000, 'scaled to 3');
  });

  it('[N3] Watch streams events from a resourceVersion', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const events: string[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch('/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true }, (type, obj) => events.push(`${type} ${obj.metadata?.name ?? ''}`), (err) => events.push(`DONE ${err}`));
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn3' }, data: { a: 'b' } } });
    await core.deleteNamespacedConfigMap({ name: 'cn3', namespace: 'default' });
    await eventually(() => events.includes('DELETED cn3'), 5000, 'watch events').catch((e) => { throw new Error(e.message + JSON.stringify(events)); });
    expect(events.filter((e) => !e.startsWith('BOOKMARK'))).toEqual(['ADDED cn3', 'DELETED cn3']);
    controller.abort();
  });

  it('[N4] makeInformer keeps a cache of pods and calls add/update/delete handlers', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }), 'app=cn1');
    const seen = { add: 0, update: 0, delete: 0 };
    informer.on('add', () => seen.add++);
    informer.on('update', () => seen.update++);
    informer.on('delete', () => seen.delete++);
    await informer.start();
    await eventually(() => informer.list().length === 3, 5000, 'informer cache');
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.patchNamespacedDeploymentScale({ name: 'cn1', namespace: 'default', body: { spec: { replicas: 1 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await eventually(() => informer.list().length === 1 && seen.delete >= 2, 5000, 'informer deletes');
    expect(seen.add).toBeGreaterThanOrEqual(3);
    await informer.stop();
  });

  it('[N5] KubernetesObjectApi (generic, discovery-driven) creates, reads and lists; eviction and leases through typed APIs', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn5', namespace: 'default' }, data: { x: 'y' } } as any);
    const read = await objects.read<any>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn5', namespace: 'default' } });
    expect(read.data).toEqual({ x: 'y' });
    const list = await objects.list('apps/v1', 'Deployment', 'default');
    expect(list.items.map((i) => i.metadata?.name)).toContain('cn1');
    const leases = kc.makeApiClient(CoordinationV1Api);
    const lease = await leases.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } });
    const taken = await leases.replaceNamespacedLease({ name: 'leader', namespace: 'default', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } } });
    expect(taken.spec?.holderIdentity).toBe('b');
    const lost = await leases.replaceNamespacedLease({ name: 'leader', namespace: 'default', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'c' } } }).catch((e) => e);
    expect((lost as ApiException<unknown>).code).toBe(409);
    const policy = kc.makeApiClient(PolicyV1Api);
    await policy.createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'cn1' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'cn1' } } } } });
    const core = kc.makeApiClient(CoreV1Api);
    const [pod] = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=cn1' })).items;
    const refused = await core.createNamespacedPodEviction({ name: pod.metadata!.name!, namespace: 'default', body: { metadata: { name: pod.metadata!.name!, namespace: 'default' } } }).catch((e) => e);
    expect((refused as ApiException<unknown>).code).toBe(429);
  });
});
