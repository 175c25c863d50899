/**
 * A hostile Prometheus: answers an operator can meet in production (proxies that redirect, partial
 * answers, expired or foreign certificates, servers that hang, cardinality explosions), each
 * checked at the client (a typed error that says what to fix) and at the source (never a value:
 * the controller must not read "demand 0" from a failure).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../../core/model/clock.js';
import { CIRCUIT_FAILURES, PrometheusClient, type PrometheusClientOptions } from '../../../../core/metrics/prometheus/client.js';
import { PrometheusMetricsSource } from '../../../../core/metrics/prometheus/source.js';
import { makeCertificates } from './certs.js';
import { json, matrix, rejection, startStub, vector, type StubHandler, type StubServer } from './stub-server.js';

/** Sleeps advance the clock at once, so backoff and cool-downs are observable and tests fast. */
function steppingClock(startMs = 1_000_000): Clock & { sleeps: number[]; advance(ms: number): void } {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => void (now += ms),
  };
}

const stubs: StubServer[] = [];
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

async function serve(handler: StubHandler, tls?: { key: string; cert: string }): Promise<StubServer> {
  const stub = await startStub(handler, tls);
  stubs.push(stub);
  return stub;
}

function clientOn(url: string, options: Partial<PrometheusClientOptions> = {}) {
  const clock = steppingClock();
  return { clock, client: new PrometheusClient({ url, clock, random: () => 0.5, timeoutMs: 1000, ...options }) };
}

const web = { namespace: 'shop', deployment: 'web' };
const NOW_SEC = 1_000_000;

describe('redirects', () => {
  it('are not followed (credentials stay on the configured host) and the error names the new location', async () => {
    const stub = await serve((_req, res) => {
      res.writeHead(301, { location: 'https://prometheus.example/api/v1/query' });
      res.end();
    });
    const { client } = clientOn(stub.url, { auth: { bearerToken: 't' } });
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe('http');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(301);
    expect(error.message).toMatch(/redirect.*https:\/\/prometheus\.example/);
    expect(error.message).toMatch(/base URL/);
    expect(stub.requests).toHaveLength(1);
  });
});

describe('Retry-After', () => {
  it('as an HTTP date is honoured (relative to the clock), capped by maxBackoffMs', async () => {
    let calls = 0;
    const stub = await serve((_req, res) => {
      calls++;
      if (calls === 1) return json(res, 503, 'overloaded', { 'retry-after': new Date(1_000_000 + 3000).toUTCString() });
      json(res, 200, vector([]));
    });
    const { client, clock } = clientOn(stub.url, { maxBackoffMs: 10_000 });
    await client.query('up', 1);
    expect(clock.sleeps).toEqual([3000]);
  });
});

describe('warnings (partial answers)', () => {
  const partial = { ...vector([{ metric: {}, value: [NOW_SEC, '3'] }]), warnings: ['partial response: store 10.0.0.7:10901 unreachable'] };

  it('a reply with warnings is a typed "partial" error: the sum may be missing a shard', async () => {
    const stub = await serve((_req, res) => json(res, 200, partial));
    const { client } = clientOn(stub.url);
    const error = await rejection(client.query('sum(x)', 1));
    expect(error.kind).toBe('partial');
    expect(error.message).toMatch(/store 10\.0\.0\.7:10901 unreachable/);
    expect(stub.requests).toHaveLength(1);
  });

  it('PromQL info annotations are not warnings about the data', async () => {
    const stub = await serve((_req, res) =>
      json(res, 200, { ...vector([{ metric: {}, value: [1, '3'] }]), warnings: ['PromQL info: metric might not be a counter, name does not end in _total'] }),
    );
    const { client } = clientOn(stub.url);
    expect((await client.query('x', 1))[0].point[1]).toBe(3);
  });

  it('PromQL warnings about the shape of the data are not partial answers either', async () => {
    const stub = await serve((_req, res) =>
      json(res, 200, { ...vector([{ metric: {}, value: [1, '4'] }]), warnings: ['PromQL warning: encountered a mix of histograms and floats for metric name "http_request_duration_seconds"'] }),
    );
    const { client } = clientOn(stub.url);
    expect((await client.query('x', 1))[0].point[1]).toBe(4);
  });

  it('the source reports a partial answer as unavailable, never as a (too low) value', async () => {
    const stub = await serve((_req, res) => json(res, 200, partial));
    const { client, clock } = clientOn(stub.url, { retries: 0 });
    clock.advance(NOW_SEC * 1000 - clock.now());
    const source = new PrometheusMetricsSource({ client, preset: 'istio', clock, rateWindowSeconds: 60 });
    const latest = await source.latest('demand', web);
    expect(latest).toMatchObject({ freshness: 'unavailable' });
    expect(latest.value).toBeUndefined();
    expect(latest.reason).toMatch(/partial/);
  });
});

