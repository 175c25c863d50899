/**
 * Measures one forecaster-like pass (history + latest per Deployment, 16 at a time, as the
 * forecaster loop reads) against a Prometheus that accepts connections and never answers, with
 * and without the circuit breaker. Prints JSON. Not a test: run it by hand,
 *   npx tsx test/core/metrics/prometheus/dead-server-pass.ts [deployments=200] [timeoutMs=100]
 */
import http from 'node:http';
import { systemClock } from '../../../../core/model/clock.js';
import { PrometheusClient } from '../../../../core/metrics/prometheus/client.js';
import { PrometheusMetricsSource } from '../../../../core/metrics/prometheus/source.js';

const deployments = Number(process.argv[2] ?? 200);
const timeoutMs = Number(process.argv[3] ?? 100);
const server = http.createServer(() => undefined);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
let requests = 0;
server.on('request', () => requests++);
const out: Record<string, unknown> = { deployments, timeoutMs, retries: 3, concurrency: 16 };
for (const circuitBreakMs of [0, 30_000]) {
  requests = 0;
  const client = new PrometheusClient({ url, clock: systemClock, timeoutMs, retries: 3, circuitBreakMs });
  const source = new PrometheusMetricsSource({ client, preset: 'istio', clock: systemClock });
  const now = Math.floor(Date.now() / 1000);
  const queue = Array.from({ length: deployments }, (_, i) => ({ namespace: 'shop', deployment: `web-${i}` }));
  const started = performance.now();
  let stale = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let w = queue.shift(); w; w = queue.shift()) {
      const h = await source.history('demand', w, { start: now - 3600, end: now, stepSeconds: 60 });
      const l = await source.latest('demand', w);
      if (h.freshness === 'unavailable' && l.freshness === 'unavailable') stale++;
    }
  }));
  out[circuitBreakMs ? 'withCircuit' : 'without'] = { passSeconds: +((performance.now() - started) / 1000).toFixed(2), requests, unavailable: stale };
}
server.closeAllConnections();
server.close();
console.log(JSON.stringify(out));
