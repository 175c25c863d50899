/**
 * `kubectl smartscale simulate [--trace FILE ...] [--strategies LIST] [--report FILE.html] [--sweep] [-o table|json|yaml]`:
 * replays traces (or the built-in multi-service scenario) through smartscale and the baseline
 * autoscalers on a virtual clock and compares cost and unserved demand. Offline; no cluster.
 *
 * `-o json` prints, per trace, {"trace","days","spot"?:{share,interruptionsPer30Days},"strategies":
 * {name:{costUsd,unservedPct,violationMinutes,launches,terminations,interruptions,meanNodes,p95Nodes,
 * costRatio}},"frontier"?:{name:{costAtUnserved0_1}},"seconds"} — one object for one trace, an array
 * for several; `spot` only with --spot-share above 0.
 */
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { parseDuration } from '../../core/forecast/duration.js';
import type { RegularSeries } from '../../core/forecast/series.js';
import type { InstanceType } from '../../core/model/instance-type.js';
import { parseNonNegativeMilli, parseNonNegativeUnits, QuantityError } from '../../core/model/quantity.js';
import { FRONTIER_UNSERVED_PCT } from '../../core/sim/frontier.js';
import { DEFAULT_KNOBS, DEFAULT_SPOT_INTERRUPTIONS, isStrategyName, STRATEGY_NAMES, type StrategyKnobs, type StrategyName } from '../../core/sim/knobs.js';
import type { Scenario, ScenarioOptions, WorkloadMapping } from '../../core/sim/scenario.js';
import type { SimulationResult, SimulationSummary } from '../../core/sim/simulate.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { fileFailure, unwritableReason } from './files.js';

export interface SimulateArgs {
  trace?: string[];
  strategies: string;
  report?: string;
  sweep: boolean;
  output?: string;
  'peak-pods'?: number;
  'rps-per-pod'?: number;
  cpu: string;
  memory: string;
  'pod-start': string;
  'node-ready': string;
  'metrics-lag': string;
  tick: string;
  catalog: string;
  'spot-share': number;
  'spot-interruptions': number;
  horizon?: string;
  'hpa-target': number;
  headroom: number;
  quantile: number;
  utilization: number;
  disruption: string;
  'shortfall-target'?: number;
  'surge-factor'?: number;
  'ca-instance-type'?: string;
  workers?: number;
  days: number;
  seed: number;
}

const usage = (message: string) => new CliError(message, ExitCode.usage);

function seconds(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw usage(`--${flag}: ${(error as Error).message}`);
  }
}

function inRange(flag: string, v: number, lo: number, hi: number, open = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (open && (v === lo || v === hi))) {
    throw usage(`--${flag} ${v}: must be ${open ? 'strictly ' : ''}between ${lo} and ${hi}`);
  }
  return v;
}

function disruptionMode(value: string): 'planner' | 'slots' {
  if (value !== 'planner' && value !== 'slots') throw usage(`--disruption ${value}: choose planner or slots`);
  return value;
}

export function parseStrategies(list: string): StrategyName[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw usage('--strategies: name at least one strategy');
  for (const n of names) {
    if (!isStrategyName(n)) throw usage(`--strategies: unknown strategy ${JSON.stringify(n)}; choose from ${STRATEGY_NAMES.join(', ')}`);
  }
  return [...new Set(names)] as StrategyName[];
}

