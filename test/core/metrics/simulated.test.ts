import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/model/clock.js';
import { parseMetricsConfig } from '../../../core/metrics/config.js';
import { SimulatedMetricsSource } from '../../../core/metrics/simulated.js';

const web = { namespace: 'shop', deployment: 'web' };

function simulated(nowSec: number) {
  const clock = new ManualClock(nowSec * 1000);
  return { clock, source: new SimulatedMetricsSource({ clock, staleAfterSeconds: 300 }) };
}

describe('SimulatedMetricsSource', () => {
  it('reveals a loaded trace as the clock moves: counts per bucket become rates at bucket ends', async () => {
    const { clock, source } = simulated(1000 + 120);
    source.loadCounts(web, 1000, 60, [60, 120, NaN, 30]);
    expect(await source.latest('demand', web)).toMatchObject({ freshness: 'fresh', value: 2, lastSeen: { t: 1120, v: 2 } });
    const range = { start: 1060, end: 1240, stepSeconds: 60 };
    expect((await source.history('demand', web, range)).samples).toEqual([
      { t: 1060, v: 1 },
      { t: 1120, v: 2 },
    ]);
    clock.set(1240_000);
    const later = await source.history('demand', web, range);
    expect(later.samples.map((s) => s.t)).toEqual([1060, 1120, 1240]);
    expect(later.gaps).toBe(1);
  });

  it('goes stale when data stops, and missing when there never was any', async () => {
    const { clock, source } = simulated(1000);
    source.set('demand', web, [[1000, 5], [1060, NaN]]);
    clock.set(1200_000);
    expect(await source.latest('demand', web)).toMatchObject({ freshness: 'fresh', value: 5 });
    clock.set(1301_000);
    const stale = await source.latest('demand', web);
    expect(stale).toMatchObject({ freshness: 'stale', lastSeen: { t: 1000, v: 5 } });
    expect(stale.value).toBeUndefined();
    expect((await source.latest('latencyP95', web)).freshness).toBe('missing');
  });

  it('turns a counter with a reset into rates that are never negative', async () => {
    const { source } = simulated(10_000);
    source.loadCounter(web, [0, 600, 1200, 300, 900].map((v, i) => ({ t: 1000 + i * 60, v })));
    const reading = await source.history('demand', web, { start: 1060, end: 1240, stepSeconds: 60 });
    expect(reading.samples.map((s) => s.v)).toEqual([10, 10, 5, 10]);
  });

  it('an outage makes everything unavailable until it ends', async () => {
    const { source } = simulated(2000);
    source.loadCounts(web, 1000, 60, [60, 60]);
    source.setEdges('shop', [{ client: 'web', server: 'cart', points: [[1990, 4]] }]);
    source.setOutage('prometheus is down');
    expect(await source.latest('demand', web)).toMatchObject({ freshness: 'unavailable', reason: 'prometheus is down' });
    expect(await source.edges('shop')).toMatchObject({ freshness: 'unavailable', edges: [] });
    source.setOutage(undefined);
    expect(await source.edges('shop')).toMatchObject({ freshness: 'fresh', edges: [{ client: 'web', server: 'cart', rps: 4 }] });
    expect((await source.edgeHistory('shop', { start: 1990, end: 2000, stepSeconds: 10 })).edges[0].samples).toEqual([{ t: 1990, v: 4 }]);
  });
});

describe('parseMetricsConfig', () => {
  it('defaults to the simulated source and the generic preset', () => {
    expect(parseMetricsConfig(undefined)).toEqual({
      value: { source: 'simulated', preset: 'http-requests-total', rateWindowSeconds: 120, staleAfterSeconds: 300 },
      warnings: [],
    });
  });

  it('reads a full Prometheus configuration', () => {
    const { value, warnings } = parseMetricsConfig({
      'metrics.preset': 'istio',
      'metrics.rateWindow': '1m',
      'metrics.prometheus.url': 'https://prometheus.monitoring:9090',
      'metrics.prometheus.timeout': '5s',
      'metrics.prometheus.retries': '2',
      'metrics.prometheus.bearerTokenFile': '/var/run/secrets/prom/token',
      'metrics.prometheus.caFile': '/etc/prom/ca.pem',
    });
    expect(warnings).toEqual([]);
    expect(value).toMatchObject({
      source: 'prometheus',
      preset: 'istio',
      rateWindowSeconds: 60,
      prometheus: { url: 'https://prometheus.monitoring:9090', timeoutSeconds: 5, retries: 2, maxPointsPerSeries: 11_000, bearerTokenFile: '/var/run/secrets/prom/token', caFile: '/etc/prom/ca.pem' },
    });
  });

  it('warns when an explicit simulated source leaves a Prometheus URL unused (a URL added to a ConfigMap that pinned it)', () => {
    const url = 'http://prometheus-operated.monitoring:9090';
    const pinned = parseMetricsConfig({ 'metrics.source': 'simulated', 'metrics.prometheus.url': url });
    expect(pinned.value.source).toBe('simulated');
    expect(pinned.warnings).toEqual([
      'metrics.source=simulated: metrics.prometheus.url is not used, and the simulated source has no metrics outside the sandbox and the simulator; remove metrics.source (or set it to prometheus) to read from Prometheus',
    ]);
    // The URL alone reads from Prometheus, quietly; the simulated source alone is the sandbox's, quietly.
    expect(parseMetricsConfig({ 'metrics.prometheus.url': url })).toMatchObject({ value: { source: 'prometheus', prometheus: { url } }, warnings: [] });
    expect(parseMetricsConfig({ 'metrics.source': 'simulated' }).warnings).toEqual([]);
  });

  it.each([
    [{ 'metrics.preset': 'linkerd' }, /metrics.preset="linkerd" ignored: expected one of istio/],
    [{ 'metrics.rateWindow': 'soon' }, /metrics.rateWindow="soon" ignored/],
    [{ 'metrics.prometheus.url': 'ftp://x' }, /must start with http/],
    [{ 'metrics.source': 'prometheus' }, /needs a valid metrics.prometheus.url/],
    [{ 'metrics.prometheus.url': 'http://p:9090', 'metrics.prometheus.retries': '-1' }, /retries="-1" ignored/],
    [{ 'metrics.prometheus.url': 'http://u:pw@p:9090' }, /credentials do not belong in the URL/],
  ])('warns about %o and keeps going', (data, message) => {
    const { warnings } = parseMetricsConfig(data);
    expect(warnings.join('\n')).toMatch(message);
  });
});
