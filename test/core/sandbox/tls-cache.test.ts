import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedSandboxCertificate } from '../../../core/sandbox/tls-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'sandbox-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sandbox certificate cache', () => {
  it('issues and stores a certificate (0600), then reuses it while it is valid', () => {
    const path = join(dir, 'tls.json');
    const first = cachedSandboxCertificate(path, Date.now());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = cachedSandboxCertificate(path, Date.now());
    expect(second.certPem).toBe(first.certPem);
    // Near the end of its life it is replaced.
    const later = cachedSandboxCertificate(path, Date.now() + 25 * 86_400_000);
    expect(later.certPem).not.toBe(first.certPem);
  });

  it('replaces an unreadable or tampered cache', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{not json');
    const fresh = cachedSandboxCertificate(path, Date.now());
    expect(JSON.parse(readFileSync(path, 'utf8')).certPem).toBe(fresh.certPem);
    const other = cachedSandboxCertificate(join(dir, 'other.json'), Date.now());
    writeFileSync(path, JSON.stringify({ ...fresh, caPem: other.caPem }));
    expect(cachedSandboxCertificate(path, Date.now()).certPem).not.toBe(fresh.certPem);
  });
});
