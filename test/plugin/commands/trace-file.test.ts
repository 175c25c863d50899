/** Trace files as backtest, simulate and sandbox --demo read them: the size cap comes before the read. */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TRACE_BYTES } from '../../../core/forecast/trace.js';
import { loadTraceFile } from '../../../plugin/commands/backtest-run.js';
import { usageErrorOf } from '../usage-error.js';

const dir = mkdtempSync(join(tmpdir(), 'trace-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (path: string, maxBytes?: number) => usageErrorOf(() => loadTraceFile(path, maxBytes));

describe('loadTraceFile', () => {
  it('refuses a file over the cap by its size, without reading it (a sparse 64 MiB + 1 byte file)', () => {
    const big = join(dir, 'big.csv');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, MAX_TRACE_BYTES + 1);
    closeSync(fd);
    const started = performance.now();
    expect(refusal(big)).toBe(`trace ${big}: larger than 64 MiB, the most a trace may be (at most 2,000,000 rows); split it or aggregate it into longer buckets`);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads a file at the cap and refuses one byte more', () => {
    const text = 'timestamp,value\n0,1\n60,2\n';
    const path = join(dir, 'small.csv');
    writeFileSync(path, text);
    expect(Array.from(loadTraceFile(path, text.length).values)).toEqual([1, 2]);
    expect(refusal(path, text.length - 1)).toMatch(/larger than \d+ bytes, the most a trace may be/);
  });

  it('names a directory and a missing file as before', () => {
    expect(refusal(dir)).toBe(`cannot read trace ${dir}: it is a directory; name a file`);
    expect(refusal(join(dir, 'nope.csv'))).toBe(`cannot read trace ${join(dir, 'nope.csv')}: no such file`);
  });
});
