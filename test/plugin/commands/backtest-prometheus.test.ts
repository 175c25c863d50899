import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../../core/metrics/prometheus/client.js';
import { fetchBacktestSeries, parseTime, planPrometheusBacktest, type PrometheusBacktestArgs } from '../../../plugin/commands/backtest-prometheus.js';
import { CliError, ExitCode } from '../../../plugin/exit-codes.js';
import { json, matrix, startStub, type StubServer } from '../../core/metrics/prometheus/stub-server.js';

const NOW = 1_700_000_000;
const base = { prometheus: 'http://127.0.0.1:9090', query: 'sum(rate(x[1m]))' };

function usageError(args: PrometheusBacktestArgs): string {
  try {
    planPrometheusBacktest(args, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.usage);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('planPrometheusBacktest', () => {
  it('is not involved without --prometheus', () => {
    expect(planPrometheusBacktest({ trace: 'x.csv' }, NOW)).toBeUndefined();
  });

  it('defaults to the last 14 days at 1m, aligned on the step grid', () => {
    const plan = planPrometheusBacktest(base, NOW + 17)!;
    expect(plan.range).toEqual({ start: Math.ceil((NOW + 17 - 14 * 86_400) / 60) * 60, end: Math.floor((NOW + 17) / 60) * 60, stepSeconds: 60 });
    expect(plan.timeoutMs).toBe(30_000);
  });

  it('takes --start/--end as RFC 3339 or unix seconds, and --step', () => {
    const plan = planPrometheusBacktest({ ...base, start: '2026-01-01T00:00:00Z', end: '1767312000', step: '5m' }, NOW)!;
    expect(plan.range).toEqual({ start: 1_767_225_600, end: 1_767_312_000, stepSeconds: 300 });
  });

  it('reads the bearer token and CA files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smartscale-bt-'));
    writeFileSync(join(dir, 'token'), 'abc\n');
    writeFileSync(join(dir, 'ca.pem'), 'PEM');
    const plan = planPrometheusBacktest({ ...base, 'bearer-token-file': join(dir, 'token'), 'ca-file': join(dir, 'ca.pem') }, NOW)!;
    expect(plan.bearerToken).toBe('abc');
    expect(plan.ca).toBe('PEM');
  });

  it.each<[string, PrometheusBacktestArgs, RegExp]>([
    ['query without prometheus', { query: 'up' }, /--query needs --prometheus/],
    ['range without prometheus', { range: '1d' }, /--range needs --prometheus/],
    ['trace and prometheus', { ...base, trace: 'a.csv' }, /mutually exclusive/],
    ['no query', { prometheus: base.prometheus }, /needs --query/],
    ['bad URL', { ...base, prometheus: 'prometheus:9090' }, /must start with http/],
    ['URL with a query string', { ...base, prometheus: 'http://p:9090/?x=1' }, /query or fragment/],
    ['range and start', { ...base, range: '1d', start: '1', end: '2' }, /mutually exclusive/],
    ['start without end', { ...base, start: '1700000000' }, /go together/],
    ['end before start', { ...base, start: '1700000000', end: '1600000000' }, /must be after/],
    ['bad time', { ...base, start: 'yesterday', end: '1700000000' }, /--start "yesterday": expected RFC 3339/],
    ['bad range', { ...base, range: '14 days' }, /--range "14 days": expected a duration/],
    ['bad step', { ...base, step: '0s' }, /--step/],
    ['sub-second step', { ...base, step: '500ms' }, /whole number of seconds/],
    ['too many points', { ...base, range: '30d', step: '1s' }, /use a larger --step/],
    ['too few points', { ...base, range: '1m' }, /needs more/],
    ['missing token file', { ...base, 'bearer-token-file': '/nonexistent/token' }, /^--bearer-token-file \/nonexistent\/token: cannot read it: no such file$/],
    ['token file that is a directory (it said only EISDIR)', { ...base, 'bearer-token-file': tmpdir() }, new RegExp(`^--bearer-token-file ${tmpdir()}: cannot read it: it is a directory; name a file$`)],
    ['CA file that is a directory', { ...base, 'ca-file': tmpdir() }, /^--ca-file .*: cannot read it: it is a directory; name a file$/],
    ['zero timeout (accepted, then every request failed with exit 3)', { ...base, timeout: '0s' }, /^--timeout 0s: must be from 1s to 10m$/],
    ['sub-second timeout', { ...base, timeout: '500ms' }, /^--timeout 500ms: must be from 1s to 10m$/],
    ['hour-long timeout', { ...base, timeout: '1h' }, /^--timeout 1h: must be from 1s to 10m$/],
  ])('rejects %s', (_name, args, message) => {
    expect(usageError(args)).toMatch(message);
  });

  it('parseTime accepts offsets', () => {
    expect(parseTime('start', '2026-01-01T01:00:00+01:00')).toBe(1_767_225_600);
  });
});

describe('fetchBacktestSeries', () => {
  let stub: StubServer | undefined;
  afterEach(async () => {
    await stub?.close();
    stub = undefined;
  });

  const plan = (url: string) => ({ url, query: 'q', range: { start: 600, end: 900, stepSeconds: 60 }, timeoutMs: 1000 });
  const client = (url: string) => new PrometheusClient({ url, retries: 0 });

  it('turns rates at the window end into counts per bucket start, gaps as NaN', async () => {
    stub = await startStub((_req, res) => json(res, 200, matrix([{ metric: {}, values: [[600, '1'], [660, '2'], [780, 'NaN'], [900, '0.5']] }])));
    const series = await fetchBacktestSeries(plan(stub.url), client(stub.url));
    expect(series.startSec).toBe(540);
    expect(series.stepSeconds).toBe(60);
    expect(Array.from(series.values)).toEqual([60, 120, NaN, NaN, NaN, 30]);
  });

  it.each([
    ['no series', matrix([]), /returned no series/],
    ['two series', matrix([{ metric: { a: '1' }, values: [[600, '1']] }, { metric: { a: '2' }, values: [[600, '1']] }]), /2 series.*sum/],
    ['one value', matrix([{ metric: {}, values: [[600, '1']] }]), /1 usable values/],
  ])('explains %s as a usage error', async (_name, body, message) => {
    stub = await startStub((_req, res) => json(res, 200, body));
    const error = await fetchBacktestSeries(plan(stub.url), client(stub.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.usage);
    expect((error as Error).message).toMatch(message);
  });

  it('a refused query is a usage error; a dead server is "unreachable"', async () => {
    stub = await startStub((_req, res) => json(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error' }));
    const refused = await fetchBacktestSeries(plan(stub.url), client(stub.url)).catch((e: unknown) => e);
    expect((refused as CliError).exitCode).toBe(ExitCode.usage);
    expect((refused as Error).message).toMatch(/--query: query refused: parse error/);
    const url = stub.url;
    await stub.close();
    stub = undefined;
    const dead = await fetchBacktestSeries(plan(url), client(url)).catch((e: unknown) => e);
    expect((dead as CliError).exitCode).toBe(ExitCode.clusterUnreachable);
  });
});
