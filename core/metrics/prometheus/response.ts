/**
 * Reads the Prometheus HTTP API's JSON envelope strictly: anything that does not have the
 * documented shape is a `malformed` PrometheusError, never a crash or a silently wrong number.
 */
import type { RawPoint } from '../samples.js';
import { PrometheusError } from './errors.js';

export type Labels = Record<string, string>;

export interface RangeSeries {
  labels: Labels;
  points: RawPoint[];
}

export interface InstantSample {
  labels: Labels;
  point: RawPoint;
}

const malformed = (why: string, status?: number) => new PrometheusError('malformed', `malformed Prometheus reply: ${why}`, false, status);

/** Prometheus prints values as strings: numbers, `NaN`, `+Inf`, `-Inf`. */
export function parseValue(raw: unknown): number {
  if (typeof raw !== 'string') throw malformed(`sample value ${JSON.stringify(raw)} is not a string`);
  if (raw === 'NaN') return NaN;
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  const value = Number(raw);
  if (raw.trim() === '' || Number.isNaN(value)) throw malformed(`sample value ${JSON.stringify(raw)} is not a number`);
  return value;
}

function parsePoint(raw: unknown): RawPoint {
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== 'number' || !Number.isFinite(raw[0])) {
    throw malformed('a sample is not [unix seconds, "value"]');
  }
  return [raw[0], parseValue(raw[1])];
}

function parseLabels(raw: unknown): Labels {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('series labels are not an object');
  for (const value of Object.values(raw)) if (typeof value !== 'string') throw malformed('a label value is not a string');
  return raw as Labels;
}

/** Parses the envelope; turns `status: "error"` into the matching typed error. */
export function parseEnvelope(status: number, body: string): { resultType: string; result: unknown } {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    if (status >= 500 || status === 429) {
      throw new PrometheusError('http', `HTTP ${status} from Prometheus`, true, status);
    }
    if (status === 401 || status === 403) throw new PrometheusError('auth', `HTTP ${status}: credentials refused`, false, status);
    if (status === 404) throw new PrometheusError('http', 'HTTP 404: is the URL the Prometheus base URL (without /api/v1)?', false, status);
    throw malformed(`HTTP ${status} with a body that is not JSON (${JSON.stringify(body.slice(0, 80))})`, status);
  }
  const envelope = data as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; errorType?: unknown; error?: unknown };
  if (typeof envelope !== 'object' || envelope === null) throw malformed('not a JSON object', status);
  if (envelope.status === 'error' || status >= 400) {
    const errorType = typeof envelope.errorType === 'string' ? envelope.errorType : undefined;
    const message = typeof envelope.error === 'string' ? envelope.error : `HTTP ${status}`;
    if (status === 401 || status === 403) throw new PrometheusError('auth', `HTTP ${status}: ${message}`, false, status, errorType);
    if (status === 400 || status === 422 || errorType === 'bad_data') {
      throw new PrometheusError('query', `query refused: ${message}`, false, status, errorType);
    }
    const retryable = status >= 500 || status === 429 || errorType === 'timeout' || errorType === 'unavailable';
    throw new PrometheusError('http', `HTTP ${status}: ${message}`, retryable, status, errorType);
  }
  if (envelope.status !== 'success') throw malformed('status is neither "success" nor "error"', status);
  if (typeof envelope.data !== 'object' || envelope.data === null || typeof envelope.data.resultType !== 'string') {
    throw malformed('data.resultType is missing', status);
  }
  const warnings = dataWarnings((envelope as { warnings?: unknown }).warnings);
  if (warnings.length > 0) {
    throw new PrometheusError('partial', `Prometheus answered with warnings, so the data may be incomplete: ${warnings.slice(0, 3).join('; ').slice(0, 500)}`, false, status);
  }
  return { resultType: envelope.data.resultType, result: envelope.data.result };
}

/**
 * Warnings that put the data in doubt. Thanos, Mimir and Prometheus' remote read say "partial
 * response" this way. PromQL's own annotations — "PromQL info: …" (sent as warnings by the
 * versions before `infos` existed) and "PromQL warning: …" (the shape of the data: a mix of
 * histograms and floats, a malformed `le` label) — are about a query that was answered from all
 * the data, and are skipped: counting them as partial would leave a series unavailable for as
 * long as the data keeps that shape.
 */
function dataWarnings(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((w) => (typeof w === 'string' ? w : JSON.stringify(w))).filter((w) => !/^PromQL (info|warning):/.test(w));
}

export function parseMatrix(result: unknown, resultType: string): RangeSeries[] {
  if (resultType !== 'matrix') throw malformed(`expected a matrix, got ${resultType}`);
  if (!Array.isArray(result)) throw malformed('result is not an array');
  return result.map((series: { metric?: unknown; values?: unknown }) => {
    if (typeof series !== 'object' || series === null || !Array.isArray(series.values)) throw malformed('a series has no values');
    return { labels: parseLabels(series.metric ?? {}), points: series.values.map(parsePoint) };
  });
}

/** Instant results: a vector (one sample per series) or a scalar (one unlabelled sample). */
export function parseInstant(result: unknown, resultType: string): InstantSample[] {
  if (resultType === 'scalar') return [{ labels: {}, point: parsePoint(result) }];
  if (resultType !== 'vector') throw malformed(`expected a vector or scalar, got ${resultType}`);
  if (!Array.isArray(result)) throw malformed('result is not an array');
  return result.map((sample: { metric?: unknown; value?: unknown }) => {
    if (typeof sample !== 'object' || sample === null) throw malformed('a sample is not an object');
    return { labels: parseLabels(sample.metric ?? {}), point: parsePoint(sample.value) };
  });
}
