/**
 * `npm run bench:forecast`: forecast accuracy at a 15-minute horizon on the shared traces (the
 * bars: selected relMae, band coverage), the time of a full backtest, and the cost of one online
 * update. Prints one JSON object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { backtestSeries } from '../../core/forecast/backtest.js';
import { SeriesForecaster } from '../../core/forecast/forecaster.js';
import { parseTrace } from '../../core/forecast/trace.js';
import { generateWorkload } from '../../core/workload/synthetic.js';
import { tracePath } from '../support/shared.js';

const BARS: Record<string, number> = {
  'nasa_ksc_jul1995_1min.csv': 0.75,
  'aws_elb_request_count_5min.csv': 0.75,
  'worldcup98_1min.csv': 0.999,
};

const traces: Record<string, unknown> = {};
for (const name of Object.keys(BARS)) {
  const path = tracePath(name);
  if (!existsSync(path)) continue;
  const series = parseTrace(readFileSync(path, 'utf8'));
  const horizonSteps = Math.round(900 / series.stepSeconds);
  const warmupSteps = Math.round((2 * 86_400) / series.stepSeconds);
  const started = performance.now();
  const r = backtestSeries(series, { name, horizonSteps, warmupSteps });
  const seconds = (performance.now() - started) / 1000;
  traces[name] = {
    points: r.points,
    horizonSteps,
    selectedRelMae: round(r.selected.relMae),
    selectedCoverage: round(r.selected.coverage),
    relMaeBar: BARS[name],
    relMaeMet: r.selected.relMae <= BARS[name],
    coverageMet: Math.abs(r.selected.coverage - r.quantile) <= 0.03,
    seconds: round(seconds, 2),
    models: Object.fromEntries(Object.entries(r.models).map(([m, s]) => [m, round(s.relMae)])),
    selectedModels: Object.fromEntries(Object.entries(r.selectedModels).map(([m, s]) => [m, round(s, 2)])),
  };
}

// Online update cost: many series, one point each per round, as the controller does every tick.
const { series } = generateWorkload({ days: 3 });
const seriesCount = 200;
const forecasters = Array.from({ length: seriesCount }, () => new SeriesForecaster({ stepSeconds: 60 }));
const warm = 1440;
for (let i = 0; i < warm; i++) for (const f of forecasters) f.update(series.startSec + i * 60, series.values[i]);
const rounds = 1000;
const started = performance.now();
for (let i = warm; i < warm + rounds; i++) for (const f of forecasters) f.update(series.startSec + i * 60, series.values[i]);
const microsPerUpdate = ((performance.now() - started) * 1000) / (rounds * seriesCount);
const stateBytes = JSON.stringify(forecasters[0].toJSON()).length;

const nasa = traces['nasa_ksc_jul1995_1min.csv'] as { seconds: number } | undefined;
process.stdout.write(
  `${JSON.stringify({
    traces,
    nasaBacktestSeconds: nasa?.seconds ?? null,
    nasaBacktestMet: nasa ? nasa.seconds <= 5 : null,
    update: { microsPerUpdate: round(microsPerUpdate, 2), met: microsPerUpdate <= 20, seriesCount, rounds, stateBytes },
    node: process.version,
  })}\n`,
);

function round(v: number, digits = 3): number {
  return Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v;
}
