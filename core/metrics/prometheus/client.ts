/**
 * A client for the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`), also spoken by
 * Thanos, Mimir, VictoriaMetrics and Amazon Managed Prometheus.
 *
 * Contract:
 * - Every method resolves with parsed data or rejects with a PrometheusError (errors.ts).
 * - Transient failures (unreachable, timeout, HTTP 429/5xx) are retried up to `retries` times
 *   with exponential backoff and full jitter, sleeping on the injected Clock; a `Retry-After`
 *   header is honoured up to `maxBackoffMs`. Other failures are not retried.
 * - Range queries are split so no request asks for more than `maxPointsPerSeries` points.
 * - Queries are sent as POST form bodies, so long PromQL never hits URL length limits.
 */
import { systemClock, type Clock } from '../../model/clock.js';
import type { TimeRange } from '../source.js';
import { PrometheusError } from './errors.js';
import { parseEnvelope, parseInstant, parseMatrix, type InstantSample, type RangeSeries } from './response.js';
import { mergeSeries, splitRange } from './split.js';
import { nodeHttpTransport, type HttpTransport } from './transport.js';

export type PrometheusAuth = { bearerToken: string } | { username: string; password: string };

export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus.monitoring:9090` or a path prefix such as `https://host/prometheus`. */
  url: string;
  auth?: PrometheusAuth;
  /** PEM CA bundle for https servers with a private CA. */
  ca?: string;
  /** Per attempt, whole exchange. Default 10 s. */
  timeoutMs?: number;
  /** Extra attempts after the first for transient failures. Default 3. */
  retries?: number;
  /** First backoff ceiling; doubles each attempt up to maxBackoffMs. Default 200 ms / 5 s. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Points per series per request. Default 11,000 (Prometheus' limit). */
  maxPointsPerSeries?: number;
  /** Reply size cap. Default 64 MiB. */
  maxBodyBytes?: number;
  clock?: Clock;
  /** In [0, 1); injected so backoff is reproducible in tests. */
  random?: () => number;
  transport?: HttpTransport;
}

export class PrometheusClient {
  readonly baseUrl: URL;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  readonly maxPointsPerSeries: number;
  private readonly maxBodyBytes: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly transport: HttpTransport;
  private readonly ca?: string;

  constructor(options: PrometheusClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError(`Prometheus URL ${JSON.stringify(options.url)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Prometheus URL must be http(s), got ${url.protocol}`);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.baseUrl = url;
    this.headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'smartscale' };
    const auth = options.auth;
    if (auth && 'bearerToken' in auth) this.headers.authorization = `Bearer ${auth.bearerToken}`;
    else if (auth) this.headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 3;
    this.baseBackoffMs = options.baseBackoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.maxPointsPerSeries = options.maxPointsPerSeries ?? 11_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.transport = options.transport ?? nodeHttpTransport;
    this.ca = options.ca;
  }

  /** Instant query at `time` (unix seconds). */
  async query(expr: string, time: number): Promise<InstantSample[]> {
    const { resultType, result } = await this.call('api/v1/query', { query: expr, time: formatTime(time) });
    return parseInstant(result, resultType);
  }

  /** Range query, split into pieces of at most `maxPointsPerSeries` points and joined. */
  async queryRange(expr: string, range: TimeRange): Promise<RangeSeries[]> {
    const parts: RangeSeries[][] = [];
    for (const piece of splitRange(range, this.maxPointsPerSeries)) {
      const { resultType, result } = await this.call('api/v1/query_range', {
        query: expr,
        start: formatTime(piece.start),
        end: formatTime(piece.end),
        step: String(piece.stepSeconds),
      });
      parts.push(parseMatrix(result, resultType));
    }
    return mergeSeries(parts);
  }

  private async call(path: string, form: Record<string, string>): Promise<{ resultType: string; result: unknown }> {
    const url = new URL(path, this.baseUrl);
    const body = new URLSearchParams(form).toString();
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.transport({
          url,
          method: 'POST',
          headers: this.headers,
          body,
          timeoutMs: this.timeoutMs,
          ca: this.ca,
          maxBodyBytes: this.maxBodyBytes,
        });
        try {
          return parseEnvelope(response.status, response.body);
        } catch (error) {
          if (error instanceof PrometheusError && error.retryable) {
            (error as PrometheusError & { retryAfterMs?: number }).retryAfterMs = retryAfterMs(response.headers['retry-after']);
          }
          throw error;
        }
      } catch (error) {
        const typed =
          error instanceof PrometheusError ? error : new PrometheusError('unreachable', `request failed: ${String(error)}`, true);
        if (!typed.retryable || attempt >= this.retries) throw typed;
        await this.clock.sleep(this.backoffMs(attempt, (typed as { retryAfterMs?: number }).retryAfterMs));
      }
    }
  }

  /** Full jitter: uniform in [0, min(max, base·2^attempt)], or the server's Retry-After. */
  backoffMs(attempt: number, retryAfter?: number): number {
    if (retryAfter !== undefined) return Math.min(this.maxBackoffMs, retryAfter);
    const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** attempt);
    return Math.floor(this.random() * ceiling);
  }
}

/** Prometheus accepts unix seconds with a fraction; whole seconds print without one. */
function formatTime(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(3);
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d{1,6}$/.test(text.trim())) return undefined;
  return Number(text.trim()) * 1000;
}
