/**
 * GraphPublisherLoop: the learned service graph written to ConfigMap smartscale-graph (ADR 083) —
 * created once something is learned, rewritten when it changes or for freshness, compare-and-swap
 * on the resourceVersion, and read back by the plugin's reader.
 */
import { describe, expect, it } from 'vitest';
import { GraphPublisherLoop, type GraphSnapshot } from '../../../core/controllers/graph-publisher.js';
import { KubeApiError, type KubeClient, type KubeObject } from '../../../core/kube/client.js';
import { ManualClock } from '../../../core/model/clock.js';
import { parseServiceGraph, SERVICE_GRAPH_CONFIGMAP, SERVICE_GRAPH_KEY } from '../../../core/model/service-graph-contract.js';
import { readGraph } from '../../../plugin/cluster/graph.js';
import { clientWith } from './support.js';

const HOME = 'smartscale-system';

/** ConfigMaps in one namespace behind get, create and replace, with resourceVersion preconditions. */
class ConfigMapApi {
  readonly objects = new Map<string, KubeObject>();
  writes = 0;
  private version = 1;
  /** Runs (and is cleared) before the next replace is applied: another writer's edit. */
  beforeNextReplace?: () => void;

  put(name: string, data: Record<string, string>): void {
    this.objects.set(name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: HOME, resourceVersion: String(++this.version) }, data } as KubeObject);
  }

  client(): KubeClient {
    return clientWith('the publisher only gets, creates and replaces ConfigMaps', {
      get: async <T extends KubeObject>(_res: unknown, name: string, namespace?: string) => {
        expect(namespace).toBe(HOME);
        const o = this.objects.get(name);
        return (o ? structuredClone(o) : undefined) as T | undefined;
      },
      create: async <T extends KubeObject>(_res: unknown, object: T, namespace?: string) => {
        expect(namespace).toBe(HOME);
        const name = object.metadata.name!;
        if (this.objects.has(name)) throw new KubeApiError(409, 'AlreadyExists', `configmaps "${name}" already exists`);
        this.writes++;
        this.objects.set(name, { ...structuredClone(object), metadata: { ...object.metadata, resourceVersion: String(++this.version) } });
        return this.objects.get(name) as T;
      },
      replace: async <T extends KubeObject>(_res: unknown, object: T) => {
        const edit = this.beforeNextReplace;
        this.beforeNextReplace = undefined;
        edit?.();
        const name = object.metadata.name!;
        const current = this.objects.get(name);
        if (!current) throw new KubeApiError(404, 'NotFound', `configmaps "${name}" not found`);
        if (object.metadata.resourceVersion !== current.metadata.resourceVersion) throw new KubeApiError(409, 'Conflict', 'the object has been modified');
        this.writes++;
        this.objects.set(name, { ...structuredClone(object), metadata: { ...object.metadata, resourceVersion: String(++this.version) } });
        return this.objects.get(name) as T;
      },
    });
  }

  graph() {
    return parseServiceGraph((this.objects.get(SERVICE_GRAPH_CONFIGMAP) as { data?: Record<string, string> } | undefined)?.data?.[SERVICE_GRAPH_KEY]).value;
  }
}

const learned = (ratio: number): GraphSnapshot => ({
  stepSeconds: 60,
  graphs: [{ namespace: 'shop', edges: [{ caller: 'frontend', callee: 'cart', ratio, lagSteps: 1, fit: 0.95, samples: 500 }], explanations: [{ callee: 'cart', edges: [], explainedShare: 0.9, explained: true }] }],
});

function setup(snapshot: () => GraphSnapshot) {
  const api = new ConfigMapApi();
  const clock = new ManualClock(1_760_000_000_000);
  const loop = new GraphPublisherLoop({ client: api.client(), clock, namespace: HOME, snapshot, refreshMs: 600_000 });
  return { api, clock, loop };
}

