/**
 * A tiny Prometheus impostor on 127.0.0.1 for fault tests: each request is answered by the
 * handler the test provides (slow, malformed, failing…), and every request is recorded.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { isPrometheusError, type PrometheusError } from '../../../../core/metrics/prometheus/errors.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  form: URLSearchParams;
}

export type StubHandler = (request: RecordedRequest, response: http.ServerResponse) => void;

export interface StubServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startStub(handler: StubHandler, tls?: { key: string; cert: string }): Promise<StubServer> {
  const requests: RecordedRequest[] = [];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded = { method: req.method ?? '', path: url.pathname, headers: req.headers, form: new URLSearchParams(body || url.search) };
      requests.push(recorded);
      handler(recorded, res);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export const matrix = (result: unknown[]) => ({ status: 'success', data: { resultType: 'matrix', result } });
export const vector = (result: unknown[]) => ({ status: 'success', data: { resultType: 'vector', result } });

/** The typed error a call rejects with (fails the test when it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<PrometheusError> {
  try {
    await promise;
  } catch (error) {
    if (isPrometheusError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
