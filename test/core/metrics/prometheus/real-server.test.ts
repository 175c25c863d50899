/**
 * Limits checked against a real Prometheus (the test/integration/prometheus server helper):
 * a cardinality explosion (100,000 series from a query meant to return one) and the exact range
 * resolution rule. Skips, saying why, only when the binaries are absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/model/clock.js';
import { PrometheusClient } from '../../../../core/metrics/prometheus/client.js';
import { PrometheusMetricsSource } from '../../../../core/metrics/prometheus/source.js';
import { missingPrometheus, PrometheusProcess } from '../../../integration/prometheus/prometheus-server.js';

const missing = missingPrometheus();
if (missing) console.warn(`skipping the real-Prometheus limit tests: ${missing}`);

const SERIES = 100_000;
const T0 = 1_000_000;
const T1 = T0 + 60;

/** SERIES counters in namespace shop, each going 1 → 61 over one minute: 1 request/second each. */
function explosion(): string {
  const lines = ['# TYPE card counter'];
  for (let i = 0; i < SERIES; i++) {
    const labels = `{namespace="shop",pod="web-5d8f7c9b4-${String(i).padStart(6, '0')}"}`;
    lines.push(`card_total${labels} 1 ${T0}`, `card_total${labels} 61 ${T1}`);
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

describe.skipIf(missing !== undefined)('against a real Prometheus', () => {
  let server: PrometheusProcess;
  let clock: ManualClock;

  beforeAll(async () => {
    server = new PrometheusProcess();
    server.backfill(explosion());
    await server.start();
    clock = new ManualClock(T1 * 1000);
  }, 120_000);

  afterAll(async () => {
    await server?.dispose();
  }, 20_000);

  const source = (client = new PrometheusClient({ url: server.url, clock, retries: 0, timeoutMs: 30_000 })) =>
    new PrometheusMetricsSource({ client, preset: 'istio', clock, rateWindowSeconds: 60 });
  const web = { namespace: 'shop', deployment: 'web' };

  it('an override without sum(...) over 100,000 series is cut off small and explained, never a value', async () => {
    const perPod = { ...web, rpsQuery: 'rate(card_total{namespace="{namespace}"}[2m])' };
    const latest = await source().latest('demand', perPod);
    expect(latest.freshness).toBe('unavailable');
    expect(latest.value).toBeUndefined();
    expect(latest.reason).toMatch(/larger than 1048776 bytes.*wrap it in sum\(/);
    const history = await source().history('demand', perPod, { start: T0, end: T1, stepSeconds: 60 });
    expect(history).toMatchObject({ freshness: 'unavailable', samples: [] });
    expect(history.reason).toMatch(/larger than \d+ bytes.*cardinality/);
  }, 60_000);

  it('the same series aggregated is one fresh value', async () => {
    const counted = { ...web, rpsQuery: 'count(card_total{namespace="{namespace}"})' };
    expect(await source().latest('demand', counted)).toMatchObject({ freshness: 'fresh', value: SERIES });
  }, 60_000);

  it('Prometheus takes 11,001 points per series ((end − start) / step = 11,000) and refuses 11,002; the client splits', async () => {
    const one = 'card_total{pod="web-5d8f7c9b4-000000"}';
    const ask = async (points: number) => {
      const body = new URLSearchParams({ query: one, start: String(T1 - (points - 1)), end: String(T1), step: '1' });
      const response = await fetch(`${server.url}/api/v1/query_range`, { method: 'POST', body });
      return { status: response.status, text: await response.text() };
    };
    expect((await ask(11_001)).status).toBe(200);
    const refused = await ask(11_002);
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/exceeded maximum resolution of 11,000 points per timeseries/);
    const split = new PrometheusClient({ url: server.url, clock, retries: 0 });
    const [series] = await split.queryRange(one, { start: T1 - 30_000, end: T1, stepSeconds: 1 });
    // The counter's samples looked back 5 minutes from each step: the newest point is its last value.
    expect(series.points.at(-1)).toEqual([T1, 61]);
  }, 60_000);
});
