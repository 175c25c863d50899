/**
 * The trace format of DESIGN.md: CSV with header `timestamp,value`, unix seconds at the start of
 * each bucket and the number of requests in it. The step is inferred (the most common spacing);
 * missing buckets become gaps. Pure: the caller reads the file, this parses the text.
 */
import type { RegularSeries } from './series.js';

/** A trace that cannot be used; `line` is 1-based in the file when the problem is on one line. */
export class TraceError extends Error {
  constructor(message: string, readonly line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'TraceError';
  }
}

export interface TraceLimits {
  /** Refuse traces whose grid (including gaps) would exceed this many buckets. */
  maxBuckets: number;
  /** Refuse traces with more rows than this, counted before any row is parsed. */
  maxRows: number;
}

/**
 * Rows a trace may have: 2,000,000 is about 3.8 years of 1-minute buckets, 16 times the largest
 * shared trace (worldcup98, 125,311 rows). Parsing costs about 13 bytes of memory per byte of text
 * (the lines as strings, then the numbers), so the file cap below keeps a parse under 1 GB; at
 * the row cap, backtest took 17 s and 498 MB and the smartscale strategy's replay 116 s and 603 MB
 * (docs/plugin.md, "limits"), minutes rather than hours. A 74 MB file took 940 MB to parse before
 * there was a cap.
 */
export const MAX_TRACE_ROWS = 2_000_000;
/** Bytes a trace file may have: 2,000,000 rows of `1700000000,12345.678` with CRLF is ~46 MB. */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;

/**
 * The most requests one bucket may hold: 1e12 (over 10^8 per second in an hour's bucket, beyond
 * any service). Larger values are not demand, and their errors overflow: 1e308 in a trace made every
 * relative MAE NaN (printed as null) with exit 0.
 */
export const MAX_TRACE_VALUE = 1e12;

const DEFAULT_LIMITS: TraceLimits = { maxBuckets: 20_000_000, maxRows: MAX_TRACE_ROWS };

/**
 * Parses trace text into a regular series. Rejects: a missing or wrong header, rows without exactly
 * two fields, non-numeric or negative values, timestamps that are not increasing, timestamps off
 * the inferred grid, and traces with fewer than two rows.
 */
export function parseTrace(text: string, limits: Partial<TraceLimits> = {}): RegularSeries {
  const { maxBuckets, maxRows } = { ...DEFAULT_LIMITS, ...limits };
  // Counted before splitting: the lines as strings are most of what a parse costs.
  let rows = 0;
  for (let at = text.indexOf('\n'); at >= 0 && rows <= maxRows + 1; at = text.indexOf('\n', at + 1)) rows++;
  if (rows > maxRows + 1) throw new TraceError(`the trace has more than ${maxRows} rows; split it or aggregate it into longer buckets`);
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').trim().toLowerCase();
  if (header !== 'timestamp,value') {
    throw new TraceError(`expected the header "timestamp,value", found ${JSON.stringify(header.slice(0, 60))}`, 1);
  }
  const times: number[] = [];
  const counts: number[] = [];
  const lineOf: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const fields = raw.split(',');
    if (fields.length !== 2) throw new TraceError(`expected 2 fields "timestamp,value", found ${fields.length}`, i + 1);
    const ts = parseNumber(fields[0]);
    const value = parseNumber(fields[1]);
    if (ts === undefined || !Number.isInteger(ts) || ts < 0) {
      throw new TraceError(`timestamp ${JSON.stringify(fields[0].slice(0, 30))} is not whole unix seconds`, i + 1);
    }
    if (value === undefined || value < 0) {
      throw new TraceError(`value ${JSON.stringify(fields[1].slice(0, 30))} is not a non-negative number`, i + 1);
    }
    if (value > MAX_TRACE_VALUE) throw new TraceError(`value ${JSON.stringify(fields[1].slice(0, 30))} is above ${MAX_TRACE_VALUE}, the most requests a bucket may hold`, i + 1);
    if (times.length > 0 && ts <= times[times.length - 1]) {
      throw new TraceError(`timestamp ${ts} is not after the previous one (${times[times.length - 1]}); rows must be sorted`, i + 1);
    }
    times.push(ts);
    counts.push(value);
    lineOf.push(i + 1);
  }
  if (times.length < 2) throw new TraceError(`a trace needs at least 2 rows, found ${times.length}`);
  const step = inferStep(times);
  const start = times[0];
  const buckets = (times[times.length - 1] - start) / step + 1;
  if (buckets > maxBuckets) throw new TraceError(`the trace spans ${buckets} buckets of ${step} s, more than ${maxBuckets}`);
  const values = new Float64Array(buckets).fill(NaN);
  for (let k = 0; k < times.length; k++) {
    const offset = times[k] - start;
    if (offset % step !== 0) {
      throw new TraceError(`timestamp ${times[k]} is off the ${step}-second grid that starts at ${start}`, lineOf[k]);
    }
    values[offset / step] = counts[k];
  }
  return { startSec: start, stepSeconds: step, values };
}

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** The most common spacing between consecutive timestamps (gaps make some spacings multiples). */
export function inferStep(times: readonly number[]): number {
  const tally = new Map<number, number>();
  for (let i = 1; i < times.length; i++) {
    const d = times[i] - times[i - 1];
    tally.set(d, (tally.get(d) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = -1;
  for (const [d, c] of tally) {
    if (c > bestCount || (c === bestCount && d < best)) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

/**
 * Builds a series from samples already in memory (for example, a Prometheus range query): sorted by
 * time, on the given step (or the inferred one); non-finite or negative values become gaps.
 */
export function seriesFromSamples(samples: ReadonlyArray<readonly [number, number]>, stepSeconds?: number): RegularSeries {
  if (samples.length < 2) throw new TraceError(`a series needs at least 2 samples, found ${samples.length}`);
  const times = samples.map(([t]) => Math.round(t));
  for (let i = 1; i < times.length; i++) {
    if (times[i] <= times[i - 1]) throw new TraceError(`sample ${i} at ${times[i]} is not after the previous one`);
  }
  const step = stepSeconds ?? inferStep(times);
  if (!(step > 0)) throw new TraceError(`step must be positive, got ${step}`);
  const start = times[0];
  const values = new Float64Array(Math.floor((times[times.length - 1] - start) / step) + 1).fill(NaN);
  samples.forEach(([, v], k) => {
    const i = Math.round((times[k] - start) / step);
    if (i >= 0 && i < values.length && Number.isFinite(v) && v >= 0) values[i] = v;
  });
  return { startSec: start, stepSeconds: step, values };
}
