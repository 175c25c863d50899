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
          fail(new PrometheusError('malformed', `reply larger than ${request.maxBodyBytes} bytes, cut off`, false, res.statusCode));
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
        // A TLS server drops a plain-http request without an answer: say so, it looks like any reset.
        const hint = !isHttps && (code === 'ECONNRESET' || error.message === 'socket hang up') ? ' (if the server speaks TLS on this port, use an https:// URL)' : '';
        fail(new PrometheusError('unreachable', `cannot reach ${request.url.host}: ${code || error.message}${hint}`, true));
      } else if (isTlsFailure(error)) {
        fail(new PrometheusError('unreachable', `TLS failure talking to ${request.url.host}: ${tlsAdvice(error, request)} (${code || 'TLS'}: ${error.message})`, false));
      } else {
        fail(new PrometheusError('unreachable', `request to ${request.url.host} failed: ${error.message}`, true));
      }
    });
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });

/** Certificate codes that mean "signed by nobody this client trusts". */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** A plain-http server on the port an https URL names answers with something that is not TLS. */
function isPlainHttpPeer(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(error.message);
}

function isTlsFailure(error: NodeJS.ErrnoException): boolean {
  const code = error.code ?? '';
  return code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || UNTRUSTED_CODES.has(code) || isPlainHttpPeer(error);
}

/**
 * What an operator should change, in words: these failures do not clear by retrying, and the raw
 * OpenSSL text ("unable to verify the first certificate") does not say which setting is wrong.
 */
function tlsAdvice(error: NodeJS.ErrnoException, request: HttpRequest): string {
  const code = error.code ?? '';
  const host = request.url.hostname;
  if (code === 'CERT_HAS_EXPIRED') return 'the server\'s certificate has expired; renew it on the Prometheus side (or check this node\'s clock)';
  if (code === 'CERT_NOT_YET_VALID') return 'the server\'s certificate is not valid yet; check the clocks of this node and of the issuer';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's certificate does not name ${host}; use a URL whose host the certificate names, or reissue it with that name`;
  if (UNTRUSTED_CODES.has(code)) {
    return request.ca
      ? 'the server\'s certificate is not signed by a CA this client trusts: the CA bundle given (metrics.prometheus.caFile / --ca-file) did not sign it; give the CA that did'
      : 'the server\'s certificate is not signed by a CA this client trusts: set metrics.prometheus.caFile (--ca-file) to the PEM of the CA that signed it';
  }
  if (isPlainHttpPeer(error)) return `the server on ${request.url.host} does not speak TLS; use an http:// URL or the server's TLS port`;
  return 'the TLS handshake failed';
}
