/**
 * What `kubectl smartscale backtest` runs (backtest.ts declares it; this loads only when it runs):
 * loading a series and evaluating it are separate steps, so other sources (a Prometheus range
 * query) can feed `runBacktest` a series already in memory.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { backtestSeries, type BacktestReport } from '../../core/forecast/backtest.js';
import { parseDuration } from '../../core/forecast/duration.js';
import type { RegularSeries } from '../../core/forecast/series.js';
import { MAX_TRACE_BYTES, MAX_TRACE_ROWS, MAX_TRACE_VALUE, parseTrace, TraceError } from '../../core/forecast/trace.js';
import { generateWorkload } from '../../core/workload/synthetic.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { humanDuration } from '../render/format.js';
import { renderData } from '../render/output.js';
import { fileFailure } from './files.js';
import type { BacktestArgs } from './backtest.js';
import { fetchBacktestSeries, planPrometheusBacktest } from './backtest-prometheus.js';

export const BUILTIN_TRACE = 'builtin';

/** Reads and parses a trace file; any problem becomes a usage error naming the file (and line). */
export function loadTraceFile(path: string, maxBytes = MAX_TRACE_BYTES): RegularSeries {
  let text: string;
  try {
    const bytes = readAtMost(path, maxBytes);
    if (bytes === undefined) throw new CliError(`trace ${path}: larger than ${formatBytes(maxBytes)}, the most a trace may be (at most ${MAX_TRACE_ROWS.toLocaleString('en-US')} rows); split it or aggregate it into longer buckets`, ExitCode.usage);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
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

/**
 * The file's bytes, or undefined when it holds more than `maxBytes`: the size is checked before
 * reading (fstat), and the read stops one byte past the cap for what fstat cannot size (a pipe).
 */
function readAtMost(path: string, maxBytes: number): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (stat.size > maxBytes) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) return undefined;
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

function durationFlag(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new CliError(`--${flag}: ${(error as Error).message}`, ExitCode.usage);
  }
}

/** A first timestamp above this (the year 5138 in seconds) is unix milliseconds read as seconds. */
const MILLISECONDS_FROM = 1e11;

/**
 * Evaluates a series in memory. `horizon` and `warmup` are durations; the horizon must be at least
 * one step and the warm-up must leave something to score, values must be at most MAX_TRACE_VALUE,
 * and something must be scored. Throws CliError(usage) otherwise.
 */
export function runBacktest(series: RegularSeries, name: string, horizon: string, warmup: string, now: () => number = () => performance.now()): BacktestReport {
  const step = series.stepSeconds;
  const horizonSeconds = durationFlag('horizon', horizon);
  const horizonSteps = Math.floor(horizonSeconds / step);
  if (horizonSteps < 1) {
    // Unix milliseconds read as seconds make a 1-minute trace's step 60000 s.
    const why = series.startSec > MILLISECONDS_FROM ? `; its timestamps look like unix milliseconds (the first is ${series.startSec}), and a trace's are unix seconds` : '';
    throw new CliError(`--horizon ${horizon} is shorter than one step of the series: its step is ${step} s (${humanDuration(step)})${why}`, ExitCode.usage);
  }
  if (horizonSteps > 1440) {
    throw new CliError(`--horizon ${horizon} is ${horizonSteps} steps of ${step} s; it must be 1 to 1440 steps`, ExitCode.usage);
  }
  for (let i = 0; i < series.values.length; i++) {
    if (series.values[i] > MAX_TRACE_VALUE) {
      throw new CliError(`the series' value at ${series.startSec + i * step} is ${series.values[i]}, above ${MAX_TRACE_VALUE}: not a demand, and its errors would overflow`, ExitCode.usage);
    }
  }
  const warmupSteps = Math.floor(durationFlag('warmup', warmup) / step);
  if (warmupSteps + horizonSteps >= series.values.length) {
    throw new CliError(`--warmup ${warmup} leaves nothing to score: the series has ${series.values.length} steps of ${step} s`, ExitCode.usage);
  }
  const started = now();
  const report = backtestSeries(series, { name, horizonSteps, warmupSteps });
  report.seconds = Math.round((now() - started) / 10) / 100;
  // `scored` counts the one-step forecasts that met an actual value: none means the metrics are
  // over nothing (null) or over a few longer-horizon points only (relMae 1, coverage 1 with a
  // gap every other step), and a report of them would read as a result.
  if (report.scored === 0) {
    let gaps = 0;
    for (let i = warmupSteps; i < series.values.length; i++) if (Number.isNaN(series.values[i])) gaps++;
    const after = series.values.length - warmupSteps;
    throw new CliError(`nothing to score: no one-step forecast after the warm-up met an actual value (${gaps} of the ${after} steps of ${step} s after it are gaps); give a series with consecutive values, or a shorter --warmup`, ExitCode.usage);
  }
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
