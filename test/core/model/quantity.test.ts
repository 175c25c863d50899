import { describe, expect, it } from 'vitest';
import { formatBytes, formatMilli, parseMilli, parseNonNegativeUnits, parseUnits, QuantityError } from '../../../core/model/quantity.js';

describe('parseMilli', () => {
  it.each([
    ['100m', 100],
    ['0.5', 500],
    ['1', 1000],
    ['2k', 2_000_000],
    ['1e3', 1_000_000],
    ['1.5', 1500],
    ['0.0001', 1], // rounds up, like the API server does for requests
    ['250000u', 250],
    ['.5', 500],
    ['+3', 3000],
  ])('%s → %i', (input, expected) => {
    expect(parseMilli(input)).toBe(expected);
  });
});

describe('parseUnits', () => {
  it.each([
    ['1Gi', 1024 ** 3],
    ['512Mi', 512 * 1024 ** 2],
    ['1G', 1e9],
    ['1e3', 1000],
    ['2k', 2000],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['123Mi', 123 * 1024 ** 2],
    ['0', 0],
  ])('%s → %i', (input, expected) => {
    expect(parseUnits(input)).toBe(expected);
  });

  it('sums thousands of fractional quantities without drift', () => {
    let total = 0;
    for (let i = 0; i < 10_000; i++) total += parseMilli('0.1');
    expect(total).toBe(1_000_000);
  });
});

describe('invalid quantities', () => {
  it.each(['', ' ', 'abc', '1.2.3', '1Gb', '1 Gi', 'Gi', '1e', '--1', '1e400', 'x'.repeat(100), '1ki', 'NaN', 'Infinity'])(
    '%j is a clear error',
    (input) => {
      expect(() => parseUnits(input)).toThrow(QuantityError);
      expect(() => parseUnits(input)).toThrow(/invalid quantity/);
    },
  );

  it('rejects negative values where requests are read', () => {
    expect(() => parseNonNegativeUnits('-1Gi')).toThrow(/must not be negative/);
  });

  it('rejects values beyond safe integers', () => {
    expect(() => parseUnits('1e20')).toThrow(/too large/);
  });
});

describe('format', () => {
  it.each([
    [2000, '2'],
    [250, '250m'],
    [0, '0'],
  ])('formatMilli(%i) = %s', (milli, text) => expect(formatMilli(milli)).toBe(text));

  it.each([
    [1024 ** 3, '1Gi'],
    [512 * 1024 ** 2, '512Mi'],
    [1000, '1000'],
    [1536, '1536'],
    [3 * 1024, '3Ki'],
  ])('formatBytes(%i) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it('round-trips', () => {
    for (const text of ['1Gi', '750Mi', '3Ki', '12345']) expect(formatBytes(parseUnits(text))).toBe(text);
    for (const text of ['250m', '4', '1500m']) expect(formatMilli(parseMilli(text))).toBe(text);
  });
});