/** Validates every flag and builds the scenario options and knobs; throws CliError(usage) on bad input. */
export function parseSimulateArgs(args: SimulateArgs): { scenario: ScenarioOptions; knobs: StrategyKnobs; strategies: StrategyName[]; horizonSeconds?: number } {
  if (args['peak-pods'] !== undefined && args['rps-per-pod'] !== undefined) throw usage('--peak-pods and --rps-per-pod are exclusive; give one');
  let mapping: WorkloadMapping;
  if (args['rps-per-pod'] !== undefined) mapping = { rpsPerPod: inRange('rps-per-pod', args['rps-per-pod'], 0, 1e9, true) };
  else {
    const peak = args['peak-pods'] ?? 200;
    if (!Number.isInteger(peak) || peak < 1 || peak > MAX_PEAK_PODS) throw usage(`--peak-pods ${peak}: must be a whole number from 1 to ${MAX_PEAK_PODS}`);
    mapping = { peakPods: peak };
  }
  let milliCpu: number;
  let memoryBytes: number;
  try {
    milliCpu = parseNonNegativeMilli(args.cpu);
    memoryBytes = parseNonNegativeUnits(args.memory);
  } catch (error) {
    if (error instanceof QuantityError) throw usage(`--cpu/--memory: ${error.message}`);
    throw error;
  }
  if (milliCpu <= 0 && memoryBytes <= 0) throw usage('--cpu and --memory cannot both be zero');
  const tick = seconds('tick', args.tick);
  if (tick < 1 || tick > 10) throw usage(`--tick ${args.tick}: must be from 1s to 10s`);
  const strategies = parseStrategies(args.strategies);
  const knobs: StrategyKnobs = {
    hpaTarget: inRange('hpa-target', args['hpa-target'], 0, 1, true),
    headroom: inRange('headroom', args.headroom, 0, 10),
    quantile: inRange('quantile', args.quantile, 0, 1, true),
    utilization: inRange('utilization', args.utilization, 0.05, 1),
    caInstanceType: args['ca-instance-type'],
    disruption: disruptionMode(args.disruption),
  };
  const shortfall = args['shortfall-target'];
  if (shortfall !== undefined) {
    if (typeof shortfall !== 'number' || !(shortfall >= 0 && shortfall < 0.5)) throw usage(`--shortfall-target ${shortfall}: must be from 0 (off) to below 0.5`);
    knobs.smartscale = { shortfallTarget: shortfall };
  }
  const surge = args['surge-factor'];
  if (surge !== undefined) {
    if (typeof surge !== 'number' || !(surge >= 0 && surge <= 100)) throw usage(`--surge-factor ${surge}: must be from 0 (off) to 100`);
    // 0 turns the surge floor off altogether, the sustained-miss rule too.
    knobs.smartscale = { ...knobs.smartscale, surgeFactor: surge, ...(surge === 0 ? { surgeSustainBuckets: 0 } : {}) };
  }
  if (args.workers !== undefined && (!Number.isInteger(args.workers) || args.workers < 0 || args.workers > 256)) {
    throw usage(`--workers ${args.workers}: must be a whole number from 0 to 256`);
  }
  if (args.output !== undefined && args.output !== 'table' && args.output !== 'json' && args.output !== 'yaml') throw usage(`-o ${args.output}: simulate prints table, json or yaml`);
  if (args.trace !== undefined && args.trace.length === 0) throw usage('--trace: name at least one CSV file (without --trace the built-in scenario runs)');
  if (args.report !== undefined && !/\.html?$/i.test(args.report)) throw usage(`--report ${args.report}: the report is an HTML file (name it *.html)`);
  if (!Number.isInteger(args.days) || args.days < 1 || args.days > 90) throw usage(`--days ${args.days}: must be a whole number from 1 to 90`);
  if (!Number.isInteger(args.seed)) throw usage(`--seed ${args.seed}: must be a whole number`);
  // A share per 30 days, as the Spot Instance Advisor gives it; 1 (every instance within the period)
  // has no constant hazard.
  const spotInterruptions = inRange('spot-interruptions', args['spot-interruptions'], 0, 1);
  if (spotInterruptions >= 1) throw usage(`--spot-interruptions ${spotInterruptions}: must be below 1 (the share of spot instances interrupted per 30 days, e.g. 0.05 for the Spot Instance Advisor's "<5%" band)`);
  const horizonSeconds = args.horizon === undefined ? undefined : seconds('horizon', args.horizon);
  if (horizonSeconds !== undefined && horizonSeconds < 3600) throw usage(`--horizon ${args.horizon}: replay at least 1h`);
  return {
    scenario: {
      mapping,
      pod: { milliCpu, memoryBytes },
      timing: {
        tickSeconds: tick,
        podStartSeconds: seconds('pod-start', args['pod-start']),
        nodeReadySeconds: seconds('node-ready', args['node-ready']),
        metricsLagSeconds: seconds('metrics-lag', args['metrics-lag']),
      },
      spotShare: inRange('spot-share', args['spot-share'], 0, 1),
      spotInterruptions,
      seed: args.seed,
    },
    knobs,
    strategies,
    horizonSeconds,
  };
}

