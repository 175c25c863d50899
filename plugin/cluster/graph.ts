/** Reads the published service graph (see core/model/service-graph-contract.ts) and filters it to a namespace. */
import type { KubeClient } from '../../core/kube/client.js';
import { SMARTSCALE_NAMESPACE } from '../../core/model/cluster-config.js';
import { parseServiceGraph, SERVICE_GRAPH_CONFIGMAP, SERVICE_GRAPH_KEY, type ServiceGraphDocument, type ServiceGraphEdge } from '../../core/model/service-graph-contract.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { notInstalled, readClusterSettings } from './cluster-mode.js';
import { attempt } from './failures.js';
import { Resources } from './resources.js';

export interface GraphEdgeView extends ServiceGraphEdge {
  /** Share of the callee's demand its callers explain, when published. */
  calleeExplained?: number;
}

export interface GraphReport {
  generatedAt: string | null;
  stepSeconds: number | null;
  edges: GraphEdgeView[];
  warnings: string[];
}

/** Pure: the edges touching `namespace` (all when undefined), sorted caller then callee. */
export function graphEdges(doc: ServiceGraphDocument, namespace: string | undefined): GraphEdgeView[] {
  const explained = new Map(doc.explained.map((e) => [e.callee, e.share]));
  const inScope = (service: string) => namespace === undefined || service.startsWith(`${namespace}/`);
  return doc.edges
    .filter((e) => inScope(e.caller) || inScope(e.callee))
    .map((e) => ({ ...e, calleeExplained: explained.get(e.callee) }))
    .sort((a, b) => a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));
}

export async function readGraph(client: KubeClient, namespace: string | undefined, home: string = SMARTSCALE_NAMESPACE): Promise<GraphReport> {
  const configMap = await attempt(`read ConfigMap ${home}/${SERVICE_GRAPH_CONFIGMAP}`, () => client.get(Resources.configMaps, SERVICE_GRAPH_CONFIGMAP, home));
  if (!configMap) {
    const settings = await readClusterSettings(client, home);
    if (!settings.installed) throw new CliError(notInstalled(home), ExitCode.notInstalled);
    return { generatedAt: null, stepSeconds: null, edges: [], warnings: [`no service graph published yet (ConfigMap ${home}/${SERVICE_GRAPH_CONFIGMAP} does not exist): the forecaster writes it once it has learned call ratios`] };
  }
  const parsed = parseServiceGraph(configMap.data?.[SERVICE_GRAPH_KEY]);
  if (!parsed.value) {
    const why = parsed.warnings[0] ?? `it has no ${SERVICE_GRAPH_KEY} key`;
    return { generatedAt: null, stepSeconds: null, edges: [], warnings: [`cannot read the service graph: ${why}`] };
  }
  return {
    generatedAt: new Date(parsed.value.generatedAt * 1000).toISOString(),
    stepSeconds: parsed.value.stepSeconds,
    edges: graphEdges(parsed.value, namespace),
    warnings: parsed.warnings,
  };
}
