/**
 * `kubectl smartscale backtest [--trace FILE] [--horizon 15m] [--warmup 2d] [-o table|json|yaml]`:
 * forecast accuracy of every model and of the selection on a trace (or, without --trace, on the
 * built-in synthetic workload). What it runs is backtest-run.ts, loaded when it runs (docs/plugin.md,
 * start-up); the `--prometheus` half is backtest-prometheus.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import type { PrometheusBacktestArgs } from './backtest-prometheus.js';

export interface BacktestArgs extends PrometheusBacktestArgs {
  trace?: string;
  horizon: string;
  warmup: string;
  output?: string;
}

export const DEFAULT_BACKTEST_RANGE = '14d';

/** Adds the Prometheus flags (backtest-prometheus.ts reads them) to the backtest command's builder. */
export function withPrometheusOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('prometheus', { type: 'string', describe: 'Backtest a series from this Prometheus-compatible server (base URL)' })
    .option('query', { type: 'string', describe: 'PromQL returning one series in requests/second, e.g. sum(rate(x[1m]))' })
    .option('range', { type: 'string', describe: `With --prometheus: how far back from now (default ${DEFAULT_BACKTEST_RANGE})` })
    .option('start', { type: 'string', describe: 'With --prometheus: start time, RFC 3339 or unix seconds (with --end)' })
    .option('end', { type: 'string', describe: 'With --prometheus: end time, RFC 3339 or unix seconds' })
    .option('step', { type: 'string', describe: 'With --prometheus: resolution, e.g. 1m (default 1m)' })
    .option('bearer-token-file', { type: 'string', describe: 'With --prometheus: file holding a bearer token' })
    .option('ca-file', { type: 'string', describe: 'With --prometheus: PEM CA bundle for https' })
    .option('timeout', { type: 'string', describe: 'With --prometheus: per-request timeout (default 30s)' }) as Argv<T>;
}

export const backtestCommand: CommandModule<object, BacktestArgs> = {
  command: 'backtest',
  describe: 'Forecast accuracy of every model and of the selection on a trace (offline)',
  builder: (y: Argv) =>
    withPrometheusOptions(y)
      .option('trace', { type: 'string', describe: 'CSV trace "timestamp,value" (default: the built-in synthetic workload)' })
      .option('horizon', { type: 'string', default: '15m', describe: 'Forecast horizon, e.g. 15m' })
      .option('warmup', { type: 'string', default: '2d', describe: 'History learned before scoring starts, e.g. 2d' }) as unknown as Argv<BacktestArgs>,
  handler: async (args) => (await import('./backtest-run.js')).runBacktestCommand(args),
};
