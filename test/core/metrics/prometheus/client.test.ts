import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../../core/model/clock.js';
import { PrometheusClient, type PrometheusClientOptions } from '../../../../core/metrics/prometheus/client.js';
import { makeCertificates } from './certs.js';
import { json, matrix, rejection, startStub, vector, type StubHandler, type StubServer } from './stub-server.js';

/** A clock whose sleeps return at once and are recorded, so backoff is observable and tests are fast. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
}

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function clientFor(handler: StubHandler, options: Partial<PrometheusClientOptions> = {}) {
  stub = await startStub(handler);
  const clock = recordingClock();
  const client = new PrometheusClient({ url: stub.url, clock, random: () => 0.5, timeoutMs: 2000, ...options });
  return { client, clock, stub };
}

describe('PrometheusClient', () => {
  it('sends queries as POST forms with the bearer token and parses a vector', async () => {
    const { client, stub } = await clientFor((_req, res) => json(res, 200, vector([{ metric: { a: 'b' }, value: [100, '2.5'] }])), {
      auth: { bearerToken: 's3cret' },
    });
    expect(await client.query('up', 100)).toEqual([{ labels: { a: 'b' }, point: [100, 2.5] }]);
    expect(stub.requests[0].method).toBe('POST');
    expect(stub.requests[0].path).toBe('/api/v1/query');
    expect(stub.requests[0].headers.authorization).toBe('Bearer s3cret');
    expect(stub.requests[0].form.get('query')).toBe('up');
    expect(stub.requests[0].form.get('time')).toBe('100');
  });

  it('sends basic auth and keeps a path prefix', async () => {
    const { stub } = await clientFor((_req, res) => json(res, 200, vector([])));
    const client = new PrometheusClient({ url: `${stub.url}/prom`, auth: { username: 'u', password: 'p:w' } });
    await client.query('up', 1);
    expect(stub.requests[0].path).toBe('/prom/api/v1/query');
    expect(stub.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
  });

  it('parses NaN and infinities as numbers the source can reject', async () => {
    const { client } = await clientFor((_req, res) =>
      json(res, 200, matrix([{ metric: {}, values: [[1, 'NaN'], [2, '+Inf'], [3, '-Inf'], [4, '1e3']] }])),
    );
    const [series] = await client.queryRange('x', { start: 1, end: 4, stepSeconds: 1 });
    expect(series.points).toEqual([[1, NaN], [2, Infinity], [3, -Infinity], [4, 1000]]);
  });

  it('splits a long range into pieces of at most maxPointsPerSeries and joins them', async () => {
    const { client, stub } = await clientFor((req, res) => {
      const start = Number(req.form.get('start'));
      const end = Number(req.form.get('end'));
      const step = Number(req.form.get('step'));
      const values = [];
      for (let t = start; t <= end; t += step) values.push([t, String(t)]);
      json(res, 200, matrix([{ metric: { job: 'x' }, values }]));
    }, { maxPointsPerSeries: 100 });
    const [series] = await client.queryRange('x', { start: 0, end: 25_000, stepSeconds: 100 });
    expect(stub.requests).toHaveLength(3);
    for (const r of stub.requests) {
      expect((Number(r.form.get('end')) - Number(r.form.get('start'))) / 100 + 1).toBeLessThanOrEqual(100);
    }
    expect(series.points).toHaveLength(251);
    expect(series.points.map(([t]) => t)).toEqual(Array.from({ length: 251 }, (_, i) => i * 100));
  });

  it('retries 503 and connection failures with jittered exponential backoff, then succeeds', async () => {
    let calls = 0;
    const { client, clock } = await clientFor((_req, res) => {
      calls++;
      if (calls === 1) return json(res, 503, { status: 'error', errorType: 'unavailable', error: 'busy' });
      if (calls === 2) return res.socket?.destroy();
      json(res, 200, vector([]));
    }, { baseBackoffMs: 100 });
    await client.query('up', 1);
    expect(calls).toBe(3);
    // random() = 0.5 → half of 100·2^attempt.
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('honours Retry-After on 429, capped by maxBackoffMs', async () => {
    let calls = 0;
    const { client, clock } = await clientFor((_req, res) => {
      calls++;
      if (calls === 1) return json(res, 429, { status: 'error', error: 'slow down' }, { 'retry-after': '2' });
      if (calls === 2) return json(res, 429, { status: 'error', error: 'slow down' }, { 'retry-after': '60' });
      json(res, 200, vector([]));
    }, { maxBackoffMs: 5000 });
    await client.query('up', 1);
    expect(clock.sleeps).toEqual([2000, 5000]);
  });

  it('gives up after the retries with the last transient error', async () => {
    const { client, clock } = await clientFor((_req, res) => json(res, 500, { status: 'error', errorType: 'internal', error: 'boom' }), {
      retries: 2,
    });
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(500);
    expect(error.retryable).toBe(true);
    expect(clock.sleeps).toHaveLength(2);
  });

  it.each([
    [400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }, 'query'],
    [422, { status: 'error', errorType: 'execution', error: 'exceeded maximum resolution' }, 'query'],
    [401, 'Unauthorized', 'auth'],
    [403, { status: 'error', error: 'forbidden' }, 'auth'],
    [404, '404 page not found', 'http'],
  ])('does not retry HTTP %d (%s)', async (status, body, kind) => {
    const { client, stub } = await clientFor((_req, res) => json(res, status, body));
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(false);
    expect(stub.requests).toHaveLength(1);
  });

  it.each([
    ['not JSON', '<html>proxy error</html>'],
    ['no status', '{"data":{}}'],
    ['wrong result type', JSON.stringify({ status: 'success', data: { resultType: 'string', result: [1, 'x'] } })],
    ['value not a string', JSON.stringify(vector([{ metric: {}, value: [1, 2] }]))],
    ['value not numeric', JSON.stringify(vector([{ metric: {}, value: [1, 'abc'] }]))],
    ['label not a string', JSON.stringify(vector([{ metric: { a: 1 }, value: [1, '1'] }]))],
    ['truncated', '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"val'],
  ])('reports a malformed reply (%s) as a typed error', async (_name, body) => {
    const { client } = await clientFor((_req, res) => json(res, 200, body));
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe('malformed');
  });

  it('caps the reply size', async () => {
    const { client } = await clientFor((_req, res) => json(res, 200, 'x'.repeat(10_000)), { maxBodyBytes: 1000 });
    expect((await rejection(client.query('up', 1))).message).toMatch(/larger than 1000 bytes/);
  });

  it('times out a server that answers too slowly, per attempt, and retries', async () => {
    let calls = 0;
    const { client } = await clientFor((_req, res) => {
      calls++;
      // Headers at once, then the body never completes: the timeout must cover the whole exchange.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
    }, { timeoutMs: 150, retries: 1 });
    const started = performance.now();
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe('timeout');
    expect(calls).toBe(2);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reports an unreachable server', async () => {
    const { stub } = await clientFor(() => undefined);
    const url = stub.url;
    await stub.close();
    const client = new PrometheusClient({ url, clock: recordingClock(), retries: 1 });
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe('unreachable');
    expect(error.retryable).toBe(true);
  });

  it('trusts a custom CA for https and refuses the server without it', async () => {
    const { caPem, key, cert } = makeCertificates();
    stub = await startStub((_req, res) => json(res, 200, vector([{ metric: {}, value: [1, '7'] }])), { key, cert });
    const withCa = new PrometheusClient({ url: stub.url, ca: caPem, clock: recordingClock(), retries: 0 });
    expect((await withCa.query('up', 1))[0].point[1]).toBe(7);
    const withoutCa = new PrometheusClient({ url: stub.url, clock: recordingClock(), retries: 0 });
    const error = await rejection(withoutCa.query('up', 1));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toMatch(/TLS|certificate/i);
  }, 20_000);

  it('rejects a URL that is not http(s)', () => {
    expect(() => new PrometheusClient({ url: 'ftp://x' })).toThrow(/http/);
    expect(() => new PrometheusClient({ url: 'not a url' })).toThrow(/not a URL/);
  });
});
