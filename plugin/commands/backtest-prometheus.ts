/**
 * The `--prometheus URL --query PROMQL [--range 14d | --start T --end T] [--step 1m]` half of
 * `kubectl smartscale backtest`: fetches one series from a Prometheus-compatible server and hands
 * it to the same `runBacktest` as a trace, so the output is the same. Its flags are declared by
 * backtest.ts' withPrometheusOptions.
 *
 * The query must return one series in requests/second (like `smartscale.io/rps-query`), ideally
 * with a rate window equal to the step: `sum(rate(http_requests_total{job="web"}[1m]))`. A value
 * at time t covers the step that ends at t; it becomes the trace bucket that starts at t − step,
 * holding value × step requests.
 */
import { readFileSync } from 'node:fs';
import { checkPrometheusUrl } from '../../core/metrics/config.js';
import { parseDurationMs } from '../../core/model/duration.js';
import { PrometheusClient } from '../../core/metrics/prometheus/client.js';
import { isPrometheusError } from '../../core/metrics/prometheus/errors.js';
import { cleanSeries } from '../../core/metrics/samples.js';
import { MAX_RANGE_POINTS, type TimeRange } from '../../core/metrics/source.js';
import type { RegularSeries } from '../../core/forecast/series.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { DEFAULT_BACKTEST_RANGE } from './backtest.js';
import { fileFailure } from './files.js';

export interface PrometheusBacktestArgs {
  trace?: string;
  prometheus?: string;
  query?: string;
  range?: string;
  start?: string;
  end?: string;
  step?: string;
  'bearer-token-file'?: string;
  'ca-file'?: string;
  timeout?: string;
}

export interface PrometheusBacktestPlan {
  url: string;
  query: string;
  range: TimeRange;
  bearerToken?: string;
  ca?: string;
  timeoutMs: number;
}

const usage = (message: string) => new CliError(message, ExitCode.usage);

/** The longest per-request --timeout: a request is retried once, so a dead server costs twice this. */
const MAX_TIMEOUT_SECONDS = 600;

/** Unix seconds from RFC 3339 or a unix-seconds number. */
export function parseTime(flag: string, text: string): number {
  const t = text.trim();
  if (/^\d{1,11}(\.\d+)?$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw usage(`--${flag} ${JSON.stringify(t.slice(0, 40))}: expected RFC 3339 (2026-01-31T00:00:00Z) or unix seconds`);
}

function duration(flag: string, text: string): number {
  try {
    return parseDurationMs(text) / 1000;
  } catch {
    throw usage(`--${flag} ${JSON.stringify(String(text).slice(0, 40))}: expected a duration such as 1m, 2h or 14d`);
  }
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    // "EISDIR" alone said nothing about what was wrong.
    throw usage(`--${flag} ${path}: cannot read it: ${fileFailure(error)}`);
  }
}

/**
 * Validates the flags; returns undefined when --prometheus is not used (and no Prometheus-only
 * flag either). `nowSec` is the end of a --range. Throws CliError(usage) with a clear message.
 */