describe('GraphPublisherLoop', () => {
  it('writes nothing before anything is learned', async () => {
    const { api, loop } = setup(() => ({ stepSeconds: 60, graphs: [] }));
    await loop.reconcile();
    expect(api.writes).toBe(0);
    expect(api.objects.size).toBe(0);
  });

  it('creates the ConfigMap with the learned edges, which the plugin reads back', async () => {
    const { api, loop } = setup(() => learned(1.8));
    await loop.reconcile();
    expect(api.writes).toBe(1);
    expect(api.graph()).toEqual({ v: 1, generatedAt: 1_760_000_000, stepSeconds: 60, edges: [{ caller: 'shop/frontend', callee: 'shop/cart', ratio: 1.8, lagSteps: 1, fit: 0.95, samples: 500 }], explained: [{ callee: 'shop/cart', share: 0.9 }] });
    const report = await readGraph(api.client(), 'shop', HOME);
    expect(report.edges).toEqual([{ caller: 'shop/frontend', callee: 'shop/cart', ratio: 1.8, lagSteps: 1, fit: 0.95, samples: 500, calleeExplained: 0.9 }]);
    expect(report.generatedAt).toBe(new Date(1_760_000_000_000).toISOString());
  });

  it('keeps what the previous leader published while this process has learned nothing yet', async () => {
    let snapshot: GraphSnapshot = learned(1.8);
    const { api, clock, loop } = setup(() => snapshot);
    await loop.reconcile();
    // A new leader: its graph publisher may run before its forecaster's first (backfilling) pass.
    snapshot = { stepSeconds: 60, graphs: [] };
    clock.advance(60_000);
    await loop.reconcile();
    expect(api.writes).toBe(1);
    expect(api.graph()!.edges).toHaveLength(1);
  });

  it('rewrites only when the graph changed, or when it is older than the refresh period', async () => {
    let ratio = 1.8;
    const { api, clock, loop } = setup(() => learned(ratio));
    await loop.reconcile();
    clock.advance(60_000);
    ratio = 1.80001; // below the rounding: the same graph
    await loop.reconcile();
    expect(api.writes).toBe(1);
    ratio = 2.1;
    await loop.reconcile();
    expect(api.writes).toBe(2);
    expect(api.graph()!.edges[0].ratio).toBe(2.1);
    clock.advance(599_000);
    await loop.reconcile();
    expect(api.writes).toBe(2);
    clock.advance(61_000); // 660 s after the last write
    await loop.reconcile();
    expect(api.writes).toBe(3);
    expect(api.graph()!.generatedAt).toBe(1_760_000_000 + 720);
  });

  it('replaces a ConfigMap it cannot read, keeping its other keys', async () => {
    const { api, loop } = setup(() => learned(1.8));
    api.put(SERVICE_GRAPH_CONFIGMAP, { [SERVICE_GRAPH_KEY]: '{not json', note: 'kept' });
    await loop.reconcile();
    expect(api.graph()!.edges).toHaveLength(1);
    expect((api.objects.get(SERVICE_GRAPH_CONFIGMAP) as unknown as { data: Record<string, string> }).data.note).toBe('kept');
  });

  it('leaves a write that lost a race to the next pass instead of failing or overwriting', async () => {
    let ratio = 1.8;
    const { api, loop } = setup(() => learned(ratio));
    await loop.reconcile();
    ratio = 2.5;
    api.beforeNextReplace = () => api.put(SERVICE_GRAPH_CONFIGMAP, { [SERVICE_GRAPH_KEY]: '{"edited":"by a user"}' });
    await loop.reconcile(); // 409: not thrown, nothing written
    expect(api.graph()).toBeUndefined();
    await loop.reconcile();
    expect(api.graph()!.edges[0].ratio).toBe(2.5);
  });

  it('surfaces other API errors to the loop runner (it backs off)', async () => {
    const clock = new ManualClock(0);
    const client = clientWith('forbidden', { get: () => Promise.reject(new KubeApiError(403, 'Forbidden', 'configmaps is forbidden')) });
    const loop = new GraphPublisherLoop({ client, clock, namespace: HOME, snapshot: () => learned(1) });
    await expect(loop.reconcile()).rejects.toThrow('forbidden');
  });
});
