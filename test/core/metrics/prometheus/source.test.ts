/** PrometheusMetricsSource over a loopback stub: the faults a real server is hard to make produce. */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/model/clock.js';
import { PrometheusClient } from '../../../../core/metrics/prometheus/client.js';
import { PrometheusMetricsSource } from '../../../../core/metrics/prometheus/source.js';
import { json, matrix, startStub, vector, type StubHandler, type StubServer } from './stub-server.js';

const web = { namespace: 'shop', deployment: 'web' };
const range = { start: 60_000, end: 60_300, stepSeconds: 60 };
let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function sourceFor(handler: StubHandler, timeoutMs = 1000) {
  stub = await startStub(handler);
  const clock = new ManualClock(60_300_000);
  const client = new PrometheusClient({ url: stub.url, clock, timeoutMs, retries: 0 });
  return new PrometheusMetricsSource({ client, preset: 'istio', clock, rateWindowSeconds: 60, staleAfterSeconds: 300 });
}

describe('PrometheusMetricsSource faults', () => {
  it('a slow answer past the timeout is unavailable, within the timeout', async () => {
    const source = await sourceFor((_req, res) => setTimeout(() => json(res, 200, vector([])), 2000).unref(), 200);
    const started = performance.now();
    const latest = await source.latest('demand', web);
    const history = await source.history('demand', web, range);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(latest).toMatchObject({ freshness: 'unavailable', at: 60_300 });
    expect(latest.reason).toMatch(/prometheus timeout: no complete answer .* within 200 ms/);
    expect(history).toMatchObject({ freshness: 'unavailable', samples: [], gaps: 6 });
  });

  it.each([
    ['HTML from a proxy', '<html>502 Bad Gateway</html>', /prometheus malformed/],
    ['a value that is not a number', JSON.stringify(vector([{ metric: {}, value: [60_300, 'lots'] }])), /not a number/],
    ['a matrix for an instant query', JSON.stringify(matrix([])), /expected a vector or scalar/],
  ])('a malformed response (%s) is unavailable with the reason', async (_name, body, reason) => {
    const source = await sourceFor((_req, res) => json(res, 200, body));
    const reading = await source.latest('demand', web);
    expect(reading.freshness).toBe('unavailable');
    expect(reading.value).toBeUndefined();
    expect(reading.reason).toMatch(reason);
  });

  it('no series is missing; a NaN now with older values is stale; demand is divided by the window', async () => {
    const source = await sourceFor((req, res) => {
      if (req.path.endsWith('/query')) return json(res, 200, vector(req.form.get('query')!.includes('"ghost"') ? [] : [{ metric: {}, value: [60_300, 'NaN'] }]));
      const start = Number(req.form.get('start'));
      if (req.form.get('query')!.includes('"ghost"')) return json(res, 200, matrix([]));
      return json(res, 200, matrix([{ metric: {}, values: [[start, '120'], [start + 30, '90']] }]));
    });
    const ghost = await source.latest('demand', { namespace: 'shop', deployment: 'ghost' });
    expect(ghost.freshness).toBe('missing');
    expect(ghost.reason).toMatch(/no value now nor in the last 3600 s/);
    const stale = await source.latest('demand', web);
    expect(stale.freshness).toBe('stale');
    expect(stale.lastSeen!.v).toBe(1.5);
    expect(stale.value).toBeUndefined();
  });

  it('edges: labels missing or non-finite rates are dropped, rates per second', async () => {
    const source = await sourceFor((_req, res) =>
      json(
        res,
        200,
        vector([
          { metric: { source_workload: 'web', destination_workload: 'cart' }, value: [1, '120'] },
          { metric: { destination_workload: 'cart' }, value: [1, '60'] },
          { metric: { source_workload: 'a', destination_workload: 'b' }, value: [1, 'NaN'] },
        ]),
      ),
    );
    expect(await source.edges('shop')).toMatchObject({ freshness: 'fresh', edges: [{ client: 'web', server: 'cart', rps: 2 }] });
  });

  it('sends the rendered preset with the workload escaped and the window filled', async () => {
    const source = await sourceFor((_req, res) => json(res, 200, vector([])));
    await source.latest('demand', web);
    expect(stub!.requests[0].form.get('query')).toBe(
      'sum(increase(istio_requests_total{reporter="destination", destination_workload_namespace="shop", destination_workload="web"}[1m]))',
    );
  });

  it('rejects an invalid workload as a caller bug', async () => {
    const source = await sourceFor((_req, res) => json(res, 200, vector([])));
    await expect(source.latest('demand', { namespace: 'shop', deployment: 'Web"' })).rejects.toThrow(TypeError);
    expect(stub!.requests).toHaveLength(0);
  });
});
