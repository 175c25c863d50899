import { describe, expect, it } from 'vitest';
import { MAX_TRACE_ROWS, parseTrace, TraceError } from '../../../core/forecast/trace.js';

const rows = (n: number) => `timestamp,value\n${Array.from({ length: n }, (_, i) => `${60 * i},1`).join('\n')}\n`;

describe('parseTrace limits', () => {
  it('refuses more rows than the limit, before parsing any, and takes exactly the limit', () => {
    expect(parseTrace(rows(5), { maxRows: 5 }).values.length).toBe(5);
    expect(() => parseTrace(rows(6), { maxRows: 5 })).toThrow(new TraceError('the trace has more than 5 rows; split it or aggregate it into longer buckets'));
    // No trailing newline, CRLF: the same count.
    expect(parseTrace(rows(5).trimEnd().replace(/\n/g, '\r\n'), { maxRows: 5 }).values.length).toBe(5);
  });

  it('the default limit is 2,000,000 rows, and a row past it is refused', () => {
    expect(MAX_TRACE_ROWS).toBe(2_000_000);
    // Rows are counted before they are read: a bad value after the limit is never reached.
    const text = `timestamp,value\n${'0,x\n'.repeat(MAX_TRACE_ROWS + 1)}`;
    expect(() => parseTrace(text)).toThrow('more than 2000000 rows');
  });
});