/** The most pods a simulated workload may need at its 99th-percentile demand, however it is sized. */
export const MAX_PEAK_PODS = 100_000;

/**
 * Pods the scenario's services need together at their 99th-percentile demand — what --peak-pods
 * sets, and what --rps-per-pod implies.
 */
export function impliedPeakPods(scenario: Scenario, p99RatePerSecond: (series: RegularSeries) => number): number {
  return scenario.services.reduce((sum, s) => sum + p99RatePerSecond(s.counts) / s.rpsPerPod, 0);
}

async function buildScenarios(args: SimulateArgs, options: ScenarioOptions, horizonSeconds?: number): Promise<Scenario[]> {
  const [{ builtinScenario, traceScenario, truncateSeries, quantile }, { loadTraceFile }] = await Promise.all([import('../../core/sim/scenario.js'), import('./backtest-run.js')]);
  const wrap = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (error) {
      if (error instanceof RangeError) throw usage(`${what}: ${error.message}`);
      throw error;
    }
  };
  // --peak-pods is capped; the pods --rps-per-pod implies are checked against the same cap before
  // the replay (--rps-per-pod 1e-300 ran out of heap after 78 s).
  const checked = (what: string, scenario: Scenario): Scenario => {
    if (!('rpsPerPod' in options.mapping)) return scenario;
    const pods = impliedPeakPods(scenario, (series) => quantile(series.values, 0.99) / series.stepSeconds);
    if (pods > MAX_PEAK_PODS) {
      throw usage(`--rps-per-pod ${options.mapping.rpsPerPod}: ${what} would need ${pods < 1e15 ? Math.ceil(pods).toLocaleString('en-US') : pods.toExponential(2)} pods at its 99th-percentile demand, more than ${MAX_PEAK_PODS.toLocaleString('en-US')} (the --peak-pods cap); give a larger --rps-per-pod`);
    }
    return scenario;
  };
  if (!args.trace || args.trace.length === 0) {
    return [checked('the built-in scenario', wrap('built-in scenario', () => builtinScenario({ ...options, days: horizonSeconds ? Math.max(1, Math.min(args.days, Math.ceil(horizonSeconds / 86_400))) : args.days, seed: args.seed })))];
  }
  return args.trace.map((path) => checked(`trace ${path}`, wrap(`trace ${path}`, () => traceScenario(basename(path), truncateSeries(loadTraceFile(path), horizonSeconds), options))));
}

const n = (v: number | null, d: number) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(d));

