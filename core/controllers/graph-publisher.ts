/**
 * Publishes the service graph the forecaster learned (ADR 083): ConfigMap `smartscale-graph` in
 * the controller's namespace, key `graph.json`, which `kubectl smartscale graph` reads.
 *
 * One write when what it says changes (estimates are rounded, so noise does not rewrite it every
 * pass), and at least every `refreshMs` so its `generatedAt` tells a reader the graph is current.
 * Writes are compare-and-swap on the resourceVersion read just before: a conflict (another writer,
 * a user's edit) is read again on the next pass. A ConfigMap of that name that is not ours to
 * parse is replaced (it is the contract's location); nothing is written while nothing is learned,
 * so a new leader whose forecaster has not made its first (backfilling) pass yet leaves the
 * previous leader's graph in place instead of emptying it (its generatedAt tells its age).
 */
import { isConflict, type KubeClient, type KubeObject } from '../kube/client.js';
import { Refs } from '../kube/refs.js';
import type { Clock } from '../model/clock.js';
import { formatServiceGraph, parseServiceGraph, SERVICE_GRAPH_CONFIGMAP, SERVICE_GRAPH_KEY } from '../model/service-graph-contract.js';
import { sameGraph, serviceGraphDocument, type NamespaceGraph } from '../graph/publish.js';
import type { Loop } from './loop.js';

/** What the loop reads of the learned graph (the forecaster's `graphSnapshot`). */
export interface GraphSnapshot {
  stepSeconds: number;
  graphs: NamespaceGraph[];
}

export interface GraphPublisherOptions {
  client: KubeClient;
  clock: Clock;
  /** The controller's namespace (where the ConfigMap lives). */
  namespace: string;
  snapshot: () => GraphSnapshot;
  intervalMs?: number;
  /** Rewrite an unchanged graph this often, for its generatedAt (default 10 minutes). */
  refreshMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
}

export class GraphPublisherLoop implements Loop {
  readonly name = 'graph-publisher';
  readonly leaderOnly = true;
  readonly intervalMs: number;

  constructor(private readonly options: GraphPublisherOptions) {
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  async reconcile(): Promise<void> {
    const { client, clock, namespace } = this.options;
    const refreshMs = this.options.refreshMs ?? 600_000;
    const snapshot = this.options.snapshot();
    const nowSec = Math.floor(clock.now() / 1000);
    const { document, dropped } = serviceGraphDocument(snapshot.graphs, { generatedAt: nowSec, stepSeconds: snapshot.stepSeconds });
    if (dropped > 0) this.options.logger?.warn({ dropped, kept: document.edges.length }, 'service graph: edges left out of the published ConfigMap (names it cannot carry, or over its size)');
    if (document.edges.length === 0 && document.explained.length === 0) return;
    const current = await client.get(Refs.configMaps, SERVICE_GRAPH_CONFIGMAP, namespace);
    const body = formatServiceGraph(document);
    if (!current) {
      const object: KubeObject = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: SERVICE_GRAPH_CONFIGMAP, namespace, labels: { 'app.kubernetes.io/part-of': 'smartscale', 'app.kubernetes.io/managed-by': 'smartscale-controller' } },
        data: { [SERVICE_GRAPH_KEY]: body },
      } as KubeObject;
      try {
        await client.create(Refs.configMaps, object, namespace);
      } catch (error) {
        if (!isConflict(error)) throw error; // created by someone else meanwhile: compared on the next pass
      }
      return;
    }
    const data = (current as KubeObject & { data?: Record<string, string> }).data;
    const published = parseServiceGraph(data?.[SERVICE_GRAPH_KEY]).value;
    if (published && sameGraph(published, document) && nowSec - published.generatedAt < refreshMs / 1000) return;
    const next = { ...current, data: { ...(data ?? {}), [SERVICE_GRAPH_KEY]: body } } as KubeObject;
    try {
      await client.replace(Refs.configMaps, next);
    } catch (error) {
      if (!isConflict(error)) throw error; // changed since the read: read again on the next pass
    }
  }
}