export function planPrometheusBacktest(args: PrometheusBacktestArgs, nowSec: number): PrometheusBacktestPlan | undefined {
  const onlyWithPrometheus = (['query', 'range', 'start', 'end', 'step', 'bearer-token-file', 'ca-file', 'timeout'] as const).filter(
    (f) => args[f] !== undefined,
  );
  if (args.prometheus === undefined) {
    if (onlyWithPrometheus.length) throw usage(`--${onlyWithPrometheus[0]} needs --prometheus URL`);
    return undefined;
  }
  if (args.trace !== undefined) throw usage('--trace and --prometheus are mutually exclusive: backtest one series at a time');
  const urlProblem = checkPrometheusUrl(args.prometheus);
  if (urlProblem) throw usage(`--prometheus: ${urlProblem}`);
  if (args.query === undefined || args.query.trim() === '') throw usage('--prometheus needs --query PROMQL (one series in requests/second)');
  if (args.query.length > 16_384) throw usage('--query is longer than 16384 characters');
  const step = duration('step', args.step ?? '1m');
  if (!Number.isInteger(step) || step < 1) throw usage(`--step ${args.step}: must be a whole number of seconds, at least 1s`);
  if (args.range !== undefined && (args.start !== undefined || args.end !== undefined)) {
    throw usage('--range and --start/--end are mutually exclusive');
  }
  if ((args.start === undefined) !== (args.end === undefined)) throw usage('--start and --end go together');
  let start: number;
  let end: number;
  if (args.start !== undefined && args.end !== undefined) {
    start = parseTime('start', args.start);
    end = parseTime('end', args.end);
    if (end <= start) throw usage(`--end ${args.end} must be after --start ${args.start}`);
  } else {
    end = nowSec;
    start = end - duration('range', args.range ?? DEFAULT_BACKTEST_RANGE);
  }
  // On the step grid, so buckets line up with the series' daily and weekly seasons.
  start = Math.ceil(start / step) * step;
  end = Math.floor(end / step) * step;
  const points = Math.floor((end - start) / step) + 1;
  if (points < 3) throw usage(`the range holds ${points} steps of ${step} s; it needs more`);
  if (points > MAX_RANGE_POINTS) throw usage(`the range holds ${points} steps of ${step} s, more than ${MAX_RANGE_POINTS}; use a larger --step`);
  const timeoutSeconds = duration('timeout', args.timeout ?? '30s');
  // 0s was accepted, and every request then failed as "cannot reach" (exit 3).
  if (!(timeoutSeconds >= 1) || timeoutSeconds > MAX_TIMEOUT_SECONDS) throw usage(`--timeout ${args.timeout}: must be from 1s to ${MAX_TIMEOUT_SECONDS / 60}m`);
  const plan: PrometheusBacktestPlan = { url: args.prometheus, query: args.query, range: { start, end, stepSeconds: step }, timeoutMs: timeoutSeconds * 1000 };
  if (args['bearer-token-file'] !== undefined) plan.bearerToken = readFlagFile('bearer-token-file', args['bearer-token-file']).trim();
  if (args['ca-file'] !== undefined) plan.ca = readFlagFile('ca-file', args['ca-file']);
  return plan;
}

/**
 * Fetches the series (split into ≤ 11,000-point requests by the client) and converts it to the
 * trace form `runBacktest` takes. Server failures exit with "unreachable"; an empty or ambiguous
 * answer is a usage error that says how to fix the query.
 */
/** Retries after a transient failure (unreachable, timeout, 429/5xx) of one request. */
export const CLI_RETRIES = 1;

export async function fetchBacktestSeries(plan: PrometheusBacktestPlan, client?: PrometheusClient): Promise<RegularSeries> {
  const prometheus =
    client ??
    new PrometheusClient({
      url: plan.url,
      timeoutMs: plan.timeoutMs,
      // One retry, not the controller's three: someone is waiting at a terminal, and a server
      // that never answers cost four 30 s timeouts (two minutes) before the error.
      retries: CLI_RETRIES,
      ca: plan.ca,
      ...(plan.bearerToken ? { auth: { bearerToken: plan.bearerToken } } : {}),
    });
  let series;
  try {
    series = await prometheus.queryRange(plan.query, plan.range);
  } catch (error) {
    if (isPrometheusError(error, 'query')) throw usage(`--query: ${error.message}`);
    if (isPrometheusError(error)) throw new CliError(`prometheus ${plan.url}: ${error.message}`, ExitCode.clusterUnreachable);
    throw error;
  }
  if (series.length === 0) throw usage('--query returned no series in that range; check the selector and the time range');
  if (series.length > 1) throw usage(`--query returned ${series.length} series; it must return one (wrap it in sum(...))`);
  const { range } = plan;
  const { samples } = cleanSeries(series[0].points, range);
  if (samples.length < 2) throw usage(`--query returned ${samples.length} usable values in that range; a backtest needs more`);
  const step = range.stepSeconds;
  // The first grid point covers the bucket before `start`; buckets run from start − step to end − step.
  const values = new Float64Array(Math.floor((range.end - range.start) / step) + 1).fill(NaN);
  for (const s of samples) values[Math.round((s.t - range.start) / step)] = s.v * step;
  return { startSec: range.start - step, stepSeconds: step, values };
}
