/**
 * The data the integration tests backfill into a real Prometheus, as OpenMetrics text.
 *
 * Demand: `DAYS` days of the NASA KSC July 1995 trace (requests per minute) for Deployment
 * `shop/web`, written as a request *counter* sampled every minute — as exporters expose it — so
 * the presets' `rate(...[1m])` turns it back into requests/second: the counter sample at the end
 * of bucket i (t_i + 60) minus the one at its start is exactly the trace's count for bucket i.
 * Counters start with a 0 sample at the first bucket's start.
 *
 * Graph (three services): ingress → web (1 call per request), web → cart (2 per request),
 * cart → payments (1 per request of web). Latency: every preset's histogram puts 90% of requests
 * under 50 ms, 96% under 100 ms and all under 250 ms, so histogram_quantile(0.95) is 50 + 50·(5/6)
 * = 91.67 ms whenever there is traffic (and NaN, i.e. a gap, in a minute with none).
 *
 * Traps that a correct preset must avoid: a reporter="source" Istio series counting 3× (only
 * reporter="destination" is demand), a `web-api` Deployment whose pods share the `web-` prefix,
 * and a counter reset (container restart) in `web`'s http_requests_total halfway through.
 * `shop/gappy` has a 10-minute hole and a 10-minute stretch without traffic.
 */
import { readFileSync } from 'node:fs';
import { parseTrace } from '../../../core/forecast/trace.js';
import { tracePath } from '../../support/shared.js';

export const DAYS = 4;
export const STEP = 60;
export const TRACE = 'nasa_ksc_jul1995_1min.csv';
export const P95_MS = 50 + 50 * (5 / 6);

export interface Fixture {
  /** Unix seconds of the first bucket's start. */
  start: number;
  /** Requests per bucket, DAYS days of 1-minute buckets. */
  counts: number[];
  /** Unix seconds of the last counter sample (end of the last bucket). */
  end: number;
  /** Index of the bucket after which `web`'s http_requests_total restarts from 0. */
  resetAfter: number;
  gappy: { holeFrom: number; holeTo: number; quietFrom: number; quietTo: number };
  openMetrics: string;
}

export function loadCounts(): { start: number; counts: number[] } {
  const series = parseTrace(readFileSync(tracePath(TRACE), 'utf8'));
  const n = (DAYS * 86_400) / STEP;
  return { start: series.startSec, counts: Array.from(series.values.subarray(0, n)) };
}

type Labels = Record<string, string>;

class OpenMetricsWriter {
  private lines: string[] = [];
  family(name: string, type: 'counter' | 'unknown'): void {
    this.lines.push(`# TYPE ${name} ${type}`);
  }
  /** One series: cumulative values at start + (i)·STEP for i = 0..values.length-1. */
  series(name: string, labels: Labels, start: number, values: ArrayLike<number>, skip?: (i: number) => boolean): void {
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    for (let i = 0; i < values.length; i++) {
      if (skip?.(i)) continue;
      this.lines.push(`${name}{${text}} ${values[i]} ${start + i * STEP}`);
    }
  }
  text(): string {
    return `${this.lines.join('\n')}\n# EOF\n`;
  }
}

/** Cumulative sums with a leading 0: element i is the count before bucket i. */
function cumulative(perBucket: readonly number[], scale = 1): number[] {
  const out = [0];
  for (const v of perBucket) out.push(out[out.length - 1] + v * scale);
  return out;
}

const BUCKETS: Array<[string, number]> = [
  ['50', 0.9],
  ['100', 0.96],
  ['250', 1],
  ['+Inf', 1],
];

function histogram(w: OpenMetricsWriter, name: string, labels: Labels, start: number, perBucket: readonly number[], unitScale: number, skip?: (i: number) => boolean): void {
  w.family(`${name}_bucket`, 'unknown');
  for (const [le, share] of BUCKETS) {
    const bound = le === '+Inf' ? le : String(Number(le) * unitScale);
    w.series(`${name}_bucket`, { ...labels, le: bound }, start, cumulative(perBucket, share), skip);
  }
}

