/**
 * Mounted certificate files (SMARTSCALE_WEBHOOK_CERT_DIR): a missing or garbage directory is one
 * clear line and exit 2 at start, for the webhook process and the controller serving the webhook
 * (both were stack traces, exit 1).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServingCertificate } from '../../core/tls/index.js';
import { CertificateFileError, FileCertificateSource } from '../../webhook/tls.js';
import { repoRoot } from '../support/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ca = createCertificateAuthority({ commonName: 'test-ca', validityDays: 2 });
const one = issueServingCertificate(ca, { dnsNames: ['localhost'], validityDays: 2 });
const other = issueServingCertificate(ca, { dnsNames: ['localhost'], validityDays: 2 });

function certDir(name: string, crt?: string, key?: string): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  if (crt !== undefined) writeFileSync(join(d, 'tls.crt'), crt);
  if (key !== undefined) writeFileSync(join(d, 'tls.key'), key);
  return d;
}

const source = (d: string) => new FileCertificateSource({ certFile: join(d, 'tls.crt'), keyFile: join(d, 'tls.key') });

describe('FileCertificateSource', () => {
  it('loads a certificate and its key', async () => {
    const d = certDir('good', one.certPem, one.keyPem);
    expect(await source(d).load()).toEqual({ certPem: one.certPem, keyPem: one.keyPem, caPem: undefined });
  });

  it.each([
    ['missing directory', () => join(dir, 'nope'), /^cannot read .*nope\/tls\.crt: no such file$/],
    ['missing key', () => certDir('no-key', one.certPem), /^cannot read .*no-key\/tls\.key: no such file$/],
    ['directory where the certificate should be', () => certDir('crt-dir', undefined, one.keyPem) && (mkdirSync(join(dir, 'crt-dir', 'tls.crt')), join(dir, 'crt-dir')), /^cannot read .*crt-dir\/tls\.crt: it is a directory$/],
    ['garbage certificate', () => certDir('garbage', 'garbage\n', 'garbage\n'), /^.*garbage\/tls\.crt holds no PEM certificate$/],
    ['garbage key', () => certDir('garbage-key', one.certPem, 'garbage\n'), /^.*garbage-key\/tls\.key holds no PEM private key$/],
    ['the key of another certificate', () => certDir('mismatch', one.certPem, other.keyPem), /^.*mismatch\/tls\.key is not the key of .*mismatch\/tls\.crt \(.*\)$/],
  ])('refuses a %s with one clear line', async (_what, make, message) => {
    const error = await source(make()).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateFileError);
    expect((error as Error).message).toMatch(message);
  });
});

function run(entry: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, entry), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: tmpdir(), KUBECONFIG: join(tmpdir(), 'smartscale-no-such-kubeconfig'), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function expectOneLine(result: { code: number | null; stderr: string }, prefix: string, message: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trimEnd().split('\n').filter((l) => l.startsWith(prefix));
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('start-up with a bad certificate directory', () => {
  const garbage = certDir('process-garbage', 'garbage\n', 'garbage\n');

  it.each([
    ['missing', join(dir, 'nowhere'), /cannot read .*nowhere\/tls\.crt: no such file$/],
    ['garbage', garbage, /process-garbage\/tls\.crt holds no PEM certificate$/],
  ])('the webhook process: %s', async (_what, certs, message) => {
    const env = { SMARTSCALE_WEBHOOK_CERT_DIR: certs, SMARTSCALE_WATCH_CONFIG: 'false', SMARTSCALE_WATCH_HPAS: 'false', SMARTSCALE_WEBHOOK_PORT: '18443' };
    expectOneLine(await run('webhook/server.ts', [], env), 'smartscale-webhook:', message);
  }, 30_000);

  it.each([
    ['missing', join(dir, 'nowhere'), /cannot read .*nowhere\/tls\.crt: no such file$/],
    ['garbage', garbage, /process-garbage\/tls\.crt holds no PEM certificate$/],
  ])('the controller serving the webhook: %s, before it needs a cluster', async (_what, certs, message) => {
    expectOneLine(await run('core/controllers/main.ts', ['controller', '--cloud', 'simulated'], { SMARTSCALE_WEBHOOK_CERT_DIR: certs }), 'smartscale:', message);
  }, 30_000);
});
