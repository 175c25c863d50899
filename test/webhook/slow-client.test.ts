/**
 * A client that sends its headers and then trickles (or never finishes) the body must not hold a
 * socket and its buffer for ever: the server gives up after the request timeout. On 127.0.0.1,
 * over plain HTTP and over TLS (the server the webhook runs).
 */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createCertificateAuthority, issueServingCertificate } from '../../core/tls/index.js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWebhookApp } from '../../webhook/app.js';

const sockets: Socket[] = [];
const apps: Array<ReturnType<typeof buildWebhookApp>> = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function listen(requestTimeoutMs: number, tls = false): Promise<number> {
  const https = tls ? serving() : undefined;
  const app = buildWebhookApp({ logger: pino({ level: 'silent' }), requestTimeoutMs, ...(https ? { https } : {}) });
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

function serving(): { cert: string; key: string } {
  const ca = createCertificateAuthority({ commonName: 'slow-client-test-ca', validityDays: 1 });
  const c = issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  return { cert: c.certPem, key: c.keyPem };
}

/** Sends headers announcing `length` bytes and only `sent` of them; resolves with what came back once the server closes. */
function trickle(port: number, length: number, sent: string, tls = false): Promise<{ answer: string; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const socket = tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, afterMs: Date.now() - start }));
    socket.write(`POST /mutate HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${sent}`);
  });
}

describe('a client that never finishes its request', () => {
  it('is answered 408 and disconnected after the request timeout', async () => {
    const port = await listen(300);
    const { answer, afterMs } = await trickle(port, 1_000_000, '{"apiVersion":');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeGreaterThanOrEqual(250);
    expect(afterMs).toBeLessThan(5_000);
  });

  it('is answered 408 and disconnected over TLS too', async () => {
    const port = await listen(300, true);
    const { answer, afterMs } = await trickle(port, 1_000_000, '{"apiVersion":', true);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeLessThan(5_000);
  });

  it('drops a TCP connection that never starts the TLS handshake', async () => {
    const port = await listen(300, true);
    const start = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => resolve(Date.now() - start));
      socket.on('close', () => resolve(Date.now() - start));
      setTimeout(() => reject(new Error('still open after 5 s')), 5_000);
    });
    expect(closedAfter).toBeGreaterThanOrEqual(250);
    expect(closedAfter).toBeLessThan(5_000);
  });

  it('answers a request that arrives in time, and keeps the connection for the next one', async () => {
    const port = await listen(300);
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    const answers: string[] = [];
    socket.on('data', (d) => answers.push(d.toString()));
    const request = 'GET /healthz HTTP/1.1\r\nHost: webhook\r\n\r\n';
    socket.write(request);
    // Idle on a kept-alive connection longer than the request timeout: not a slow request.
    await new Promise((r) => setTimeout(r, 800));
    socket.write(request);
    await new Promise((r) => setTimeout(r, 300));
    expect(answers.join('').match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(socket.destroyed).toBe(false);
  });
});
