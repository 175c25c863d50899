/**
 * What `kubectl smartscale backtest` runs (backtest.ts declares it; this loads only when it runs):
 * loading a series and evaluating it are separate steps, so other sources (a Prometheus range
 * query) can feed `runBacktest` a series already in memory.
 */
import { readFileSync } from 'node:fs';
import { backtestSeries, type BacktestReport } from '../../core/forecast/backtest.js';
import { parseDuration } from '../../core/forecast/duration.js';
import type { RegularSeries } from '../../core/forecast/series.js';
import { parseTrace, TraceError } from '../../core/forecast/trace.js';
import { generateWorkload } from '../../core/workload/synthetic.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { renderData } from '../render/output.js';
import { fileFailure } from './files.js';
import type { BacktestArgs } from './backtest.js';
import { fetchBacktestSeries, planPrometheusBacktest } from './backtest-prometheus.js';

export const BUILTIN_TRACE = 'builtin';

/** Reads and parses a trace file; any problem becomes a usage error naming the file (and line). */
export function loadTraceFile(path: string): RegularSeries {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read trace ${path}: ${fileFailure(error)}`, ExitCode.usage);
  }
  // Quoting a binary file's first line would put raw bytes on the terminal.
  if (text.includes('\u0000') || text.slice(0, 4096).includes('\ufffd')) throw new CliError(`trace ${path}: not a text file (a CSV with header "timestamp,value" is expected)`, ExitCode.usage);
  try {
    return parseTrace(text);
  } catch (error) {
    if (error instanceof TraceError) throw new CliError(`trace ${path}: ${error.message}`, ExitCode.usage);
    throw error;
  }
}

function durationFlag(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new CliError(`--${flag}: ${(error as Error).message}`, ExitCode.usage);
  }
}

/**
 * Evaluates a series in memory. `horizon` and `warmup` are durations; the horizon must be at least
 * one step and the warm-up must leave something to score. Throws CliError(usage) otherwise.
 */
export function runBacktest(series: RegularSeries, name: string, horizon: string, warmup: string, now: () => number = () => performance.now()): BacktestReport {
  const step = series.stepSeconds;
  const horizonSeconds = durationFlag('horizon', horizon);
  const horizonSteps = Math.floor(horizonSeconds / step);
  if (horizonSteps < 1 || horizonSteps > 1440) {
    throw new CliError(`--horizon ${horizon} is ${horizonSteps} steps of ${step} s; it must be 1 to 1440 steps`, ExitCode.usage);
  }
  const warmupSteps = Math.floor(durationFlag('warmup', warmup) / step);
  if (warmupSteps + horizonSteps >= series.values.length) {
    throw new CliError(`--warmup ${warmup} leaves nothing to score: the series has ${series.values.length} steps of ${step} s`, ExitCode.usage);
  }
  const started = now();
  const report = backtestSeries(series, { name, horizonSteps, warmupSteps });
  report.seconds = Math.round((now() - started) / 10) / 100;
  return report;
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

export function renderBacktestTable(report: BacktestReport): string {
  const rows = [['MODEL', 'REL-MAE', 'SMAPE', 'COVERAGE', 'CHOSEN']];
  for (const [name, s] of Object.entries(report.models)) {
    rows.push([name, fmt(s.relMae), fmt(s.smape), fmt(s.coverage), `${Math.round((report.selectedModels[name] ?? 0) * 100)}%`]);
  }
  rows.push(['selected', fmt(report.selected.relMae), fmt(report.selected.smape), fmt(report.selected.coverage), '']);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  const header =
    `trace ${report.trace}: ${report.points} points of ${report.stepSeconds} s, horizon ${report.horizonSteps} steps, ` +
    `warm-up ${report.warmupSteps} steps, band at ${report.quantile}, ${report.seconds} s`;
  return `${header}\n${lines.join('\n')}\n`;
}

export async function runBacktestCommand(args: BacktestArgs): Promise<void> {
  const output = args.output ?? 'table';
  if (output !== 'table' && output !== 'json' && output !== 'yaml') throw new CliError(`-o ${output}: backtest prints table, json or yaml`, ExitCode.usage);
  const prometheus = planPrometheusBacktest(args, Math.floor(Date.now() / 1000));
  const series = prometheus
    ? await fetchBacktestSeries(prometheus)
    : args.trace === undefined
      ? generateWorkload().series
      : loadTraceFile(args.trace);
  const report = runBacktest(series, prometheus ? `prometheus ${prometheus.query}` : (args.trace ?? BUILTIN_TRACE), args.horizon, args.warmup);
  process.stdout.write(output === 'json' ? `${JSON.stringify(report)}\n` : output === 'yaml' ? renderData(report, 'yaml') : renderBacktestTable(report));
}
