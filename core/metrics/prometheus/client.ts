/**
 * A client for the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`), also spoken by
 * Thanos, Mimir, VictoriaMetrics and Amazon Managed Prometheus.
 *
 * Contract:
 * - Every method resolves with parsed data or rejects with a PrometheusError (errors.ts).
 * - Transient failures (unreachable, timeout, HTTP 429/5xx) are retried up to `retries` times
 *   with exponential backoff and full jitter, sleeping on the injected Clock; a `Retry-After`
 *   header is honoured up to `maxBackoffMs`. Other failures are not retried.
 * - With `circuitBreakMs`, once attempts of CIRCUIT_FAILURES different calls failed on an
 *   unreachable, hanging or overloaded server with no success between them, every call for that
 *   long fails at once without asking, and calls in flight stop retrying: a controller reading
 *   thousands of Deployments finishes its pass in a few calls' worst case (timeout × (retries + 1)
 *   plus backoff) instead of one per series. One slow query among successful ones never opens it.
 * - Redirects are not followed (credentials never travel to another host): the error names the
 *   new location so the base URL can be fixed. Replies with `warnings` are `partial` errors.
 * - Range queries are split so no request asks for more than `maxPointsPerSeries` points.
 * - Queries are sent as POST form bodies, so long PromQL never hits URL length limits.
 */
import { systemClock, type Clock } from '../../model/clock.js';
import type { TimeRange } from '../source.js';
import { isPrometheusError, PrometheusError } from './errors.js';
import { parseEnvelope, parseInstant, parseMatrix, type InstantSample, type RangeSeries } from './response.js';
import { mergeSeries, splitRange } from './split.js';
import { nodeHttpTransport, type HttpResponse, type HttpTransport } from './transport.js';

/**
 * A secret, or a function that reads it (asked on every request, so a rotated token file — a
 * projected service account token is replaced hourly — is picked up without a restart). A
 * function that throws makes the request fail as `auth`, with its message.
 */
export type Secret = string | (() => string);
export type PrometheusAuth = { bearerToken: Secret } | { username: string; password: Secret };

/** Per-call limits, tighter than the client's own. */
export interface CallOptions {
  /** Reply size cap for this call (e.g. small for a query that must return one series). */
  maxBodyBytes?: number;
}

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
  /** Once CIRCUIT_FAILURES calls in a row failed on a dead or overloaded server, fail every call at once for this long. Default 0 (off). */
  circuitBreakMs?: number;
  clock?: Clock;
  /** In [0, 1); injected so backoff is reproducible in tests. */
  random?: () => number;
  transport?: HttpTransport;
}

/** Different calls that must fail on the server, with no success between, before the circuit opens. */
export const CIRCUIT_FAILURES = 3;

export class PrometheusClient {
  readonly baseUrl: URL;
  private readonly headers: Record<string, string>;
  private readonly auth?: PrometheusAuth;
  private readonly circuitBreakMs: number;
  /** Set while calls fail without asking: when it opened (clock ms) and the failure that opened it. */
  private circuitOpened?: { at: number; error: PrometheusError };
  /** Calls (by number) with an attempt that failed on the server since the last success. */
  private readonly failingCalls = new Set<number>();
  private callsStarted = 0;
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
    this.auth = options.auth;
    this.circuitBreakMs = options.circuitBreakMs ?? 0;
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
  async query(expr: string, time: number, options: CallOptions = {}): Promise<InstantSample[]> {
    const { resultType, result } = await this.call('api/v1/query', { query: expr, time: formatTime(time) }, options);
    return parseInstant(result, resultType);
  }

  /** Range query, split into pieces of at most `maxPointsPerSeries` points and joined. */
  async queryRange(expr: string, range: TimeRange, options: CallOptions = {}): Promise<RangeSeries[]> {
    const parts: RangeSeries[][] = [];
    for (const piece of splitRange(range, this.maxPointsPerSeries)) {
      const { resultType, result } = await this.call('api/v1/query_range', {
        query: expr,
        start: formatTime(piece.start),
        end: formatTime(piece.end),
        step: String(piece.stepSeconds),
      }, options);
      parts.push(parseMatrix(result, resultType));
    }
    return mergeSeries(parts);
  }

