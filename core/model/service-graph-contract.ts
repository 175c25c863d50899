/**
 * Where the learned service graph is published, and its format. The forecaster writes it; the
 * `kubectl smartscale graph` command (and anyone else) reads it.
 *
 * Location: ConfigMap `smartscale-graph` in `smartscale-system`, data key `graph.json` — one object
 * for the whole cluster, so reading the graph is one GET however many services there are.
 *
 * Format (version 1):
 * ```json
 * {"v":1,"generatedAt":1760000000,"stepSeconds":60,
 *  "edges":[{"caller":"shop/frontend","callee":"shop/cart","ratio":1.8,"lagSteps":0,"fit":0.97,"samples":5000}],
 *  "explained":[{"callee":"shop/cart","share":0.92}]}
 * ```
 * Services are `namespace/deployment`. `ratio` is calls to the callee per request of the caller;
 * `lagSteps` the delay in steps; `fit` the share of the edge's variance explained (0..1);
 * `explained[].share` the share of a callee's demand its callers carry (0..1). Pure parser below.
 */
import { readJsonObject, truncate, type Parsed } from './annotations.js';

export const SERVICE_GRAPH_CONFIGMAP = 'smartscale-graph';
export const SERVICE_GRAPH_KEY = 'graph.json';
export const SERVICE_GRAPH_MAX_EDGES = 10_000;

export interface ServiceGraphEdge {
  caller: string;
  callee: string;
  ratio: number;
  lagSteps: number;
  fit?: number;
  samples?: number;
}

export interface ServiceGraphDocument {
  v: 1;
  generatedAt: number;
  stepSeconds: number;
  edges: ServiceGraphEdge[];
  explained: Array<{ callee: string; share: number }>;
}

const SERVICE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/;

/** True for a `namespace/deployment` name the document accepts. */
export function isServiceName(s: string): boolean {
  return SERVICE.test(s);
}

function finiteIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
}

/** Reads the published graph. Bad edges are skipped with a warning; a bad document yields undefined. */
export function parseServiceGraph(raw: string | undefined): Parsed<ServiceGraphDocument | undefined> {
  if (raw === undefined) return { value: undefined, warnings: [] };
  const fail = (why: string): Parsed<undefined> => ({ value: undefined, warnings: [`${SERVICE_GRAPH_CONFIGMAP}/${SERVICE_GRAPH_KEY} ignored: ${why}`] });
  const read = readJsonObject(raw);
  if ('error' in read) return fail(read.error);
  const d = read.object;
  if (d.v !== 1) return fail(`unsupported format version ${JSON.stringify(d.v)}`);
  if (!finiteIn(d.generatedAt, 0, 1e11)) return fail('generatedAt must be unix seconds');
  if (!finiteIn(d.stepSeconds, 1, 86_400)) return fail('stepSeconds must be from 1 to 86400');
  if (!Array.isArray(d.edges)) return fail('edges must be a list');
  if (d.edges.length > SERVICE_GRAPH_MAX_EDGES) return fail(`more than ${SERVICE_GRAPH_MAX_EDGES} edges`);
  const warnings: string[] = [];
  const edges: ServiceGraphEdge[] = [];
  d.edges.forEach((e: unknown, i) => {
    const edge = e as Record<string, unknown> | null;
    const bad = (why: string) => warnings.push(`${SERVICE_GRAPH_CONFIGMAP}: edge ${i} ignored: ${why}`);
    if (typeof edge !== 'object' || edge === null) return bad('not an object');
    if (typeof edge.caller !== 'string' || !SERVICE.test(edge.caller)) return bad(`caller ${JSON.stringify(truncate(String(edge.caller)))} is not namespace/name`);
    if (typeof edge.callee !== 'string' || !SERVICE.test(edge.callee)) return bad(`callee ${JSON.stringify(truncate(String(edge.callee)))} is not namespace/name`);
    if (!finiteIn(edge.ratio, 0, 1e6)) return bad('ratio must be a number from 0 to 1e6');
    if (!finiteIn(edge.lagSteps, 0, 10_000) || !Number.isInteger(edge.lagSteps)) return bad('lagSteps must be a whole number');
    const out: ServiceGraphEdge = { caller: edge.caller, callee: edge.callee, ratio: edge.ratio, lagSteps: edge.lagSteps };
    if (edge.fit !== undefined) {
      if (finiteIn(edge.fit, -1e9, 1)) out.fit = edge.fit;
      else warnings.push(`${SERVICE_GRAPH_CONFIGMAP}: edge ${i}: fit ignored`);
    }
    if (edge.samples !== undefined) {
      if (finiteIn(edge.samples, 0, 1e12)) out.samples = edge.samples;
      else warnings.push(`${SERVICE_GRAPH_CONFIGMAP}: edge ${i}: samples ignored`);
    }
    edges.push(out);
  });
  const explained: ServiceGraphDocument['explained'] = [];
  if (Array.isArray(d.explained)) {
    for (const x of d.explained as unknown[]) {
      const item = x as Record<string, unknown> | null;
      if (item && typeof item.callee === 'string' && SERVICE.test(item.callee) && finiteIn(item.share, 0, 1)) explained.push({ callee: item.callee, share: item.share });
      else warnings.push(`${SERVICE_GRAPH_CONFIGMAP}: an explained entry was ignored: expected {callee, share 0..1}`);
    }
  } else if (d.explained !== undefined) warnings.push(`${SERVICE_GRAPH_CONFIGMAP}: explained ignored: expected a list`);
  return { value: { v: 1, generatedAt: d.generatedAt, stepSeconds: d.stepSeconds, edges, explained }, warnings };
}

/** Serialises a graph document (the forecaster's side of the contract). */
export function formatServiceGraph(doc: ServiceGraphDocument): string {
  return JSON.stringify(doc);
}
