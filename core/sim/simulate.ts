/**
 * `simulate`: one scenario through the chosen strategies at their settings (and, with `sweep`,
 * across each strategy's knob), summarized in the `-o json` schema:
 *   {"trace", "days", "spot"?: {share, interruptionsPer30Days}, "strategies": {name: StrategySummary},
 *    "frontier"?: {name: {costAtUnserved0_1}}, "seconds"}
 * (`spot` only with a spot share: what the interruption counts assumed).
 * The oracle always runs when any strategy is compared (costRatio needs it); it is listed only
 * when asked for.
 */
import type { InstanceType } from '../model/instance-type.js';
import { costAtUnserved, type SweepPoint } from './frontier.js';
import { runJobs, type SimJob } from './jobs.js';
import type { StrategyMetrics } from './metrics.js';
import { round, scenarioDays, summarize, SWEEP_SETTINGS, type StrategyKnobs, type StrategyName, type StrategySummary } from './run.js';
import type { Scenario } from './scenario.js';

export interface SimulationSummary {
  trace: string;
  days: number;
  /** With a spot share: the share and the interruption rate assumed (share of spot instances per 30 days). */
  spot?: { share: number; interruptionsPer30Days: number };
  strategies: Record<string, StrategySummary>;
  frontier?: Record<string, { costAtUnserved0_1: number | null }>;
  seconds: number;
}

/** Everything the report draws, beyond the JSON summary. */
export interface SimulationResult {
  readonly summary: SimulationSummary;
  readonly metrics: Record<string, StrategyMetrics>;
  /** Per strategy, the sweep's points (only with sweep). */
  readonly sweep?: Record<string, SweepPoint[]>;
  readonly knobs: StrategyKnobs;
}

export interface SimulateOptions {
  readonly strategies: readonly StrategyName[];
  readonly knobs: StrategyKnobs;
  readonly sweep: boolean;
  readonly workers?: number;
  readonly onProgress?: (done: number) => void;
  /** Wall clock in milliseconds (injected; default performance.now). */
  readonly now?: () => number;
}

export async function simulate(scenario: Scenario, catalog: readonly InstanceType[], options: SimulateOptions): Promise<SimulationResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const names: StrategyName[] = options.strategies.includes('oracle') ? [...options.strategies] : [...options.strategies, 'oracle'];
  const jobs: SimJob[] = names.map((strategy) => ({ strategy, knobs: options.knobs, keepSeries: true }));
  const sweepIndex: Array<{ strategy: StrategyName; knob: number; label: string; job: number }> = [];
  if (options.sweep) {
    for (const strategy of options.strategies) {
      if (strategy === 'oracle') continue;
      for (const setting of SWEEP_SETTINGS[strategy]) {
        sweepIndex.push({ strategy, knob: setting.knob, label: setting.label, job: jobs.length });
        jobs.push({ strategy, knobs: { ...options.knobs, ...setting.knobs }, keepSeries: false });
      }
    }
  }
  const results = await runJobs({ scenario, catalog }, jobs, { workers: options.workers, onProgress: options.onProgress });
  const metrics: Record<string, StrategyMetrics> = {};
  names.forEach((name, i) => (metrics[name] = results[i]));
  const oracleCost = metrics.oracle.costUsd;
  const strategies: Record<string, StrategySummary> = {};
  for (const name of options.strategies) strategies[name] = summarize(metrics[name], oracleCost);
  const spot = scenario.spotShare > 0 ? { spot: { share: scenario.spotShare, interruptionsPer30Days: scenario.spotInterruptions } } : {};
  const summary: SimulationSummary = { trace: scenario.name, days: scenarioDays(scenario), ...spot, strategies, seconds: 0 };
  let sweep: Record<string, SweepPoint[]> | undefined;
  if (options.sweep) {
    sweep = {};
    for (const { strategy, knob, label, job } of sweepIndex) {
      (sweep[strategy] ??= []).push({ knob, label, costUsd: results[job].costUsd, unservedPct: results[job].unservedPct });
    }
    const frontier: Record<string, { costAtUnserved0_1: number | null }> = {};
    for (const name of options.strategies) {
      if (name === 'oracle') {
        frontier.oracle = { costAtUnserved0_1: round(oracleCost, 4) };
        continue;
      }
      const c = costAtUnserved(sweep[name] ?? []);
      frontier[name] = { costAtUnserved0_1: c === null ? null : round(c, 4) };
    }
    summary.frontier = frontier;
  }
  summary.seconds = round((now() - started) / 1000, 2);
  return { summary, metrics, sweep, knobs: options.knobs };
}