describe('TLS failures say what to fix and are not retried', () => {
  const answer: StubHandler = (_req, res) => json(res, 200, vector([{ metric: {}, value: [1, '7'] }]));

  it('a certificate from another CA: names the CA setting', async () => {
    const server = makeCertificates();
    const other = makeCertificates();
    const stub = await serve(answer, server);
    const { client, clock } = clientOn(stub.url, { ca: other.caPem });
    const error = await rejection(client.query('up', 1));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/not signed by a CA this client trusts/);
    expect(error.message).toMatch(/caFile|--ca-file/);
    expect(clock.sleeps).toEqual([]);
  }, 30_000);

  it('an expired certificate: says it expired', async () => {
    const server = makeCertificates({ expired: true });
    const stub = await serve(answer, server);
    const { client, clock } = clientOn(stub.url, { ca: server.caPem });
    const error = await rejection(client.query('up', 1));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/expired/);
    expect(clock.sleeps).toEqual([]);
  }, 30_000);

  it('a certificate for another name: says the URL host is not in it', async () => {
    const server = makeCertificates({ dnsName: 'prometheus.monitoring.svc' });
    const stub = await serve(answer, server);
    const { client } = clientOn(stub.url, { ca: server.caPem });
    const error = await rejection(client.query('up', 1));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/does not name 127\.0\.0\.1/);
  }, 30_000);

  it('an https server behind an http URL: the reset says to try https://', async () => {
    const server = makeCertificates();
    const stub = await serve(answer, server);
    const { client } = clientOn(stub.url.replace('https:', 'http:'), { retries: 0 });
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toMatch(/use an https:\/\/ URL/);
  }, 30_000);

  it('an http server behind an https URL: says it does not speak TLS', async () => {
    const stub = await serve(answer);
    const { client } = clientOn(stub.url.replace('http:', 'https:'));
    const error = await rejection(client.query('up', 1));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/does not speak TLS/);
  });
});

describe('refused credentials say which were sent', () => {
  it.each([
    [undefined, /no credentials were sent: set metrics\.prometheus\.bearerTokenFile/],
    [{ bearerToken: 'old' }, /bearer token was sent and refused/],
    [{ username: 'smartscale', password: 'pw' }, /basic auth as "smartscale" was sent and refused/],
  ] as const)('%o', async (auth, message) => {
    const stub = await serve((_req, res) => json(res, 401, 'Unauthorized'));
    const { client } = clientOn(stub.url, auth ? { auth } : {});
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(401);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('pw');
  });
});

