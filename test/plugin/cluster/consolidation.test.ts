import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../core/kube/client.js';
import { Annotations, formatForecastAnnotation } from '../../../core/model/annotations.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../../../core/model/cluster-config.js';
import { DEFAULT_CONTEXT, mutate } from '../../../webhook/mutate/index.js';
import { deployment } from '../../core/controllers/support.js';
import { previewConsolidation, SnapshotKubeClient } from '../../../plugin/cluster/consolidation.js';

const NOW = Date.UTC(2026, 0, 1, 12);

function nodePool(budget = '1'): KubeObject {
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodePool',
    metadata: { name: 'default' },
    spec: {
      template: { spec: { nodeClassRef: { group: 'smartscale.io', kind: 'EC2NodeClass', name: 'default' }, requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] } },
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m', budgets: [{ nodes: budget }] },
    },
  };
}

function node(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, creationTimestamp: '2026-01-01T10:00:00Z', labels: { 'smartscale.io/nodepool': 'default', 'node.kubernetes.io/instance-type': 'm6i.large', 'kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': 'us-east-1a' } },
    spec: { providerID: `sim:///${name}` },
    status: { allocatable: { cpu: '1930m', memory: '7Gi', pods: '29' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function claim(name: string, nodeName: string): KubeObject {
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodeClaim',
    metadata: { name, creationTimestamp: '2026-01-01T10:00:00Z' },
    spec: { nodePool: 'default', instanceTypeOptions: ['m6i.large'] },
    status: { providerID: `sim:///${nodeName}`, nodeName, instanceType: 'm6i.large', pricePerHour: '0.096', conditions: [{ type: 'Launched', status: 'True' }, { type: 'Registered', status: 'True' }, { type: 'Initialized', status: 'True' }] },
  };
}

const busyPod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop' }, spec: { nodeName: 'node-b', containers: [{ name: 'c', resources: { requests: { cpu: '1', memory: '1Gi' } } }] }, status: { phase: 'Running' } };

function input(overrides: Partial<Parameters<typeof previewConsolidation>[0]> = {}) {
  return { nodes: [node('node-a'), node('node-b')], pods: [busyPod], nodeClaims: [claim('claim-a', 'node-a'), claim('claim-b', 'node-b')], nodePools: [nodePool()], pdbs: [], deployments: [], configMaps: [], nowMs: NOW, ...overrides };
}

describe('consolidation preview (the controller planner on a snapshot)', () => {
  it('names the empty node and why', async () => {
    const preview = await previewConsolidation(input());
    expect(preview.next).toMatchObject({ method: 'Emptiness', nodes: ['node-a'], savingsPerHour: 0.096 });
    expect(preview.next!.message).toContain('empty');
    expect(preview.invalidNodePools).toEqual([]);
  });

  it('says when consolidate-after passes for the nodes it names, from the claim\'s recorded last pod event (else the node\'s age)', async () => {
    // Nothing recorded: the running controller counts the empty node's minute from when it first saw
    // it empty, which the preview cannot know — it does not guess.
    expect((await previewConsolidation(input())).next!.waitMs).toBeUndefined();
    // Its last pod left 20 s ago (the claim's record, as a restarted controller reads it): 40 s to go.
    const recent = claim('claim-a', 'node-a');
    recent.status.lastPodEventTime = new Date(NOW - 20_000).toISOString();
    const preview = await previewConsolidation(input({ nodeClaims: [recent, claim('claim-b', 'node-b')] }));
    expect(preview.next).toMatchObject({ method: 'Emptiness', nodes: ['node-a'], waitMs: 40_000 });
    // Five minutes ago: due now.
    recent.status.lastPodEventTime = new Date(NOW - 300_000).toISOString();
    expect((await previewConsolidation(input({ nodeClaims: [recent, claim('claim-b', 'node-b')] }))).next!.waitMs).toBe(0);
  });

  it('respects a budget of zero', async () => {
    const preview = await previewConsolidation(input({ nodePools: [nodePool('0')] }));
    expect(preview.next).toBeUndefined();
  });

  it('reports a NodePool it cannot parse', async () => {
    const broken = { ...nodePool(), spec: { template: {}, disruption: { consolidateAfter: 'soon' } } };
    const preview = await previewConsolidation(input({ nodePools: [broken] }));
    expect(preview.invalidNodePools[0]).toMatch(/^default: /);
    expect(preview.next).toBeUndefined();
  });
});

describe('consolidation preview and the forecast', () => {
  // A Deployment of 2 replicas the webhook wants at 13 (peak 14), 250m each: 11 predicted pods, of
  // which node-a must hold some; the cluster in optimize mode.
  const nowSec = NOW / 1000;
  const forecast = formatForecastAnnotation({ v: 1, generatedAt: nowSec - 5, stepSeconds: 60, point: [80, 90, 100], upper: [100, 110, 120], quantile: 0.965, model: 'seasonal' });
  const api = deployment('shop', 'api', { replicas: 2, cpu: '250m', annotations: { [Annotations.enabled]: 'true', [Annotations.targetRpsPerPod]: '10', [Annotations.forecast]: forecast } });
  const admitted = mutate(api as unknown as Record<string, unknown>, { ...DEFAULT_CONTEXT, hpaOwnsReplicas: false, nowSec }).deployment as unknown as KubeObject;
  const config = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CLUSTER_CONFIG_NAME, namespace: SMARTSCALE_NAMESPACE }, data: { mode: 'optimize', ...data } });

  it('keeps the empty node the forecast needs, saying within which window: the node lead by default, the horizon with a provision lead', async () => {
    const byDefault = await previewConsolidation(input({ deployments: [admitted], configMaps: [config({})] }));
    expect(byDefault.blocked).toContainEqual({ node: 'node-a', reason: 'forecast needs this capacity within the node lead' });
    const withLead = await previewConsolidation(input({ deployments: [admitted], configMaps: [config({ 'controller.provisionLead': '10m' })] }));
    expect(withLead.blocked).toContainEqual({ node: 'node-a', reason: 'forecast needs this capacity within the forecast horizon (15m)' });
  });
});

