/** Builders for simulator tests: hand-made traces, scenarios and clusters. */
import { loadCatalogSync } from '../../../core/cloud/catalog/index.js';
import type { RegularSeries } from '../../../core/forecast/series.js';
import { nodeTypesFor, SimCluster, type NodeType } from '../../../core/sim/cluster.js';
import { DEFAULT_POD, DEFAULT_TIMING, traceScenario, type Scenario, type SimTiming } from '../../../core/sim/scenario.js';

/** A 1-minute trace from per-minute request rates (requests per second). */
export function traceOf(rps: readonly number[], stepSeconds = 60): RegularSeries {
  return { startSec: 1_700_000_000, stepSeconds, values: Float64Array.from(rps, (r) => r * stepSeconds) };
}

/** `minutes` minutes at `rps`, then the next segment… */
export function segments(...parts: Array<[minutes: number, rps: number]>): number[] {
  return parts.flatMap(([m, r]) => new Array<number>(m).fill(r));
}

export function scenarioOf(rps: readonly number[], rpsPerPod = 1, timing: Partial<SimTiming> = {}): Scenario {
  return traceScenario('test', traceOf(rps), { mapping: { rpsPerPod }, timing });
}

export const CATALOG = loadCatalogSync();
export const NODE_TYPES: NodeType[] = nodeTypesFor(CATALOG, DEFAULT_POD);

export function typeNamed(name: string): NodeType {
  const t = NODE_TYPES.find((x) => x.name === name);
  if (!t) throw new Error(`no type ${name}`);
  return t;
}

export function clusterOf(services = 1, timing: Partial<SimTiming> = {}): SimCluster {
  return new SimCluster(services, { ...DEFAULT_TIMING, ...timing }, 0);
}