  private async call(path: string, form: Record<string, string>, options: CallOptions): Promise<{ resultType: string; result: unknown }> {
    const url = new URL(path, this.baseUrl);
    const body = new URLSearchParams(form).toString();
    const started = this.clock.now();
    const callNumber = ++this.callsStarted;
    this.throwIfCircuitOpen();
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.transport({
          url,
          method: 'POST',
          headers: { ...this.headers, ...this.authorization() },
          body,
          timeoutMs: this.timeoutMs,
          ca: this.ca,
          maxBodyBytes: Math.min(this.maxBodyBytes, options.maxBodyBytes ?? Infinity),
        });
        if (response.status >= 300 && response.status < 400) throw redirected(response);
        try {
          const parsed = parseEnvelope(response.status, response.body);
          this.failingCalls.clear();
          return parsed;
        } catch (error) {
          if (isPrometheusError(error, 'auth')) throw this.explainRefusal(error);
          if (error instanceof PrometheusError && error.retryable) {
            (error as PrometheusError & { retryAfterMs?: number }).retryAfterMs = retryAfterMs(response.headers['retry-after'], this.clock.now());
          }
          throw error;
        }
      } catch (error) {
        const typed =
          error instanceof PrometheusError ? error : new PrometheusError('unreachable', `request failed: ${String(error)}`, true);
        if (!typed.retryable) throw typed;
        if (this.circuitBreakMs > 0 && opensCircuit(typed)) {
          this.failingCalls.add(callNumber);
          if (this.failingCalls.size >= CIRCUIT_FAILURES && !this.circuitOpened) {
            this.circuitOpened = { at: this.clock.now(), error: typed };
            // After the cool-down it takes CIRCUIT_FAILURES new failures to open again.
            this.failingCalls.clear();
          }
        }
        // The server was found dead (by this call or others) while this one ran: stop, do not retry.
        if (this.circuitOpened && this.circuitOpened.at >= started) throw typed;
        if (attempt >= this.retries) throw typed;
        await this.clock.sleep(this.backoffMs(attempt, (typed as { retryAfterMs?: number }).retryAfterMs));
      }
    }
  }

  private throwIfCircuitOpen(): void {
    const opened = this.circuitOpened;
    if (!opened) return;
    const age = this.clock.now() - opened.at;
    if (age >= this.circuitBreakMs) {
      this.circuitOpened = undefined;
      return;
    }
    const { kind, message, status, errorType } = opened.error;
    const retryIn = Math.ceil((this.circuitBreakMs - age) / 1000);
    throw new PrometheusError(kind, `not asked: ${this.baseUrl.host} failed ${Math.round(age / 1000)} s ago (${message}); next try in ${retryIn} s`, true, status, errorType);
  }

  /** 401/403: say which credentials were sent, so the operator knows which setting to look at. */
  private explainRefusal(error: PrometheusError): PrometheusError {
    const auth = this.auth;
    const sent = !auth
      ? 'no credentials were sent: set metrics.prometheus.bearerTokenFile or basicAuthUsername/basicAuthPasswordFile (--bearer-token-file)'
      : 'bearerToken' in auth
        ? 'a bearer token was sent and refused: check the token in metrics.prometheus.bearerTokenFile (expired, or lacking access)'
        : `basic auth as ${JSON.stringify(auth.username)} was sent and refused: check metrics.prometheus.basicAuthUsername and the password file`;
    return new PrometheusError('auth', `${error.message}; ${sent}`, false, error.status, error.errorType);
  }

  private authorization(): Record<string, string> {
    const auth = this.auth;
    if (!auth) return {};
    try {
      if ('bearerToken' in auth) return { authorization: `Bearer ${reveal(auth.bearerToken)}` };
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${reveal(auth.password)}`).toString('base64')}` };
    } catch (error) {
      throw new PrometheusError('auth', `credentials unavailable: ${error instanceof Error ? error.message : String(error)}`, false);
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

/** `Retry-After` is either seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(header) ? header[0] : header)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d{1,6}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

function reveal(secret: Secret): string {
  return typeof secret === 'function' ? secret() : secret;
}

/** The server is not there, hangs, or is overloaded — not a refusal of this particular query. */
function opensCircuit(error: PrometheusError): boolean {
  if (error.kind === 'unreachable' || error.kind === 'timeout') return true;
  return error.kind === 'http' && (error.status === 429 || error.status === 502 || error.status === 503 || error.status === 504) && error.errorType === undefined;
}

function redirected(response: HttpResponse): PrometheusError {
  const location = response.headers.location;
  const to = (Array.isArray(location) ? location[0] : location) ?? '(no Location header)';
  return new PrometheusError(
    'http',
    `HTTP ${response.status}: redirect to ${to}, not followed (credentials stay on the configured host); set the Prometheus base URL to where the server answers (a proxy login page means the URL bypasses no auth proxy)`,
    false,
    response.status,
  );
}
