/** A real HTTPS webhook on 127.0.0.1: TLS 1.2+, SANs, certificate rotation without dropping connections. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/model/clock.js';
import { createCertificateAuthority, InMemoryCertificateStore, issueServingCertificate, serviceDnsNames } from '../../core/tls/index.js';
import { startWebhook, type RunningWebhook } from '../../webhook/serve.js';
import { FileCertificateSource, StoreCertificateSource } from '../../webhook/tls.js';
import { deployment, optedIn, POLICY, review } from './builders.js';

const DAY = 86_400_000;
const running: RunningWebhook[] = [];
let tmp: string | undefined;

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

interface Answer {
  status: number;
  body: string;
  serial: string;
  reused: boolean;
}

function post(port: number, ca: string, payload: unknown, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(payload);
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: '/mutate', method: 'POST', ca, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        // Read now: a keep-alive socket is handed back to the pool by the end of the response.
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, serial, reused: req.reusedSocket }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function startWithStore(clock: ManualClock, logger = pino({ level: 'silent' }), publishCa?: (ca: string) => Promise<void>) {
  const store = new InMemoryCertificateStore();
  const source = new StoreCertificateSource(
    store,
    { dnsNames: serviceDnsNames('smartscale-webhook', 'smartscale-system'), ipAddresses: ['127.0.0.1'], caCommonName: 'test-ca', validityDays: 30 },
    clock,
  );
  const webhook = await startWebhook({ logger, source, host: '127.0.0.1', port: 0, policy: () => POLICY, clock, publishCa, reloadIntervalMs: 3_600_000 });
  running.push(webhook);
  return { webhook, store };
}

describe('the webhook over TLS on 127.0.0.1', { timeout: 30_000 }, () => {
  it('serves admissions with a certificate that verifies against the stored CA, rotates it without dropping connections', async () => {
    // TLS clients check validity against the real time: issue the first certificate 25 days ago, so
    // that now is inside its renewal window.
    const clock = new ManualClock(Date.now() - 25 * DAY);
    const published: string[] = [];
    const { logger, lines } = captureLogs();
    const { webhook, store } = await startWithStore(clock, logger, async (ca) => void published.push(ca));
    const ca = (await store.load())!.bundle.caCertPem;
    expect(published).toEqual([ca]);
    const port = webhook.address.port;

    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await post(port, ca, review(deployment({ replicas: 5, annotations: optedIn() })), keepAlive);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });

    // Into the renewal window: the next refresh issues a new serving certificate from the same CA.
    clock.set(Date.now());
    expect(await webhook.reloader.refresh()).toBe(true);
    expect(await webhook.reloader.refresh()).toBe(false); // nothing new the second time

    const onOldConnection = await post(port, ca, review(deployment({ replicas: 5 })), keepAlive);
    expect(onOldConnection.status).toBe(200);
    expect(onOldConnection.reused).toBe(true); // the established connection survived the swap
    expect(onOldConnection.serial).toBe(first.serial);

    const fresh = new Agent({ keepAlive: false });
    const onNewConnection = await post(port, ca, review(deployment({ replicas: 5 })), fresh);
    expect(onNewConnection.status).toBe(200);
    expect(onNewConnection.serial).not.toBe(first.serial);
    expect(published).toEqual([ca]); // same CA: nothing to publish again
    keepAlive.destroy();
    fresh.destroy();

    const metrics = await webhook.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/smartscale_webhook_certificate_not_after_seconds \d+/);
    // Logs are JSON and carry no key or certificate material.
    const logs = lines.join('');
    expect(logs).toContain('serving certificate reloaded');
    expect(logs).not.toMatch(/BEGIN|PRIVATE KEY/);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('refuses TLS 1.1 and accepts TLS 1.3', async () => {
    const clock = new ManualClock(Date.now());
    const { webhook, store } = await startWithStore(clock);
    const ca = (await store.load())!.bundle.caCertPem;
    const handshake = (maxVersion: 'TLSv1.1' | 'TLSv1.3') =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: webhook.address.port, ca, maxVersion, minVersion: 'TLSv1' }, () => {
          const version = socket.getProtocol() ?? '';
          socket.end();
          resolve(version);
        });
        socket.on('error', reject);
      });
    await expect(handshake('TLSv1.1')).rejects.toThrow();
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
  });

  it('rejects a client that does not trust the CA', async () => {
    const clock = new ManualClock(Date.now());
    const { webhook } = await startWithStore(clock);
    const other = createCertificateAuthority({ commonName: 'stranger', validityDays: 1 }).certPem;
    await expect(post(webhook.address.port, other, review(deployment()), new Agent())).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('serves a certificate from files and picks up a rewritten file', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'smartscale-webhook-'));
    const ca = createCertificateAuthority({ commonName: 'file-ca', validityDays: 10 });
    const write = async () => {
      const cert = issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 5 });
      await writeFile(join(tmp!, 'tls.crt'), cert.certPem);
      await writeFile(join(tmp!, 'tls.key'), cert.keyPem);
    };
    await write();
    const source = new FileCertificateSource({ certFile: join(tmp, 'tls.crt'), keyFile: join(tmp, 'tls.key') });
    const webhook = await startWebhook({ logger: pino({ level: 'silent' }), source, host: '127.0.0.1', port: 0, policy: () => POLICY });
    running.push(webhook);
    const before = await post(webhook.address.port, ca.certPem, review(deployment()), new Agent());
    expect(before.status).toBe(200);
    await write();
    expect(await webhook.reloader.refresh()).toBe(true);
    const after = await post(webhook.address.port, ca.certPem, review(deployment()), new Agent());
    expect(after.serial).not.toBe(before.serial);
  });

  it('keeps serving the old certificate when the new key does not match', async () => {
    const ca = createCertificateAuthority({ commonName: 'ca', validityDays: 10 });
    const good = issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 5 });
    const other = issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 5 });
    let material = { certPem: good.certPem, keyPem: good.keyPem };
    const webhook = await startWebhook({ logger: pino({ level: 'silent' }), source: { load: async () => material }, host: '127.0.0.1', port: 0, policy: () => POLICY });
    running.push(webhook);
    material = { certPem: other.certPem, keyPem: good.keyPem };
    expect(await webhook.reloader.refresh()).toBe(false);
    expect((await post(webhook.address.port, ca.certPem, review(deployment()), new Agent())).status).toBe(200);
  });
});
