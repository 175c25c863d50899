import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/model/clock.js';
import { parseMetricsConfig } from '../../../core/metrics/config.js';
import { createMetricsSource, SECRET_REREAD_MS } from '../../../core/metrics/factory.js';
import { SimulatedMetricsSource } from '../../../core/metrics/simulated.js';
import { json, startStub, vector, type StubServer } from './prometheus/stub-server.js';

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const files: Record<string, string> = { '/token': 'tok\n', '/user-pw': 'pw\n' };
const readFile = (path: string) => {
  if (path in files) return files[path];
  throw Object.assign(new Error('no'), { code: 'ENOENT' });
};

describe('createMetricsSource', () => {
  it('gives the simulated source without a Prometheus URL (or the one passed in)', () => {
    const clock = new ManualClock(0);
    const config = parseMetricsConfig({}).value;
    expect(createMetricsSource(config, { clock, readFile }).description).toBe('simulated');
    const shared = new SimulatedMetricsSource({ clock });
    expect(createMetricsSource(config, { clock, readFile, simulated: shared })).toBe(shared);
  });

  it.each([
    [{ 'metrics.prometheus.bearerTokenFile': '/token' }, 'Bearer tok'],
    [{ 'metrics.prometheus.basicAuthUsername': 'u', 'metrics.prometheus.basicAuthPasswordFile': '/user-pw' }, `Basic ${Buffer.from('u:pw').toString('base64')}`],
  ])('wires the Prometheus source with the preset and credentials from files (%o)', async (extra, authorization) => {
    stub = await startStub((_req, res) => json(res, 200, vector([{ metric: {}, value: [100, '120'] }])));
    const { value } = parseMetricsConfig({ 'metrics.prometheus.url': stub.url, 'metrics.preset': 'nginx-ingress', 'metrics.rateWindow': '1m', ...extra });
    const source = createMetricsSource(value, { clock: new ManualClock(100_000), readFile });
    expect(source.description).toBe(`prometheus(nginx-ingress) ${stub.url}/`);
    expect(await source.latest('demand', { namespace: 'shop', deployment: 'web' })).toMatchObject({ freshness: 'fresh', value: 2 });
    expect(stub.requests[0].headers.authorization).toBe(authorization);
    expect(stub.requests[0].form.get('query')).toContain('nginx_ingress_controller_requests{namespace="shop", service="web"}[1m]');
  });

  it('names the key when a referenced file cannot be read', () => {
    const { value } = parseMetricsConfig({ 'metrics.prometheus.url': 'http://p:9090', 'metrics.prometheus.caFile': '/missing.pem' });
    expect(() => createMetricsSource(value, { clock: new ManualClock(0), readFile })).toThrow(/metrics.prometheus.caFile: cannot read \/missing.pem: ENOENT/);
  });

  it('reads a rotated bearer token file again after a minute, keeping the last token when a read fails', async () => {
    stub = await startStub((_req, res) => json(res, 200, vector([{ metric: {}, value: [100, '120'] }])));
    const rotating: Record<string, string> = { '/token': 'first\n' };
    const read = (path: string) => {
      if (path in rotating) return rotating[path];
      throw Object.assign(new Error('no'), { code: 'ENOENT' });
    };
    const clock = new ManualClock(100_000);
    const { value } = parseMetricsConfig({ 'metrics.prometheus.url': stub.url, 'metrics.prometheus.bearerTokenFile': '/token' });
    const source = createMetricsSource(value, { clock, readFile: read });
    const web = { namespace: 'shop', deployment: 'web' };
    await source.latest('demand', web);
    rotating['/token'] = 'second\n';
    await source.latest('demand', web);
    clock.advance(SECRET_REREAD_MS);
    await source.latest('demand', web);
    delete rotating['/token'];
    clock.advance(SECRET_REREAD_MS);
    await source.latest('demand', web);
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first', 'Bearer first', 'Bearer second', 'Bearer second']);
  });
});
