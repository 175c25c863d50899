/**
 * A synthetic multi-service workload with a known call graph: an entry service takes the external
 * traffic (the synthetic workload), and each edge caller → callee carries `ratio` calls per caller
 * request, arriving `lagSteps` buckets later (queues, batching), with some noise. Each callee may
 * also have demand of its own that no caller explains. Ground truth for the service-graph learner.
 */
import type { RegularSeries } from '../forecast/series.js';
import { SeededRandom } from './random.js';
import { generateWorkload, type SyntheticWorkloadOptions } from './synthetic.js';

export interface SyntheticEdge {
  caller: string;
  callee: string;
  /** Calls to the callee per request the caller serves. */
  ratio: number;
  /** Buckets between the caller's request and the callee's call. */
  lagSteps: number;
}

export interface SyntheticGraphOptions {
  workload: Partial<SyntheticWorkloadOptions>;
  entry: string;
  /** Edges in an order where every caller appears before its callees. */
  edges: SyntheticEdge[];
  /** Relative noise on each edge's calls per bucket. */
  edgeNoise: number;
  /** Demand of its own per service (mean count per bucket, Poisson), unexplained by callers. */
  ownDemand: Record<string, number>;
}

export const DEFAULT_SYNTHETIC_GRAPH: SyntheticGraphOptions = {
  workload: { days: 14 },
  entry: 'frontend',
  edges: [
    { caller: 'frontend', callee: 'api', ratio: 2, lagSteps: 2 },
    { caller: 'api', callee: 'db', ratio: 0.5, lagSteps: 2 },
    { caller: 'api', callee: 'cache', ratio: 3, lagSteps: 1 },
  ],
  edgeNoise: 0.05,
  ownDemand: { db: 5 },
};

export interface SyntheticGraph {
  /** Demand (requests per bucket) of each service. */
  services: Record<string, RegularSeries>;
  /** Calls per bucket on each edge, keyed `caller->callee`. */
  edges: Record<string, RegularSeries>;
  truth: SyntheticEdge[];
}

export function edgeKey(caller: string, callee: string): string {
  return `${caller}->${callee}`;
}

export function generateServiceGraph(partial: Partial<SyntheticGraphOptions> = {}): SyntheticGraph {
  const o = { ...DEFAULT_SYNTHETIC_GRAPH, ...partial };
  const entry = generateWorkload(o.workload).series;
  const n = entry.values.length;
  const rng = new SeededRandom((o.workload.seed ?? 42) + 7919);
  const demand = new Map<string, Float64Array>([[o.entry, Float64Array.from(entry.values)]]);
  const edges: Record<string, RegularSeries> = {};
  const series = (values: Float64Array): RegularSeries => ({ startSec: entry.startSec, stepSeconds: entry.stepSeconds, values });
  for (const e of o.edges) {
    const callerDemand = demand.get(e.caller);
    if (!callerDemand) throw new Error(`edge ${edgeKey(e.caller, e.callee)}: caller has no demand yet (order edges callers first)`);
    const calls = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const source = i - e.lagSteps >= 0 ? callerDemand[i - e.lagSteps] : callerDemand[0];
      calls[i] = Math.max(0, Math.round(source * e.ratio * (1 + o.edgeNoise * rng.normal())));
    }
    edges[edgeKey(e.caller, e.callee)] = series(calls);
    let callee = demand.get(e.callee);
    if (!callee) {
      callee = new Float64Array(n);
      const own = o.ownDemand[e.callee] ?? 0;
      for (let i = 0; i < n; i++) callee[i] = rng.poisson(own);
      demand.set(e.callee, callee);
    }
    for (let i = 0; i < n; i++) callee[i] += calls[i];
  }
  const services: Record<string, RegularSeries> = {};
  for (const [name, values] of demand) services[name] = series(values);
  return { services, edges, truth: o.edges };
}
