/**
 * What the forecaster learned of the service graph, as the published document
 * (core/model/service-graph-contract.ts): one cluster-wide list of edges `namespace/caller →
 * namespace/callee` with their call ratio, lag, fit and samples, and per callee the share of its
 * demand its callers explain. Pure: learned estimates in, document out.
 */
import { formatServiceGraph, isServiceName, SERVICE_GRAPH_MAX_EDGES, type ServiceGraphDocument, type ServiceGraphEdge } from '../model/service-graph-contract.js';
import type { CalleeExplanation, LearnedEdge } from './service-graph.js';

/** One namespace's learned graph; service names are Deployment names in that namespace. */
export interface NamespaceGraph {
  namespace: string;
  edges: readonly LearnedEdge[];
  explanations: readonly CalleeExplanation[];
}

export interface GraphDocumentOptions {
  /** Unix seconds. */
  generatedAt: number;
  stepSeconds: number;
  /** Most edges written (default the contract's limit); the best-observed are kept. */
  maxEdges?: number;
  /** Largest serialised document in bytes (default 900 KiB: a ConfigMap holds at most 1 MiB). */
  maxBytes?: number;
}

export interface GraphDocumentResult {
  document: ServiceGraphDocument;
  /** Edges left out: names the contract cannot carry, or over the edge or size limit. */
  dropped: number;
}

/** Rounds to `digits` significant digits, so the document changes only when an estimate does. */
function significant(v: number, digits: number): number {
  if (v === 0 || !Number.isFinite(v)) return 0;
  return Number(v.toPrecision(digits));
}

/**
 * The document for the learned graphs of every namespace. Edges are sorted by caller then callee;
 * when over `maxEdges` or `maxBytes`, the edges with the fewest samples go first (their callee's
 * explained share stays, since it was learned from all of them).
 */
export function serviceGraphDocument(graphs: readonly NamespaceGraph[], options: GraphDocumentOptions): GraphDocumentResult {
  const maxEdges = Math.min(options.maxEdges ?? SERVICE_GRAPH_MAX_EDGES, SERVICE_GRAPH_MAX_EDGES);
  const maxBytes = options.maxBytes ?? 900 * 1024;
  let dropped = 0;
  const edges: ServiceGraphEdge[] = [];
  const explained: ServiceGraphDocument['explained'] = [];
  for (const g of graphs) {
    for (const e of g.edges) {
      const caller = `${g.namespace}/${e.caller}`;
      const callee = `${g.namespace}/${e.callee}`;
      if (!isServiceName(caller) || !isServiceName(callee) || !(e.ratio >= 0) || !Number.isFinite(e.ratio)) {
        dropped++;
        continue;
      }
      const edge: ServiceGraphEdge = { caller, callee, ratio: Math.min(1e6, significant(e.ratio, 4)), lagSteps: e.lagSteps };
      if (Number.isFinite(e.fit)) edge.fit = Math.max(-1e9, Math.min(1, significant(e.fit, 3)));
      edge.samples = e.samples;
      edges.push(edge);
    }
    for (const x of g.explanations) {
      const callee = `${g.namespace}/${x.callee}`;
      if (isServiceName(callee) && Number.isFinite(x.explainedShare)) explained.push({ callee, share: Math.max(0, Math.min(1, significant(x.explainedShare, 3))) });
    }
  }
  // Keep the best-observed edges when over a limit.
  edges.sort((a, b) => (b.samples ?? 0) - (a.samples ?? 0) || a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));
  if (edges.length > maxEdges) {
    dropped += edges.length - maxEdges;
    edges.length = maxEdges;
  }
  const byName = (a: ServiceGraphEdge, b: ServiceGraphEdge) => a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee);
  explained.sort((a, b) => a.callee.localeCompare(b.callee));
  const make = (list: ServiceGraphEdge[]): ServiceGraphDocument => ({ v: 1, generatedAt: options.generatedAt, stepSeconds: options.stepSeconds, edges: [...list].sort(byName), explained });
  let document = make(edges);
  let size = Buffer.byteLength(formatServiceGraph(document));
  while (size > maxBytes && edges.length > 0) {
    // Trim in proportion to the excess (at least one edge), then measure again.
    const cut = Math.max(1, Math.ceil((edges.length * (size - maxBytes)) / size));
    dropped += Math.min(cut, edges.length);
    edges.length = Math.max(0, edges.length - cut);
    document = make(edges);
    size = Buffer.byteLength(formatServiceGraph(document));
  }
  return { document, dropped };
}

/**
 * True when two documents say the same thing: everything but `generatedAt` and the edges' sample
 * counts (which grow every bucket; the refresh brings them up to date). Key order aside.
 */
export function sameGraph(a: ServiceGraphDocument, b: ServiceGraphDocument): boolean {
  const canonical = (d: ServiceGraphDocument) =>
    JSON.stringify([
      d.stepSeconds,
      d.edges.map((e) => [e.caller, e.callee, e.ratio, e.lagSteps, e.fit ?? null]),
      d.explained.map((x) => [x.callee, x.share]),
    ]);
  return canonical(a) === canonical(b);
}
