/**
 * Memory of the forecasters the controller keeps: N series (default 2,000, as bench:controller) at
 * 1-minute steps, horizon 15, band quantile 0.965, each fed 12 h of bench:controller's formula
 * (daily shape × small deterministic noise). Prints one JSON object: resident, heap and typed-array
 * bytes, in total and per series, and the sub-hourly periods detected. Measures deltas after GC, so
 * run it with the collector exposed:
 *
 *   node --expose-gc --import tsx test/bench/forecaster-memory.ts [series] [steps]
 */
import { SeriesForecaster } from '../../core/forecast/forecaster.js';

const N = Number(process.argv[2] ?? 2000);
const STEPS = Number(process.argv[3] ?? 720);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the header)');

/** bench:controller's demand formula (test/bench/controller-worker.ts), per series i. */
function demand(i: number, t: number): number {
  const base = 5 + ((i * 7919) % 50);
  const daily = 1 + 0.5 * Math.cos((((t % 86_400) / 3600 - 15) / 24) * 2 * Math.PI);
  return base * daily * (1 + 0.05 * Math.sin(t * 0.37 + i)) * 60;
}

gc();
gc();
const before = process.memoryUsage();
const kept: SeriesForecaster[] = [];
const start = 1_699_920_000; // midnight UTC
for (let i = 0; i < N; i++) {
  const f = new SeriesForecaster({ stepSeconds: 60, horizonSteps: 15, quantile: 0.965 });
  for (let k = 0; k < STEPS; k++) f.update(start + k * 60, demand(i, start + k * 60));
  kept.push(f);
}
gc();
gc();
const after = process.memoryUsage();
const periods: Record<string, number> = {};
for (const f of kept) {
  const p = String(f.forecast().season.short ?? 'none');
  periods[p] = (periods[p] ?? 0) + 1;
}
const MB = 2 ** 20;
const delta = (k: 'rss' | 'heapUsed' | 'arrayBuffers') => after[k] - before[k];
process.stdout.write(
  `${JSON.stringify({
    bench: 'forecaster-memory',
    series: N,
    stepsFed: STEPS,
    rssMB: Math.round((delta('rss') / MB) * 10) / 10,
    heapUsedMB: Math.round((delta('heapUsed') / MB) * 10) / 10,
    arrayBuffersMB: Math.round((delta('arrayBuffers') / MB) * 10) / 10,
    perSeriesBytes: { rss: Math.round(delta('rss') / N), heapUsed: Math.round(delta('heapUsed') / N), arrayBuffers: Math.round(delta('arrayBuffers') / N) },
    shortPeriods: periods,
  })}\n`,
);
