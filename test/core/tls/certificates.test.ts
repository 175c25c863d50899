import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import {
  CertificateError,
  coversNames,
  createCertificateAuthority,
  inspectCertificate,
  isSignedBy,
  issueServingCertificate,
  needsRenewal,
  serviceDnsNames,
} from '../../../core/tls/index.js';

const DAY = 86_400_000;
const now = new Date('2026-01-01T00:00:00Z');

describe('certificate authority and serving certificate', () => {
  const ca = createCertificateAuthority({ commonName: 'smartscale-ca', validityDays: 3650, now });
  const serving = issueServingCertificate(ca, {
    dnsNames: serviceDnsNames('smartscale-webhook', 'smartscale-system'),
    ipAddresses: ['127.0.0.1', '::1'],
    validityDays: 365,
    now,
  });

  it('makes a CA that is self-signed and may sign certificates', () => {
    const info = inspectCertificate(ca.certPem);
    expect(info.isCa).toBe(true);
    expect(info.subject).toContain('CN=smartscale-ca');
    expect(isSignedBy(ca.certPem, ca.certPem)).toBe(true);
    expect(ca.keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it('names the Service four ways plus the IPs in the SANs', () => {
    const info = inspectCertificate(serving.certPem);
    expect(info.dnsNames).toEqual([
      'smartscale-webhook',
      'smartscale-webhook.smartscale-system',
      'smartscale-webhook.smartscale-system.svc',
      'smartscale-webhook.smartscale-system.svc.cluster.local',
    ]);
    expect(info.ipAddresses).toEqual(['127.0.0.1', '0:0:0:0:0:0:0:1']);
    expect(info.isCa).toBe(false);
    const x509 = new X509Certificate(serving.certPem);
    expect(x509.checkHost('smartscale-webhook.smartscale-system.svc')).toBe('smartscale-webhook.smartscale-system.svc');
    expect(x509.checkHost('other.smartscale-system.svc')).toBeUndefined();
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
  });

  it('has the requested validity, backdated five minutes for clock skew', () => {
    const info = inspectCertificate(serving.certPem);
    expect(info.notBefore.getTime()).toBe(now.getTime() - 5 * 60_000);
    expect(info.notAfter.getTime()).toBe(now.getTime() + 365 * DAY);
  });

  it('forms a chain that verifies against the CA and not against another CA', () => {
    expect(serving.caPem).toBe(ca.certPem);
    expect(isSignedBy(serving.certPem, ca.certPem)).toBe(true);
    const other = createCertificateAuthority({ commonName: 'other', validityDays: 10, now });
    expect(isSignedBy(serving.certPem, other.certPem)).toBe(false);
    // An independent verifier (forge's chain check) agrees.
    const caStore = forge.pki.createCaStore([ca.certPem]);
    const chain = [forge.pki.certificateFromPem(serving.certPem)];
    expect(forge.pki.verifyCertificateChain(caStore, chain, { validityCheckDate: new Date(now.getTime() + DAY) })).toBe(true);
  });

  it('pairs the key with the certificate', () => {
    const x509 = new X509Certificate(serving.certPem);
    expect(x509.checkPrivateKey(createPrivateKey(serving.keyPem))).toBe(true);
  });

  it('never outlives its CA', () => {
    const shortCa = createCertificateAuthority({ commonName: 'short', validityDays: 30, now });
    const cert = issueServingCertificate(shortCa, { dnsNames: ['a'], validityDays: 365, now });
    expect(inspectCertificate(cert.certPem).notAfter.getTime()).toBe(now.getTime() + 30 * DAY);
  });

  it.each([
    [{ dnsNames: [], validityDays: 1 }, /at least one/],
    [{ dnsNames: ['bad name'], validityDays: 1 }, /invalid DNS name/],
    [{ dnsNames: ['a'], ipAddresses: ['300.1.1.1'], validityDays: 1 }, /invalid IP/],
    [{ dnsNames: ['a'], validityDays: 0 }, /validityDays/],
    [{ dnsNames: ['a'], validityDays: Number.NaN }, /validityDays/],
  ])('rejects bad options %#', (options, message) => {
    expect(() => issueServingCertificate(ca, options)).toThrow(message);
  });

  it('rejects a CA that is not PEM', () => {
    expect(() => issueServingCertificate({ certPem: 'nope', keyPem: 'nope' }, { dnsNames: ['a'], validityDays: 1 })).toThrow(CertificateError);
  });
});

describe('renewal checks', () => {
  const ca = createCertificateAuthority({ commonName: 'ca', validityDays: 90, now });
  const cert = issueServingCertificate(ca, { dnsNames: ['svc'], validityDays: 90, now }).certPem;

  it.each([
    ['fresh', 1, false],
    ['at half its life', 45, false],
    ['inside the last third', 61, true],
    ['expired', 91, true],
    ['not yet valid', -1, true],
  ])('%s → renew=%s', (_label, days, expected) => {
    expect(needsRenewal(cert, now.getTime() + days * DAY)).toBe(expected);
  });

  it('honours an absolute renewal window', () => {
    expect(needsRenewal(cert, now.getTime() + 10 * DAY, { renewBeforeMs: 85 * DAY })).toBe(true);
  });

  it('checks names', () => {
    expect(coversNames(cert, ['svc'])).toBe(true);
    expect(coversNames(cert, ['svc', 'svc.ns'])).toBe(false);
    expect(coversNames(cert, ['svc'], ['127.0.0.1'])).toBe(false);
  });
});
