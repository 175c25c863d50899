/**
 * One HTTP exchange with node:http/node:https. Node's global fetch cannot take a custom CA
 * without the undici package, so the client speaks node:https directly (ADR 050).
 * The timeout covers the whole exchange (connect, headers and body), so a server that trickles
 * bytes cannot hold a tick forever; replies larger than `maxBodyBytes` are cut off as malformed.
 */
import http from 'node:http';
import https from 'node:https';
import { PrometheusError } from './errors.js';

export interface HttpRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** PEM bundle trusted for https, replacing the system roots. */
  ca?: string;
  maxBodyBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The narrow seam the client uses; the real one is `nodeHttpTransport`. */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

export const nodeHttpTransport: HttpTransport = (request) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const isHttps = request.url.protocol === 'https:';
    const options: https.RequestOptions = {
      method: request.method,
      headers: { ...request.headers, ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}) },
      ...(isHttps && request.ca ? { ca: request.ca } : {}),
    };
    let settled = false;
    const fail = (error: PrometheusError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const req = (isHttps ? https : http).request(request.url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxBodyBytes) {
          fail(new PrometheusError('malformed', `reply larger than ${request.maxBodyBytes} bytes`, false, res.statusCode));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => fail(new PrometheusError('unreachable', `reply interrupted: ${error.message}`, true)));
    });
    const timer = setTimeout(
      () => fail(new PrometheusError('timeout', `no complete answer from ${request.url.host} within ${request.timeoutMs} ms`, true)),
      request.timeoutMs,
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      if (UNREACHABLE_CODES.has(code) || error.message === 'socket hang up') {
        fail(new PrometheusError('unreachable', `cannot reach ${request.url.host}: ${code || error.message}`, true));
      } else if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
        fail(new PrometheusError('unreachable', `TLS failure talking to ${request.url.host}: ${error.message}`, false));
      } else {
        fail(new PrometheusError('unreachable', `request to ${request.url.host} failed: ${error.message}`, true));
      }
    });
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
