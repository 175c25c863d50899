/**
 * One simulation: a scenario replayed through each chosen strategy on the same cluster model, and
 * the comparison (cost ÷ oracle cost). Pure apart from the wall clock the caller may pass in.
 */
import type { InstanceType } from '../model/instance-type.js';
import { HpaClusterAutoscalerStrategy, KarpenterStrategy } from './baselines/strategies.js';
import { cheapestPerSlot, nodeTypesFor, type NodeType } from './cluster.js';
import { prepareScenario, runStrategy, type PreparedScenario, type Strategy } from './engine.js';
import type { StrategyMetrics } from './metrics.js';
import { runOracle } from './oracle.js';
import { SolverPlanner } from './planner.js';
import { scenarioSeconds, type Scenario } from './scenario.js';
import { SmartscaleStrategy, type SmartscaleOptions } from './smartscale.js';

export { STRATEGY_NAMES, isStrategyName, DEFAULT_KNOBS, type StrategyName, type StrategyKnobs } from './knobs.js';
import type { StrategyKnobs, StrategyName } from './knobs.js';

/** One point of a strategy's sweep: its position on the knob, a label, and the settings it changes. */
export interface SweepSetting {
  /** Increasing with aggressiveness toward serving everything (the frontier joins points in this order). */
  readonly knob: number;
  readonly label: string;
  readonly knobs: Partial<StrategyKnobs>;
}

const hpaTargets = (values: number[]): SweepSetting[] =>
  values.map((v) => ({ knob: 1 - v, label: `HPA target ${v}`, knobs: { hpaTarget: v } }));

/**
 * What `--sweep` varies per strategy. smartscale's aggressiveness moves its band quantile and, at
 * the conservative end, the sizing utilization (a margin for surges no band anticipates).
 */
export const SWEEP_SETTINGS: Record<Exclude<StrategyName, 'oracle'>, SweepSetting[]> = {
  'reactive-hpa-ca': hpaTargets([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]),
  'reactive-karpenter': hpaTargets([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]),
  overprovisioned: [0.1, 0.2, 0.3, 0.5, 0.8, 1.2].map((v) => ({ knob: v, label: `headroom ${v}`, knobs: { headroom: v } })),
  smartscale: (
    [
      [0.8, 1],
      [0.9, 0.95],
      [0.95, 0.9],
      [0.98, 0.85],
      [0.99, 0.8],
      [0.995, 0.7],
      [0.999, 0.6],
      [0.999, 0.5],
    ] as const
  ).map(([q, u], i) => ({ knob: i, label: `quantile ${q}, utilization ${u}`, knobs: { quantile: q, utilization: u } })),
};

export interface SimContext {
  readonly prepared: PreparedScenario;
  readonly nodeTypes: readonly NodeType[];
  readonly planner: SolverPlanner;
}

export function simContext(scenario: Scenario, catalog: readonly InstanceType[]): SimContext {
  const nodeTypes = nodeTypesFor(catalog, scenario.pod);
  if (nodeTypes.length === 0) throw new RangeError('no instance type in the catalog can hold one pod of the requested shape');
  return { prepared: prepareScenario(scenario), nodeTypes, planner: new SolverPlanner(nodeTypes, scenario.pod) };
}

export function createStrategy(name: Exclude<StrategyName, 'oracle'>, ctx: SimContext, knobs: StrategyKnobs): Strategy {
  const scenario = ctx.prepared.scenario;
  const services = scenario.services.length;
  const hpa = { targetUtilization: knobs.hpaTarget };
  switch (name) {
    case 'reactive-hpa-ca': {
      let type = cheapestPerSlot(ctx.nodeTypes, scenario.spotShare);
      if (knobs.caInstanceType !== undefined) {
        const named = ctx.nodeTypes.find((t) => t.name === knobs.caInstanceType);
        if (!named) throw new RangeError(`CA instance type ${knobs.caInstanceType} is not in the catalog or cannot hold one pod`);
        type = named;
      }
      return new HpaClusterAutoscalerStrategy(services, type, hpa);
    }
    case 'reactive-karpenter':
      return new KarpenterStrategy(services, ctx.planner, hpa);
    case 'overprovisioned':
      return new KarpenterStrategy(services, ctx.planner, hpa, knobs.headroom);
    case 'smartscale':
      return new SmartscaleStrategy(scenario, ctx.planner, ctx.nodeTypes, { utilization: knobs.utilization, ...(knobs.disruption ? { disruption: knobs.disruption } : {}), ...knobs.smartscale, quantile: knobs.quantile });
  }
}

export function runOne(name: StrategyName, ctx: SimContext, knobs: StrategyKnobs, onProgress?: (done: number) => void): StrategyMetrics {
  if (name === 'oracle') return runOracle(ctx.prepared, ctx.nodeTypes);
  return runStrategy(ctx.prepared, ctx.nodeTypes, createStrategy(name, ctx, knobs), { onProgress });
}

/** The summary of one strategy as `-o json` prints it. */
export interface StrategySummary {
  costUsd: number;
  unservedPct: number;
  violationMinutes: number;
  launches: number;
  terminations: number;
  /** Spot nodes interrupted (0 without a spot share). */
  interruptions: number;
  meanNodes: number;
  p95Nodes: number;
  /** Cost ÷ the oracle's cost (null when the oracle was not run or costs nothing). */
  costRatio: number | null;
}

export function summarize(m: StrategyMetrics, oracleCost: number | undefined): StrategySummary {
  return {
    costUsd: round(m.costUsd, 4),
    unservedPct: round(m.unservedPct, 5),
    violationMinutes: m.violationMinutes,
    launches: m.launches,
    terminations: m.terminations,
    interruptions: m.interruptions,
    meanNodes: round(m.meanNodes, 3),
    p95Nodes: m.p95Nodes,
    costRatio: oracleCost && oracleCost > 0 ? round(m.costUsd / oracleCost, 4) : null,
  };
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function scenarioDays(s: Scenario): number {
  return round(scenarioSeconds(s) / 86_400, 2);
}
