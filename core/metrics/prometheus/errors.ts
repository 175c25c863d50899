/**
 * Typed failures of the Prometheus HTTP API client. `retryable` says whether the client tried
 * (or a caller may try) again: the server being unreachable, slow or overloaded is transient;
 * a rejected query, a refused credential or a reply we cannot read is not.
 */
export type PrometheusErrorKind =
  /** Connection refused, reset, DNS failure: the server is not there. */
  | 'unreachable'
  /** No complete answer within the timeout. */
  | 'timeout'
  /** 401/403: the credentials are missing or wrong. */
  | 'auth'
  /** 400/422: Prometheus refused the query (syntax, too many points, execution error). */
  | 'query'
  /** Any other HTTP status (429 and 5xx are retryable). */
  | 'http'
  /** The reply is not the Prometheus API's JSON envelope (or is larger than the limit). */
  | 'malformed'
  /**
   * The server answered with `warnings` (e.g. Thanos/Mimir: a store or ingester did not answer):
   * the data may be incomplete, and a sum missing a shard reads as lower demand. Not used.
   */
  | 'partial';

export class PrometheusError extends Error {
  constructor(
    readonly kind: PrometheusErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** Prometheus' own `errorType` (bad_data, execution, timeout, …) when it sent one. */
    readonly errorType?: string,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

export function isPrometheusError(error: unknown, kind?: PrometheusErrorKind): error is PrometheusError {
  return error instanceof PrometheusError && (kind === undefined || error.kind === kind);
}
