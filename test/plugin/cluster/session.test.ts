/**
 * The session's deadlines: a server that cannot be reached fails the first call as soon as the
 * connect probe gives up, not after the whole call's deadline; a server that answers is untouched.
 */
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiError, type KubeClient } from '../../../core/kube/client.js';
import { createCertificateAuthority, issueServingCertificate } from '../../../core/tls/index.js';
import { connectProbe, withDeadline } from '../../../plugin/cluster/session.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function listen(server: NetServer): Promise<URL> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const sockets: Socket[] = [];
  server.on('connection', (s: Socket) => sockets.push(s));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((ok) => server.close(() => ok()));
  });
  return new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** Resolves 'pending' when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((ok) => setTimeout(() => ok('pending'), ms))]);
}

const deadlines = { connectMs: 300, handshakeMs: 300 };

describe('connectProbe', () => {
  it('rejects when the server accepts the connection but never answers the handshake', async () => {
    const url = await listen(createNetServer(() => {}));
    const started = Date.now();
    const error = await connectProbe(url, deadlines)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).code).toBe(0);
    expect((error as Error).message).toBe(`${url.origin} accepted the connection but sent no answer within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rejects naming the server when nothing listens', async () => {
    const server = createNetServer();
    const url = await listen(server);
    await new Promise<void>((ok) => server.close(() => ok()));
    const error = await connectProbe(url, deadlines)().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`^${url.origin}: connect ECONNREFUSED`));
  });

  it('never settles against a TLS server, whatever its certificate (the real request verifies it)', async () => {
    const ca = createCertificateAuthority({ commonName: 'probe-ca', validityDays: 1 });
    const serving = issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
    const url = await listen(createTlsServer({ key: serving.keyPem, cert: serving.certPem }, (_req, res) => res.end('{}')));
    expect(await within(connectProbe(url, deadlines)(), 1_000)).toBe('pending');
  });

  it('rejects when the server answers in plain text (an http:// server behind an https:// address)', async () => {
    const url = await listen(createHttpServer((_req, res) => res.end('hello')));
    const error = await connectProbe(url, { connectMs: 2_000, handshakeMs: 2_000 })().catch((e: unknown) => e);
    expect((error as Error).message).toBe(`${url.origin} answered, but not with TLS: is it an http:// address, or the wrong port?`);
  });

  it('probes once per session however many calls race it', async () => {
    let connections = 0;
    const url = await listen(createNetServer((s) => {
      connections++;
      s.destroy();
    }));
    const probe = connectProbe(new URL(url.href.replace('https:', 'http:')), deadlines);
    expect(probe()).toBe(probe());
    await new Promise((ok) => setTimeout(ok, 200));
    expect(connections).toBe(1);
  });
});

describe('withDeadline', () => {
  const hanging = { get: () => new Promise(() => {}) } as unknown as KubeClient;

  it('fails a call when the connect probe fails, before the call deadline', async () => {
    const refused = new KubeApiError(0, 'NetworkError', 'https://10.0.0.1:6443: connect ECONNREFUSED');
    const client = withDeadline(hanging, 60_000, 'https://10.0.0.1:6443', () => Promise.reject(refused));
    await expect(client.get({ group: '', version: 'v1', plural: 'pods', namespaced: true }, 'p', 'ns')).rejects.toBe(refused);
  });

  it('names the server when the call deadline passes', async () => {
    const client = withDeadline(hanging, 50, 'https://127.0.0.1:1234', () => new Promise<never>(() => {}));
    await expect(client.get({ group: '', version: 'v1', plural: 'pods', namespaced: true }, 'p', 'ns')).rejects.toThrow('no answer from https://127.0.0.1:1234 within 0.05 s');
  });
});
