/**
 * Reading certificates back: validity window, names, and whether it is time to renew.
 * Uses Node's native X509Certificate (fast, and independent of the code that built the certificate).
 */
import { X509Certificate } from 'node:crypto';
import { CertificateError } from './certificates.js';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ipAddresses: string[];
  isCa: boolean;
  serialNumber: string;
}

function parse(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new CertificateError(`not a PEM certificate: ${(err as Error).message}`);
  }
}

/** Node renders IPv6 SANs in full form; compare on a canonical spelling. */
function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

export function inspectCertificate(pem: string): CertificateInfo {
  const cert = parse(pem);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const entry of (cert.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) dnsNames.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ipAddresses.push(canonicalIp(entry.slice(11)));
  }
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    dnsNames,
    ipAddresses,
    isCa: cert.ca,
    serialNumber: cert.serialNumber,
  };
}

/** True when `certPem` was signed by the key of `caPem` and names it as issuer. */
export function isSignedBy(certPem: string, caPem: string): boolean {
  const cert = parse(certPem);
  const ca = parse(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

export interface RenewalPolicy {
  /** Renew once less than this fraction of the total lifetime is left (default 1/3). */
  renewBeforeFraction?: number;
  /** …or once less than this many milliseconds are left, whichever comes first. */
  renewBeforeMs?: number;
}

/**
 * Whether a certificate should be replaced at `nowMs`: it is expired, not yet valid, or inside the
 * renewal window. Renewing at two thirds of the lifetime leaves time for every replica to pick the
 * new one up and for a failed renewal to be retried.
 */
export function needsRenewal(pem: string, nowMs: number, policy: RenewalPolicy = {}): boolean {
  const { notBefore, notAfter } = inspectCertificate(pem);
  const start = notBefore.getTime();
  const end = notAfter.getTime();
  if (nowMs < start || nowMs >= end) return true;
  const fraction = policy.renewBeforeFraction ?? 1 / 3;
  const window = Math.max((end - start) * fraction, policy.renewBeforeMs ?? 0);
  return end - nowMs <= window;
}

/** True when the certificate covers every wanted DNS name and IP address. */
export function coversNames(pem: string, dnsNames: readonly string[], ipAddresses: readonly string[] = []): boolean {
  const info = inspectCertificate(pem);
  const dns = new Set(info.dnsNames.map((n) => n.toLowerCase()));
  const ips = new Set(info.ipAddresses);
  return dnsNames.every((n) => dns.has(n.toLowerCase())) && ipAddresses.every((ip) => ips.has(canonicalIp(ip)));
}
