import { describe, expect, it } from 'vitest';
import { DurationError, formatDurationMs, parseDurationMs, parseOptionalDurationMs } from '../../../core/model/duration.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    [' 5m ', 300_000],
    ['0s', 0],
  ])('%s = %i ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', '5', 'm', '5 m', '-5m', '1.5h', '5M', 'Never', '1y'])('%j is rejected with the input named', (text) => {
    expect(() => parseDurationMs(text)).toThrow(DurationError);
    expect(() => parseDurationMs(text)).toThrow(/invalid duration/);
  });

  it.each([
    ['1h1h', /each unit at most once, largest first/],
    ['15m15m', /each unit at most once/],
    ['30m1h', /each unit at most once, largest first/],
    ['1s1ms1s', /each unit at most once/],
    ['0.5s', /fractions are not accepted; write 500ms/],
    ['1.5h', /fractions are not accepted; write 1h30m/],
    ['.25m', /fractions are not accepted; write 15s/],
    ['0.5ms', /fractions are not accepted$/],
    ['5 m', /expected e.g. 90s/],
  ])('%j is rejected saying why', (text, why) => {
    expect(() => parseDurationMs(text)).toThrow(DurationError);
    expect(() => parseDurationMs(text)).toThrow(why);
  });

  it('reads Never as disabled where allowed', () => {
    expect(parseOptionalDurationMs('Never')).toBeNull();
    expect(parseOptionalDurationMs('720h')).toBe(720 * 3_600_000);
  });

  it.each([
    [5_400_000, '1h30m'],
    [90_000, '1m30s'],
    [1500, '1s500ms'],
    [0, '0s'],
  ])('formats %i ms as %s', (ms, text) => expect(formatDurationMs(ms)).toBe(text));
});
