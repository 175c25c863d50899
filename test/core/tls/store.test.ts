import { describe, expect, it } from 'vitest';
import {
  ensureServingCertificate,
  inspectCertificate,
  InMemoryCertificateStore,
  isSignedBy,
  type CertificateBundle,
  type CertificateStore,
  type StoredBundle,
} from '../../../core/tls/index.js';

const DAY = 86_400_000;
const t0 = Date.parse('2026-01-01T00:00:00Z');
const base = { dnsNames: ['webhook', 'webhook.ns.svc'], ipAddresses: ['127.0.0.1'], caCommonName: 'test-ca', validityDays: 30, caValidityDays: 365 };

describe('ensureServingCertificate', () => {
  it('issues a CA and a certificate into an empty store, then reuses them', async () => {
    const store = new InMemoryCertificateStore();
    const first = await ensureServingCertificate(store, { ...base, nowMs: t0 });
    expect(first.outcome).toBe('issued-with-new-ca');
    expect(isSignedBy(first.bundle.certPem, first.bundle.caCertPem)).toBe(true);
    const again = await ensureServingCertificate(store, { ...base, nowMs: t0 + DAY });
    expect(again.outcome).toBe('current');
    expect(again.bundle).toEqual(first.bundle);
    expect(store.saves).toBe(1);
  });

  it('renews the serving certificate before expiry and keeps the CA', async () => {
    const store = new InMemoryCertificateStore();
    const first = await ensureServingCertificate(store, { ...base, nowMs: t0 });
    const later = t0 + 25 * DAY; // inside the last third of 30 days
    const renewed = await ensureServingCertificate(store, { ...base, nowMs: later });
    expect(renewed.outcome).toBe('issued');
    expect(renewed.bundle.caCertPem).toBe(first.bundle.caCertPem);
    expect(renewed.bundle.certPem).not.toBe(first.bundle.certPem);
    expect(inspectCertificate(renewed.bundle.certPem).notAfter.getTime()).toBe(later + 30 * DAY);
  });

  it('replaces the CA when it is itself expiring', async () => {
    const store = new InMemoryCertificateStore();
    const first = await ensureServingCertificate(store, { ...base, nowMs: t0 });
    const renewed = await ensureServingCertificate(store, { ...base, nowMs: t0 + 300 * DAY });
    expect(renewed.outcome).toBe('issued-with-new-ca');
    expect(renewed.bundle.caCertPem).not.toBe(first.bundle.caCertPem);
  });

  it('reissues when a wanted name is missing', async () => {
    const store = new InMemoryCertificateStore();
    await ensureServingCertificate(store, { ...base, nowMs: t0 });
    const more = await ensureServingCertificate(store, { ...base, dnsNames: [...base.dnsNames, 'extra'], nowMs: t0 });
    expect(more.outcome).toBe('issued');
    expect(inspectCertificate(more.bundle.certPem).dnsNames).toContain('extra');
  });

  it('replaces garbage in the store', async () => {
    const junk: CertificateBundle = { caCertPem: 'x', caKeyPem: 'x', certPem: 'x', keyPem: 'x' };
    const store = new InMemoryCertificateStore(junk);
    const result = await ensureServingCertificate(store, { ...base, nowMs: t0 });
    expect(result.outcome).toBe('issued-with-new-ca');
  });

  it('adopts what a peer replica stored when it loses the race', async () => {
    const shared = new InMemoryCertificateStore();
    // The peer writes between our load and our save.
    let peerWrote = false;
    const racing: CertificateStore = {
      load: () => shared.load(),
      async save(bundle, version): Promise<boolean> {
        if (!peerWrote) {
          peerWrote = true;
          await ensureServingCertificate(shared, { ...base, nowMs: t0 });
        }
        return shared.save(bundle, version);
      },
    };
    const ours = await ensureServingCertificate(racing, { ...base, nowMs: t0 });
    expect(ours.outcome).toBe('taken-from-peer');
    expect(ours.bundle).toEqual((await shared.load() as StoredBundle).bundle);
    expect(shared.saves).toBe(1);
  });
});