describe('SnapshotKubeClient', () => {
  it('serves lists and gets, never writes', async () => {
    const client = new SnapshotKubeClient(new Map([['nodes', [node('n')]]]));
    expect((await client.list({ group: '', version: 'v1', plural: 'nodes', namespaced: false })).items).toHaveLength(1);
    expect(await client.get({ group: '', version: 'v1', plural: 'nodes', namespaced: false }, 'n')).toBeDefined();
    await expect(client.create()).rejects.toThrow(/never writes/);
  });
});

describe('consolidation preview and persistent volumes', () => {
  const zonal = (name: string, zone: string): KubeObject => ({ ...node(name), metadata: { ...node(name).metadata, labels: { ...node(name).metadata.labels, 'topology.kubernetes.io/zone': zone } } });
  const pod = (name: string, nodeName: string, claimName?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] },
    spec: { nodeName, containers: [{ name: 'c', resources: { requests: { cpu: '500m', memory: '1Gi' } } }], ...(claimName ? { volumes: [{ name: 'd', persistentVolumeClaim: { claimName } }] } : {}) },
    status: { phase: 'Running' },
  });
  const pool = { ...nodePool(), spec: { ...nodePool().spec, template: { spec: { requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] } } } };
  const cluster = {
    ...input(),
    nodes: [zonal('node-a', 'us-east-1a'), zonal('node-b', 'us-east-1b')],
    pods: [pod('db-0', 'node-a', 'data'), pod('web-0', 'node-b')],
    nodePools: [pool],
  };
  const volumes = {
    volumeClaims: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'shop' }, spec: { volumeName: 'pv-a' } }],
    volumes: [{ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-a' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.ebs.csi.aws.com/zone', operator: 'In', values: ['us-east-1a'] }] }] } } } }],
    storageClasses: [],
  };

  it('a pod whose volume is in its node’s zone is not moved to a node in another zone', async () => {
    // Not knowing the volume, the planner would move db-0 onto node-b (another zone, where it could never start).
    expect((await previewConsolidation(cluster)).next).toMatchObject({ nodes: ['node-a'], replacements: [] });
    // Knowing it: node-a is only replaced, by a cheaper node in its own zone.
    const next = (await previewConsolidation({ ...cluster, ...volumes })).next;
    expect(next?.nodes).toEqual(['node-a']);
    expect(next?.replacements).toHaveLength(1);
  });

  it('a replacement is sized for the DaemonSets it will also run', async () => {
    const agent: KubeObject = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system' }, spec: { template: { spec: { containers: [{ name: 'a', resources: { requests: { cpu: '1500m', memory: '256Mi' } } }] } } } };
    const plain = (await previewConsolidation({ ...cluster, ...volumes })).next!;
    const withAgent = (await previewConsolidation({ ...cluster, ...volumes, daemonSets: [agent] })).next;
    expect(plain.replacements).toEqual(['t3.medium (default)']);
    // db-0 (500m) next to a 1.5-CPU agent needs more than a t3.medium's 1,930m: a larger type, or no replacement worth it.
    expect(withAgent?.replacements ?? []).not.toContain('t3.medium (default)');
  });
});

describe('consolidation preview and required pod affinity', () => {
  const at = (name: string, zone: string): KubeObject => ({ ...node(name), metadata: { ...node(name).metadata, labels: { ...node(name).metadata.labels, 'topology.kubernetes.io/zone': zone } } });
  const running = (name: string, nodeName: string, app: string, cpu: string, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels: { app }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-rs`, uid: `${app}-uid`, controller: true }] },
    spec: { nodeName, containers: [{ name: 'c', resources: { requests: { cpu, memory: '512Mi' } } }], ...extra },
    status: { phase: 'Running' },
  });
  const nearCache = { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'cache' } } }] } } };
  const pool = { ...nodePool(), spec: { ...nodePool().spec, template: { spec: { requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] } } } };

  it('a pod that must stay in its cache’s zone is not moved to a node in another zone', async () => {
    const cluster = {
      ...input(),
      nodePools: [pool],
      nodes: [at('node-a', 'us-east-1a'), at('node-b', 'us-east-1a'), at('node-c', 'us-east-1b')],
      // node-b costs the most, so it is the first candidate.
      nodeClaims: [claim('claim-a', 'node-a'), { ...claim('claim-b', 'node-b'), status: { ...claim('claim-b', 'node-b').status, pricePerHour: '0.2' } }, claim('claim-c', 'node-c')],
      // node-a is full with the cache; node-b holds web (attracted to the cache's zone); node-c has room.
      pods: [running('cache-0', 'node-a', 'cache', '1800m'), running('web-0', 'node-b', 'web', '500m', nearCache), running('api-0', 'node-c', 'api', '500m')],
    };
    // Without the attraction web-0 simply moves onto node-c (us-east-1b) and node-b goes.
    const free = (await previewConsolidation({ ...cluster, pods: [cluster.pods[0], running('web-0', 'node-b', 'web', '500m'), cluster.pods[2]] })).next;
    expect(free).toMatchObject({ nodes: ['node-b'], replacements: [] });
    // With it, web-0 cannot go to us-east-1b: node-b is only replaced by a cheaper node (in us-east-1a).
    const kept = (await previewConsolidation(cluster)).next;
    expect(kept?.nodes).toEqual(['node-b']);
    expect(kept?.replacements).toHaveLength(1);
  });
});
