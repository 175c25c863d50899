import { describe, expect, it } from 'vitest';
import { age, formatDollars, formatNumber, formatPercent, humanDuration, shortList } from '../../../plugin/render/format.js';
import { parseOutputFormat, renderData } from '../../../plugin/render/output.js';
import { renderTable } from '../../../plugin/render/table.js';
import { CliError } from '../../../plugin/exit-codes.js';

describe('humanDuration (as kubectl prints ages)', () => {
  it.each([
    [0, '0s'],
    [119, '119s'],
    [120, '2m'],
    [330, '5m30s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [5 * 3600 + 20 * 60, '5h20m'],
    [30 * 3600, '30h'],
    [3 * 86400 + 4 * 3600, '3d4h'],
    [400 * 86400, '400d'],
    [(2 * 365 + 10) * 86400, '2y10d'],
    [-5, '<invalid>'],
  ])('%d s → %s', (seconds, text) => expect(humanDuration(seconds)).toBe(text));

  it('ages a timestamp, "-" when missing or unreadable', () => {
    expect(age('2026-01-01T00:00:00Z', Date.UTC(2026, 0, 1, 0, 5) / 1000)).toBe('5m');
    expect(age(undefined, 0)).toBe('-');
    expect(age('yesterday', 0)).toBe('-');
  });
});

describe('number formats', () => {
  it('rounds to what a table needs', () => {
    expect([formatNumber(1234.5), formatNumber(12.34), formatNumber(0.1234), formatNumber(undefined), formatNumber(NaN)]).toEqual(['1235', '12.3', '0.123', '-', '-']);
    expect([formatDollars(0.0961), formatDollars(12.5), formatDollars(undefined)]).toEqual(['$0.096', '$12.500', '-']);
    expect([formatPercent(0.456), formatPercent(undefined)]).toEqual(['46%', '-']);
    expect([shortList(['a', 'b']), shortList(['a', 'b', 'c', 'd', 'e']), shortList([])]).toEqual(['a,b', 'a,b,c,+2', '-']);
  });
});

describe('output forms', () => {
  it('accepts the forms a command prints and refuses others with a usage error', () => {
    expect(parseOutputFormat(undefined)).toBe('table');
    expect(parseOutputFormat('wide')).toBe('wide');
    expect(() => parseOutputFormat('wide', ['table', 'json'])).toThrow(CliError);
    expect(() => parseOutputFormat('xml')).toThrow('-o xml: this command prints table, wide, json, yaml');
  });

  it('prints json and yaml', () => {
    expect(renderData({ a: [1, { b: 'c' }] }, 'json')).toBe('{\n  "a": [\n    1,\n    {\n      "b": "c"\n    }\n  ]\n}\n');
    expect(renderData({ a: [1, { b: 'c' }] }, 'yaml')).toBe('a:\n  - 1\n  - b: c\n');
  });

  it('aligns columns, hides wide ones unless asked, and prints empty cells as -', () => {
    const columns = [
      { header: 'NAME', value: (r: { n: string; v: string }) => r.n },
      { header: 'VALUE', value: (r: { n: string; v: string }) => r.v },
      { header: 'EXTRA', value: () => 'x', wide: true },
    ];
    const rows = [{ n: 'short', v: '1' }, { n: 'a-longer-name', v: '' }];
    expect(renderTable(columns, rows)).toBe('NAME            VALUE\nshort           1\na-longer-name   -\n');
    expect(renderTable(columns, rows, true).split('\n')[0]).toBe('NAME            VALUE   EXTRA');
  });
});