export function renderSimulationTable(s: SimulationSummary): string {
  const header = ['STRATEGY', 'COST-USD', 'COST/ORACLE', 'UNSERVED-%', 'VIOLATION-MIN', 'LAUNCHES', 'TERMINATIONS', 'MEAN-NODES', 'P95-NODES'];
  // Interruptions only mean something with spot nodes (the JSON always has them).
  if (s.spot) header.push('INTERRUPTIONS');
  if (s.frontier) header.push(`COST@${FRONTIER_UNSERVED_PCT}%`);
  const rows = [header];
  for (const [name, m] of Object.entries(s.strategies)) {
    const row = [name, n(m.costUsd, 2), n(m.costRatio, 3), n(m.unservedPct, 4), String(m.violationMinutes), String(m.launches), String(m.terminations), n(m.meanNodes, 1), String(m.p95Nodes)];
    if (s.spot) row.push(String(m.interruptions));
    if (s.frontier) row.push(s.frontier[name]?.costAtUnserved0_1 == null ? 'not reached' : n(s.frontier[name].costAtUnserved0_1, 2));
    rows.push(row);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  const spot = s.spot ? `, spot share ${s.spot.share}, ${s.spot.interruptionsPer30Days} of spot instances interrupted per 30 days` : '';
  return `trace ${s.trace}: ${s.days} days${spot}, ${s.seconds} s\n${lines.join('\n')}\n`;
}

export async function runSimulateCommand(args: SimulateArgs, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream | NodeJS.WritableStream } = process): Promise<SimulationResult[]> {
  const parsed = parseSimulateArgs(args);
  // Checked before the replay, which can take minutes, rather than when the report is written.
  const unwritable = args.report === undefined ? undefined : unwritableReason(args.report);
  if (unwritable !== undefined) throw usage(`--report ${args.report}: cannot write it: ${unwritable}`);
  // The simulator and its report load only when a simulation runs, so `--help` and the other
  // commands start without them.
  const [{ CatalogError, loadCatalogSync }, { simulate }, { progressBar }, { renderReport }] = await Promise.all([
    import('../../core/cloud/catalog/index.js'),
    import('../../core/sim/simulate.js'),
    import('../../core/sim/progress.js'),
    import('../../core/sim/report/html.js'),
  ]);
  let catalog: InstanceType[];
  try {
    catalog = loadCatalogSync(args.catalog, { capacityTypes: ['on-demand', 'spot'] });
  } catch (error) {
    if (error instanceof CatalogError || error instanceof RangeError) throw usage(`--catalog: ${(error as Error).message}`);
    throw error;
  }
  // Checked here, with the flag's name: inside the replay it failed a worker job (exit 1).
  const caType = parsed.knobs.caInstanceType;
  const pod = parsed.scenario.pod;
  if (caType !== undefined && pod !== undefined && parsed.strategies.includes('reactive-hpa-ca')) {
    const { nodeTypesFor } = await import('../../core/sim/cluster.js');
    if (!catalog.some((t) => t.name === caType)) throw usage(`--ca-instance-type ${caType}: not in the catalog (${args.catalog})`);
    if (!nodeTypesFor(catalog, pod).some((t) => t.name === caType)) throw usage(`--ca-instance-type ${caType}: cannot hold one pod of --cpu ${args.cpu} --memory ${args.memory} (or has no on-demand price)`);
  }
  const scenarios = await buildScenarios(args, parsed.scenario, parsed.horizonSeconds);
  const results: SimulationResult[] = [];
  for (const scenario of scenarios) {
    const bar = progressBar(io.stderr as NodeJS.WriteStream, `simulating ${scenario.name}`);
    try {
      results.push(await simulate(scenario, catalog, { strategies: parsed.strategies, knobs: parsed.knobs, sweep: args.sweep, workers: args.workers, onProgress: (d) => bar.update(d) }));
    } catch (error) {
      if (error instanceof RangeError) throw usage(`${scenario.name}: ${error.message}`);
      throw error;
    } finally {
      bar.finish();
    }
  }
  const output = args.output ?? 'table';
  if (output === 'json' || output === 'yaml') {
    const summaries = results.map((r) => r.summary);
    const data = summaries.length === 1 ? summaries[0] : summaries;
    // json stays one line (scripts and the README's results read it so); yaml loads js-yaml only here.
    io.stdout.write(output === 'json' ? `${JSON.stringify(data)}\n` : (await import('../render/output.js')).renderData(data, 'yaml'));
  } else {
    io.stdout.write(results.map((r) => renderSimulationTable(r.summary)).join('\n'));
  }
  if (args.report !== undefined) {
    const path = resolve(args.report);
    try {
      writeFileSync(path, renderReport(results, new Date().toISOString()));
    } catch (error) {
      throw new CliError(`cannot write the report ${path}: ${fileFailure(error)}`, ExitCode.usage);
    }
    io.stderr.write(`report written to ${path}\n`);
  }
  return results;
}

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: 'simulate',
  describe: 'Replay a traffic trace through smartscale and the baseline autoscalers; compare cost and unserved demand (offline)',
  builder: (y: Argv) =>
    y
      .option('trace', { type: 'string', array: true, describe: 'CSV trace(s) "timestamp,value" (default: the built-in multi-service scenario)' })
      .option('strategies', { type: 'string', default: STRATEGY_NAMES.join(','), describe: `Comma-separated: ${STRATEGY_NAMES.join(', ')}` })
      .option('report', { type: 'string', describe: 'Write a self-contained HTML report to this file' })
      .option('sweep', { type: 'boolean', default: false, describe: 'Run each strategy across its knob and report cost at 0.1% unserved' })
      .option('peak-pods', { type: 'number', describe: 'Scale the trace so its 99th-percentile demand needs this many pods (default 200)' })
      .option('rps-per-pod', { type: 'number', describe: 'Requests per second one pod serves (instead of --peak-pods)' })
      .option('cpu', { type: 'string', default: '500m', describe: 'CPU request per pod' })
      .option('memory', { type: 'string', default: '1Gi', describe: 'Memory request per pod' })
      .option('pod-start', { type: 'string', default: '20s', describe: 'Pod bound → ready delay' })
      .option('node-ready', { type: 'string', default: '60s', describe: 'Node launch → Ready delay' })
      .option('metrics-lag', { type: 'string', default: '30s', describe: 'Age of the metrics autoscalers see' })
      .option('tick', { type: 'string', default: '10s', describe: 'Virtual clock tick (1s–10s)' })
      .option('catalog', { type: 'string', default: 'builtin', describe: 'Instance catalog JSON (default: built-in)' })
      .option('spot-share', { type: 'number', default: 0, describe: 'Fraction of nodes bought as spot (0–1)' })
      .option('spot-interruptions', { type: 'number', default: DEFAULT_SPOT_INTERRUPTIONS, describe: 'Share of spot instances interrupted per 30 days, as the Spot Instance Advisor gives it (0 ≤ x < 1; with --spot-share)' })
      .option('horizon', { type: 'string', describe: 'Replay only the first part of each trace, e.g. 30d' })
      .option('hpa-target', { type: 'number', default: DEFAULT_KNOBS.hpaTarget, describe: 'HPA target CPU utilization of the reactive baselines' })
      .option('headroom', { type: 'number', default: DEFAULT_KNOBS.headroom, describe: 'Placeholder headroom of the overprovisioned baseline (0.3 = 30%)' })
      .option('quantile', { type: 'number', default: DEFAULT_KNOBS.quantile, describe: 'Forecast band quantile smartscale sizes for' })
      .option('utilization', { type: 'number', default: DEFAULT_KNOBS.utilization, describe: 'Utilization smartscale sizes pods for at the band (margin for surges)' })
      .option('shortfall-target', { type: 'number', describe: 'Share of time with unserved demand smartscale\'s served-record feedback steers to (default: (1 − quantile) ÷ 4; 0 = off)' })
      .option('surge-factor', { type: 'number', describe: 'smartscale\'s floor extrapolates a rise while observed demand is above this × the forecast band, or after 3 buckets in a row above it (default 2; 0 = off)' })
      .option('disruption', { type: 'string', default: 'planner', describe: 'smartscale disruption: planner (the production planner) or slots (a faster slot-count model)' })
      .option('ca-instance-type', { type: 'string', describe: 'Cluster Autoscaler node group type (default: cheapest per pod)' })
      .option('workers', { type: 'number', describe: 'Worker threads (default: one per core; 0 = none)' })
      .option('days', { type: 'number', default: 7, describe: 'Length of the built-in scenario in days' })
      .option('seed', { type: 'number', default: 42, describe: 'Seed of the built-in scenario and of the spot interruptions' }) as unknown as Argv<SimulateArgs>,
  handler: async (args) => {
    await runSimulateCommand(args);
  },
};