describe('credentials read from files are re-read (rotated tokens keep working)', () => {
  it('a bearer token given as a function is asked for on every request', async () => {
    const stub = await serve((_req, res) => json(res, 200, vector([])));
    let token = 'first';
    const { client } = clientOn(stub.url, { auth: { bearerToken: () => token } });
    await client.query('up', 1);
    token = 'rotated';
    await client.query('up', 1);
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first', 'Bearer rotated']);
  });

  it('a token that cannot be read is an auth error, not a crash', async () => {
    const stub = await serve((_req, res) => json(res, 200, vector([])));
    const { client } = clientOn(stub.url, {
      auth: {
        bearerToken: () => {
          throw new Error('metrics.prometheus.bearerTokenFile: cannot read /var/run/token: ENOENT');
        },
      },
    });
    const error = await rejection(client.query('up', 1));
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/bearerTokenFile.*ENOENT/);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('a dead or hanging server does not hold the controller for minutes', () => {
  /** Accepts the request and never answers. */
  const hang: StubHandler = () => undefined;

  it('once three calls in a row failed, later calls fail at once until the cool-down ends', async () => {
    const stub = await serve(hang);
    const { client, clock } = clientOn(stub.url, { timeoutMs: 100, retries: 1, circuitBreakMs: 30_000 });
    for (let i = 0; i < CIRCUIT_FAILURES; i++) expect((await rejection(client.query('up', 1))).kind).toBe('timeout');
    // Two calls retried once each; the third stopped after its first attempt opened the circuit.
    expect(stub.requests).toHaveLength(2 * 2 + 1);
    for (let i = 0; i < 20; i++) {
      const fast = await rejection(client.queryRange('up', { start: 0, end: 100_000, stepSeconds: 1 }));
      expect(fast.kind).toBe('timeout');
      expect(fast.retryable).toBe(true);
      expect(fast.message).toMatch(/not asked: .* failed \d+ s ago/);
    }
    // Not one of them reached the server (each would have waited out a 100 ms timeout).
    expect(stub.requests).toHaveLength(5);
    clock.advance(30_000);
    await rejection(client.query('up', 1));
    expect(stub.requests.length).toBeGreaterThan(5);
  });

  it('calls already retrying stop when other calls found the server dead', async () => {
    const stub = await serve(hang);
    const { client } = clientOn(stub.url, { timeoutMs: 100, retries: 5, circuitBreakMs: 30_000, baseBackoffMs: 1 });
    const results = await Promise.all(Array.from({ length: 8 }, () => rejection(client.query('up', 1))));
    expect(results.every((e) => e.kind === 'timeout')).toBe(true);
    // Without the circuit: 8 × 6 attempts. With it, each call stops once three have failed: the
    // first attempts, plus a retry or two of the calls whose timeout fired first (loose bound:
    // a loaded machine can fire the timers apart).
    expect(stub.requests.length).toBeLessThan(8 * 2);
  });

  it('one query that always times out, among queries that succeed, does not open the circuit', async () => {
    const stub = await serve((req, res) => (req.form.get('query') === 'heavy' ? undefined : json(res, 200, vector([]))));
    const { client } = clientOn(stub.url, { timeoutMs: 100, retries: 0, circuitBreakMs: 30_000 });
    for (let i = 0; i < 5; i++) {
      expect((await rejection(client.query('heavy', 1))).message).not.toMatch(/not asked/);
      expect(await client.query('light', 1)).toEqual([]);
    }
  });

  it('a query Prometheus itself refused does not open the circuit', async () => {
    let calls = 0;
    const stub = await serve((_req, res) => {
      calls++;
      if (calls === 1) return json(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error' });
      json(res, 200, vector([]));
    });
    const { client } = clientOn(stub.url, { circuitBreakMs: 30_000 });
    expect((await rejection(client.query('(', 1))).kind).toBe('query');
    expect(await client.query('up', 1)).toEqual([]);
  });

  it('without circuitBreakMs (the default) every call tries the server', async () => {
    const stub = await serve(hang);
    const { client } = clientOn(stub.url, { timeoutMs: 50, retries: 0 });
    await rejection(client.query('up', 1));
    await rejection(client.query('up', 1));
    expect(stub.requests).toHaveLength(2);
  });
});

describe('cardinality explosion: a query meant to return one series returns 100,000', () => {
  const explosion = (n: number) =>
    vector(Array.from({ length: n }, (_, i) => ({ metric: { __name__: 'http_requests_total', pod: `web-5d8f7c9b4-${i}`, path: `/item/${i}` }, value: [NOW_SEC, '1'] })));

  it('is cut off at a small reply size for single-series readings, with a reason that says why', async () => {
    const body = JSON.stringify(explosion(100_000));
    expect(body.length).toBeGreaterThan(8 * 1024 * 1024);
    let bytesSent = 0;
    const stub = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Stream it in pieces, as a real server does, counting what the client actually took.
      const chunk = 64 * 1024;
      let at = 0;
      const pump = () => {
        while (at < body.length) {
          const piece = body.slice(at, at + chunk);
          at += chunk;
          bytesSent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    const { client, clock } = clientOn(stub.url, { retries: 0 });
    clock.advance(NOW_SEC * 1000 - clock.now());
    const source = new PrometheusMetricsSource({ client, preset: 'istio', clock, rateWindowSeconds: 60 });
    const reading = await source.latest('demand', { ...web, rpsQuery: 'rate(http_requests_total{namespace="{namespace}"}[1m])' });
    expect(reading.freshness).toBe('unavailable');
    expect(reading.value).toBeUndefined();
    expect(reading.reason).toMatch(/larger than \d+ bytes/);
    expect(reading.reason).toMatch(/sum\(/);
    expect(bytesSent).toBeLessThan(body.length / 2);
  }, 30_000);
});

describe('what the controller sees: every failure is a reading without a value', () => {
  const range = { start: NOW_SEC - 300, end: NOW_SEC, stepSeconds: 60 };
  const faults: Array<[string, StubHandler]> = [
    ['200 with HTML', (_q, r) => json(r, 200, '<html>login</html>')],
    ['truncated JSON', (_q, r) => json(r, 200, '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"')],
    ['status error', (_q, r) => json(r, 422, { status: 'error', errorType: 'execution', error: 'query processing would load too many samples' })],
    ['wrong resultType', (_q, r) => json(r, 200, { status: 'success', data: { resultType: 'string', result: [NOW_SEC, 'x'] } })],
    ['result types swapped (a vector for a range, a matrix for an instant query)', (q, r) =>
      json(r, 200, q.path.endsWith('query_range') ? vector([{ metric: {}, value: [NOW_SEC, '5'] }]) : matrix([{ metric: {}, values: [[NOW_SEC, '5']] }]))],
    ['warnings', (_q, r) => json(r, 200, { ...matrix([{ metric: {}, values: [[NOW_SEC, '5']] }]), warnings: ['partial response'] })],
    ['redirect', (_q, r) => { r.writeHead(302, { location: '/login' }); r.end(); }],
    ['401', (_q, r) => json(r, 401, 'Unauthorized')],
    ['503 every time', (_q, r) => json(r, 503, { status: 'error', errorType: 'unavailable', error: 'shutting down' })],
    ['two series', (_q, r) => json(r, 200, matrix([{ metric: { a: '1' }, values: [[NOW_SEC, '5']] }, { metric: { a: '2' }, values: [[NOW_SEC, '6']] }]))],
  ];

  it.each(faults)('%s: history unavailable and empty, latest unavailable without a value', async (_name, handler) => {
    const stub = await serve(handler);
    const { client, clock } = clientOn(stub.url, { retries: 1 });
    clock.advance(NOW_SEC * 1000 - clock.now());
    const source = new PrometheusMetricsSource({ client, preset: 'istio', clock, rateWindowSeconds: 60 });
    const history = await source.history('demand', web, range);
    expect(history).toMatchObject({ freshness: 'unavailable', samples: [], gaps: 6 });
    expect(history.reason).toBeTruthy();
    const latest = await source.latest('demand', web);
    expect(latest.freshness).toBe('unavailable');
    expect(latest.value).toBeUndefined();
  });

  it.each([
    ['NaN', 'NaN'],
    ['+Inf', '+Inf'],
    ['-Inf', '-Inf'],
    ['negative', '-3'],
  ])('only %s values: history missing (gaps, no zeros), latest not fresh', async (_name, value) => {
    const stub = await serve((req, res) =>
      req.path.endsWith('query_range')
        ? json(res, 200, matrix([{ metric: {}, values: [0, 1, 2, 3, 4, 5].map((i) => [range.start + i * 60, value]) }]))
        : json(res, 200, vector([{ metric: {}, value: [NOW_SEC, value] }])),
    );
    const { client, clock } = clientOn(stub.url, { retries: 0 });
    clock.advance(NOW_SEC * 1000 - clock.now());
    const source = new PrometheusMetricsSource({ client, preset: 'istio', clock, rateWindowSeconds: 60 });
    const history = await source.history('demand', web, range);
    expect(history).toMatchObject({ freshness: 'missing', samples: [], gaps: 6 });
    const latest = await source.latest('demand', web);
    expect(latest.freshness).toBe('missing');
    expect(latest.value).toBeUndefined();
  });

  it('edge series without the labels the preset reads are missing, with a reason that says so', async () => {
    const stub = await serve((req, res) =>
      req.path.endsWith('query_range')
        ? json(res, 200, matrix([{ metric: { client: 'web', server: 'cart' }, values: [[range.end, '60']] }]))
        : json(res, 200, vector([{ metric: { client: 'web', server: 'cart' }, value: [NOW_SEC, '60'] }])),
    );
    const { client, clock } = clientOn(stub.url, { retries: 0 });
    clock.advance(NOW_SEC * 1000 - clock.now());
    const source = new PrometheusMetricsSource({ client, preset: 'istio', clock, rateWindowSeconds: 60 });
    const now = await source.edges('shop');
    expect(now).toMatchObject({ freshness: 'missing', edges: [] });
    expect(now.reason).toMatch(/1 of 1 series lack the source_workload\/destination_workload labels.*metrics\.preset/);
    expect((await source.edgeHistory('shop', range)).reason).toMatch(/lack the source_workload/);
  });

  it('duplicated series (same labels twice in one answer) are one series; the later value of a step wins', async () => {
    const stub = await serve((_req, res) =>
      json(res, 200, matrix([
        { metric: {}, values: [[range.start, '1'], [range.start + 60, '2']] },
        { metric: {}, values: [[range.start + 60, '4'], [range.start + 120, '3']] },
      ])),
    );
    const { client, clock } = clientOn(stub.url, { retries: 0 });
    const source = new PrometheusMetricsSource({ client, preset: 'istio', clock, rateWindowSeconds: 60 });
    const history = await source.history('demand', web, range);
    expect(history.freshness).toBe('fresh');
    expect(history.samples.map((s) => s.t - range.start)).toEqual([0, 60, 120]);
    expect(history.gaps).toBe(3);
  });
});
