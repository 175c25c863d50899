/**
 * Backtest reports that looked like success: nothing scored (a series that is mostly gaps, or a gap
 * every other step), values so large their errors overflow, and a horizon shorter than a step
 * because the timestamps were milliseconds.
 */
import { describe, expect, it } from 'vitest';
import type { RegularSeries } from '../../../core/forecast/series.js';
import { parseTrace } from '../../../core/forecast/trace.js';
import { runBacktest } from '../../../plugin/commands/backtest-run.js';
import { usageErrorOf } from '../usage-error.js';

/** Two days of 1-minute buckets, a daily wave; `at(i)` may replace a value (NaN is a gap). */
function series(at: (i: number, v: number) => number = (_, v) => v, startSec = 1_700_000_000, stepSeconds = 60): RegularSeries {
  const values = new Float64Array(2880).map((_, i) => at(i, 100 + 50 * Math.sin((2 * Math.PI * i) / 1440)));
  return { startSec, stepSeconds, values };
}

const refusal = (s: RegularSeries, horizon = '15m', warmup = '12h') => usageErrorOf(() => runBacktest(s, 'test', horizon, warmup));

describe('runBacktest', () => {
  it('scores a whole series', () => {
    const report = runBacktest(series(), 'test', '15m', '12h');
    expect(report.scored).toBeGreaterThan(2000);
    expect(report.models.persistence.relMae).toBe(1);
  });

  it('refuses a series that is gaps after the warm-up (it printed scored: 0 and null metrics, exit 0)', () => {
    expect(refusal(series((i, v) => (i < 720 ? v : NaN)))).toBe('nothing to score: no one-step forecast after the warm-up met an actual value (2160 of the 2160 steps of 60 s after it are gaps); give a series with consecutive values, or a shorter --warmup');
  });

  it('refuses a gap every other step (it printed scored: 0 with relMae 1, smape 0, coverage 1)', () => {
    expect(refusal(series((i, v) => (i % 2 === 0 ? NaN : v)))).toMatch(/^nothing to score: .*\(1080 of the 2160 steps of 60 s after it are gaps\)/);
  });

  it('refuses values whose errors overflow (1e308 made every relMae null, exit 0)', () => {
    expect(refusal(series((i, v) => (i === 1000 ? 1e308 : v)))).toBe(`the series' value at ${1_700_000_000 + 60_000} is 1e+308, above 1000000000000: not a demand, and its errors would overflow`);
    expect(() => parseTrace('timestamp,value\n0,1\n60,1e308\n')).toThrow('line 3: value "1e308" is above 1000000000000, the most requests a bucket may hold');
  });

  it('names the step, and milliseconds, when the horizon is shorter than one step', () => {
    const ms = parseTrace(`timestamp,value\n${Array.from({ length: 50 }, (_, i) => `${1_700_000_000_000 + 60_000 * i},5`).join('\n')}\n`);
    expect(refusal(ms, '15m', '0s')).toBe('--horizon 15m is shorter than one step of the series: its step is 60000 s (16h); its timestamps look like unix milliseconds (the first is 1700000000000), and a trace\'s are unix seconds');
    expect(refusal(series(undefined, 1_700_000_000, 3600), '15m', '0s')).toBe('--horizon 15m is shorter than one step of the series: its step is 3600 s (60m)');
  });
});