export function buildFixture(): Fixture {
  const { start, counts } = loadCounts();
  const n = counts.length;
  const end = start + n * STEP;
  const w = new OpenMetricsWriter();
  const web = counts;
  const cart = counts.map((v) => 2 * v);

  // Istio.
  w.family('istio_requests', 'counter');
  const istio = (labels: Labels, perBucket: number[]) => w.series('istio_requests_total', labels, start, cumulative(perBucket));
  const ns = { destination_workload_namespace: 'shop' };
  istio({ reporter: 'destination', source_workload: 'istio-ingressgateway', destination_workload: 'web', ...ns, response_code: '200' }, web);
  istio({ reporter: 'source', source_workload: 'istio-ingressgateway', destination_workload: 'web', ...ns, response_code: '200' }, counts.map((v) => 3 * v));
  istio({ reporter: 'destination', source_workload: 'web', destination_workload: 'cart', ...ns, response_code: '200' }, cart);
  istio({ reporter: 'destination', source_workload: 'cart', destination_workload: 'payments', ...ns, response_code: '200' }, web);
  histogram(w, 'istio_request_duration_milliseconds', { reporter: 'destination', destination_workload: 'web', ...ns }, start, web, 1);

  // OpenTelemetry service graph.
  w.family('traces_service_graph_request', 'counter');
  w.series('traces_service_graph_request_total', { client: 'user', server: 'web' }, start, cumulative(web));
  w.series('traces_service_graph_request_total', { client: 'web', server: 'cart' }, start, cumulative(cart));
  w.series('traces_service_graph_request_total', { client: 'cart', server: 'payments' }, start, cumulative(web));
  histogram(w, 'traces_service_graph_request_server_seconds', { client: 'user', server: 'web' }, start, web, 0.001);

  // ingress-nginx.
  w.family('nginx_ingress_controller_requests', 'unknown');
  w.series('nginx_ingress_controller_requests', { namespace: 'shop', ingress: 'web', service: 'web', status: '200' }, start, cumulative(web));
  histogram(w, 'nginx_ingress_controller_request_duration_seconds', { namespace: 'shop', ingress: 'web', service: 'web' }, start, web, 0.001);

  // Generic http_requests_total, with a container restart in web's pod.
  const resetAfter = Math.floor(n / 2);
  const webCounter = cumulative(web).map((c, i, all) => (i > resetAfter ? c - all[resetAfter] : c));
  const holeFrom = 100, holeTo = 110, quietFrom = 200, quietTo = 210;
  const gappyPerBucket = counts.map((v, i) => (i >= quietFrom && i < quietTo ? 0 : v));
  const inHole = (i: number) => i > holeFrom && i <= holeTo;
  w.family('http_requests', 'counter');
  w.series('http_requests_total', { namespace: 'shop', pod: 'web-5d9c7b8f4-x7k2p', code: '200' }, start, webCounter);
  w.series('http_requests_total', { namespace: 'shop', pod: 'web-api-6f7d8c9b5-q2w3e', code: '200' }, start, cumulative(counts.map((v) => 5 * v)));
  w.series('http_requests_total', { namespace: 'shop', pod: 'gappy-7c8d9e6f5-abcde', code: '200' }, start, cumulative(gappyPerBucket), inHole);
  histogram(w, 'http_request_duration_seconds', { namespace: 'shop', pod: 'web-5d9c7b8f4-x7k2p' }, start, web, 0.001);
  w.family('http_request_duration_seconds_gappy', 'unknown');
  histogram(w, 'http_request_duration_seconds', { namespace: 'shop', pod: 'gappy-7c8d9e6f5-abcde' }, start, gappyPerBucket, 0.001, inHole);

  return { start, counts, end, resetAfter, gappy: { holeFrom, holeTo, quietFrom, quietTo }, openMetrics: w.text() };
}
