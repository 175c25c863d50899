/**
 * Simulator benchmark: `npm run bench:simulate [-- --trace FILE] [--days 30] [--workers N]`.
 *
 * Replays 30 days of a 1-minute trace (default: the first 30 days of the shared WorldCup 98 trace)
 * through all five strategies at their default settings, as `kubectl smartscale simulate` does
 * (one worker thread per core), then once more in a single thread, and prints one JSON object:
 * {"trace","days","ticks","strategies","workers","seconds","secondsSingleThread","cpuSeconds",
 *  "cpuSecondsSingleThread","loadAverage","bar","met"}.
 * The bar (issue 4): ≤ 20 s for the parallel run on this machine. The machine is shared, so the
 * CPU seconds (user + system, all threads, worker start-up included) and the 1-minute load average
 * before and after are printed too: they say how much of the wall time was waiting for a core.
 */
import { availableParallelism, loadavg } from 'node:os';
import { loadCatalogSync } from '../../core/cloud/catalog/index.js';
import { parseTrace } from '../../core/forecast/trace.js';
import { DEFAULT_KNOBS, STRATEGY_NAMES } from '../../core/sim/run.js';
import { traceScenario, truncateSeries } from '../../core/sim/scenario.js';
import { simulate } from '../../core/sim/simulate.js';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { tracePath } from '../support/shared.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const file = arg('trace', tracePath('worldcup98_1min.csv'));
const days = Number(arg('days', '30'));
const workers = Number(arg('workers', String(availableParallelism())));
const series = truncateSeries(parseTrace(readFileSync(file, 'utf8')), days * 86_400);
const scenario = traceScenario(basename(file), series, { mapping: { peakPods: 200 } });
const catalog = loadCatalogSync();
const options = { strategies: [...STRATEGY_NAMES], knobs: DEFAULT_KNOBS, sweep: false };
/** Runs one simulation and measures the CPU time all threads of this process spent on it. */
async function measured(runWorkers: number) {
  const before = process.cpuUsage();
  const result = await simulate(scenario, catalog, { ...options, workers: runWorkers });
  const cpu = process.cpuUsage(before);
  return { result, cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100 };
}

const loadBefore = loadavg()[0];
const parallel = await measured(workers);
const single = await measured(0);
const loadAfter = loadavg()[0];
const BAR_SECONDS = 20;
process.stdout.write(
  `${JSON.stringify({
    trace: scenario.name,
    days: parallel.result.summary.days,
    ticks: Math.floor((series.values.length * series.stepSeconds) / scenario.timing.tickSeconds),
    strategies: STRATEGY_NAMES.length,
    workers,
    seconds: parallel.result.summary.seconds,
    secondsSingleThread: single.result.summary.seconds,
    cpuSeconds: parallel.cpuSeconds,
    cpuSecondsSingleThread: single.cpuSeconds,
    loadAverage: [Math.round(loadBefore * 100) / 100, Math.round(loadAfter * 100) / 100],
    bar: BAR_SECONDS,
    met: parallel.result.summary.seconds <= BAR_SECONDS,
  })}\n`,
);
