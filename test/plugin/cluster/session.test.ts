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
import { connectProbe, withDeadline, withKubernetesAnswers } from '../../../plugin/cluster/session.js';

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

const deadlines = { connectMs: 300, handshakeAfterMs: 50, handshakeMs: 300 };
/** The first call of a session, still waiting for its answer. */
const unanswered = () => new Promise<never>(() => {});

describe('connectProbe', () => {
  it('rejects when the server accepts the connection but never answers the handshake', async () => {
    const url = await listen(createNetServer(() => {}));
    const started = Date.now();
    const error = await connectProbe(url, deadlines)(unanswered()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).code).toBe(0);
    expect((error as Error).message).toBe(`${url.origin} accepted the connection but sent no answer within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rejects naming the server when nothing listens', async () => {
    const server = createNetServer();
    const url = await listen(server);
    await new Promise<void>((ok) => server.close(() => ok()));
    const error = await connectProbe(url, deadlines)(unanswered()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`^${url.origin}: connect ECONNREFUSED`));
  });

  it('never settles against a TLS server, whatever its certificate (the real request verifies it)', async () => {
    const ca = createCertificateAuthority({ commonName: 'probe-ca', validityDays: 1 });
    const serving = issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
    const url = await listen(createTlsServer({ key: serving.keyPem, cert: serving.certPem }, (_req, res) => res.end('{}')));
    expect(await within(connectProbe(url, deadlines)(unanswered()), 1_000)).toBe('pending');
  });

  it('rejects when the server answers in plain text (an http:// server behind an https:// address)', async () => {
    const url = await listen(createHttpServer((_req, res) => res.end('hello')));
    const error = await connectProbe(url, { connectMs: 2_000, handshakeAfterMs: 50, handshakeMs: 2_000 })(unanswered()).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`${url.origin} answered, but not with TLS: is it an http:// address, or the wrong port?`);
  });

  it('tries no handshake when the first call is answered in time: a healthy server pays one bare connection', async () => {
    let connections = 0;
    const url = await listen(createNetServer((s) => {
      connections++;
      // Silent: a handshake attempt would time out and reject.
    }));
    const probe = connectProbe(url, deadlines)(Promise.resolve('answered'));
    expect(await within(probe, 800)).toBe('pending');
    expect(connections).toBe(1);
  });

  it('probes once per session however many calls race it', async () => {
    let connections = 0;
    const url = await listen(createNetServer((s) => {
      connections++;
      s.destroy();
    }));
    const probe = connectProbe(new URL(url.href.replace('https:', 'http:')), deadlines);
    const first = unanswered();
    expect(probe(first)).toBe(probe(unanswered()));
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

describe('withKubernetesAnswers', () => {
  const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true } as const;
  const NODECLAIMS = { group: 'smartscale.io', version: 'v1', plural: 'nodeclaims', namespaced: false } as const;
  const notFound = () => Promise.reject(new KubeApiError(404, 'Unknown', 'GET /x: HTTP 404'));

  /** A fake client: `objects` by name (the default namespace among them or not); lists answer `list`. */
  function fake(objects: Record<string, unknown>, list: () => Promise<unknown>): KubeClient & { gets: string[] } {
    const gets: string[] = [];
    return { gets, get: async (_res: unknown, name: string) => (gets.push(name), objects[name]), list } as unknown as KubeClient & { gets: string[] };
  }

  it('passes a real not-found through, asking about the default namespace once', async () => {
    const inner = fake({ default: { kind: 'Namespace', metadata: { name: 'default' } } }, notFound);
    const client = withKubernetesAnswers(inner, 'https://k8s');
    expect(await client.get(DEPLOYMENTS, 'ghost', 'shop')).toBeUndefined();
    expect(await client.get(DEPLOYMENTS, 'ghost2', 'shop')).toBeUndefined();
    // A 404 list (a CRD not installed) stays a 404.
    await expect(client.list(NODECLAIMS)).rejects.toMatchObject({ code: 404 });
    expect(inner.gets).toEqual(['ghost', 'default', 'ghost2']);
  });

  it('turns not-founds into "not a Kubernetes API server" when default is unknown too', async () => {
    const client = withKubernetesAnswers(fake({}, notFound), 'http://web:8080');
    const message = 'http://web:8080 answered, but not as a Kubernetes API server: is that the cluster\'s API server address?';
    await expect(client.get(DEPLOYMENTS, 'web', 'shop')).rejects.toThrow(message);
    await expect(client.list(DEPLOYMENTS, { namespace: 'shop' })).rejects.toThrow(message);
  });

  it('turns a list that is no list into the same error', async () => {
    const ok = { default: { kind: 'Namespace' } };
    await expect(withKubernetesAnswers(fake(ok, async () => ({ html: true })), 's').list(DEPLOYMENTS)).rejects.toMatchObject({ code: 0, reason: 'NotKubernetes' });
    await expect(withKubernetesAnswers(fake(ok, () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'items')"))), 's').list(DEPLOYMENTS)).rejects.toMatchObject({ reason: 'NotKubernetes' });
    expect(await withKubernetesAnswers(fake(ok, async () => ({ items: [] })), 's').list(DEPLOYMENTS)).toEqual({ items: [] });
  });

  it('takes a refused default-namespace read as a real server (RBAC often forbids it)', async () => {
    const inner = { get: async (_r: unknown, name: string) => (name === 'default' ? Promise.reject(new KubeApiError(403, 'Forbidden', 'forbidden')) : undefined), list: notFound } as unknown as KubeClient;
    expect(await withKubernetesAnswers(inner, 's').get(DEPLOYMENTS, 'ghost', 'shop')).toBeUndefined();
  });
});
