/**
 * The standalone webhook process (`webhook/server.ts`, what the shipped manifests run) records an
 * `InvalidAnnotation` Event about an admitted Deployment with a bad smartscale annotation, in the
 * Deployment's namespace — before, only the controller's in-process webhook did, so the default
 * install never told users. Run as a real process against the sandbox API server, over TLS on
 * loopback, with mounted certificate files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Refs } from '../../core/kube/refs.js';
import { startSandbox, type Sandbox } from '../../core/sandbox/sandbox.js';
import { createCertificateAuthority, issueServingCertificate } from '../../core/tls/index.js';
import { repoRoot } from '../support/shared.js';
import { deployment, optedIn, review } from './builders.js';
import { freePort } from '../support/net.js';

const dir = mkdtempSync(join(tmpdir(), 'server-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let sandbox: Sandbox | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  const running = child;
  child = undefined;
  if (running && running.exitCode === null) {
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }
  await sandbox?.stop();
  sandbox = undefined;
});


function post(port: number, ca: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, path: '/mutate', method: 'POST', ca, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the standalone webhook process', () => {
  it('records an InvalidAnnotation Event about an admitted Deployment, in its namespace', async () => {
    sandbox = await startSandbox({ controlPlane: false, kubeconfigPath: join(dir, 'kubeconfig') });
    await sandbox.client.create({ group: '', version: 'v1', plural: 'namespaces', namespaced: false }, { metadata: { name: 'shop' } });
    const ca = createCertificateAuthority({ commonName: 'test-ca', validityDays: 2 });
    const serving = issueServingCertificate(ca, { dnsNames: ['localhost'], validityDays: 2 });
    const certs = join(dir, 'certs');
    mkdirSync(certs, { recursive: true });
    writeFileSync(join(certs, 'tls.crt'), serving.certPem);
    writeFileSync(join(certs, 'tls.key'), serving.keyPem);
    const port = await freePort();
    // One process (tsx as a loader, not its launcher, which would leave the server behind when killed).
    child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'webhook/server.ts')], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: tmpdir(), KUBECONFIG: join(dir, 'kubeconfig'), SMARTSCALE_WEBHOOK_CERT_DIR: certs, SMARTSCALE_WATCH_CONFIG: 'false', SMARTSCALE_WATCH_HPAS: 'false', SMARTSCALE_WEBHOOK_HOST: '127.0.0.1', SMARTSCALE_WEBHOOK_PORT: String(port), LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });

    const object = deployment({ name: 'checkout', namespace: 'shop', annotations: optedIn({ 'smartscale.io/min-replicas': '-3' }) });
    const answer = await until('the webhook answers', async () => {
      const r = await post(port, ca.certPem, review(object));
      return r.status === 200 ? r : undefined;
    });
    expect(answer.body.response.allowed).toBe(true);
    expect(answer.body.response.warnings.join('\n')).toMatch(/min-replicas/);
    const events = await until('the Event', async () => {
      const items = (await sandbox!.client.list(Refs.events, { namespace: 'shop' })).items.filter((e) => e.reason === 'InvalidAnnotation');
      return items.length > 0 ? items : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Deployment', name: 'checkout', namespace: 'shop' } });
    expect(events[0].message).toMatch(/min-replicas/);
  }, 60_000);
});
