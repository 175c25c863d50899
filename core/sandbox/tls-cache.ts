/**
 * The sandbox's serving certificate, kept beside its kubeconfig so a restart reuses it: issuing a
 * CA and a serving certificate (two RSA keys) is most of a cold start. A cached pair is used only
 * while it is valid for a third of its life more, covers the loopback names and was signed by its
 * CA; anything unreadable is ignored and replaced.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { coversNames, createCertificateAuthority, isSignedBy, issueServingCertificate, needsRenewal, type ServingCertificate } from '../tls/index.js';

export const SANDBOX_DNS_NAMES = ['localhost'];
export const SANDBOX_IPS = ['127.0.0.1', '::1'];

export function issueSandboxCertificate(validityDays = 30): ServingCertificate {
  const ca = createCertificateAuthority({ commonName: 'smartscale-sandbox-ca', validityDays });
  return issueServingCertificate(ca, { dnsNames: SANDBOX_DNS_NAMES, ipAddresses: SANDBOX_IPS, validityDays });
}

function usable(c: Partial<ServingCertificate> | undefined, nowMs: number): c is ServingCertificate {
  if (!c || typeof c.certPem !== 'string' || typeof c.keyPem !== 'string' || typeof c.caPem !== 'string') return false;
  try {
    return !needsRenewal(c.certPem, nowMs) && coversNames(c.certPem, SANDBOX_DNS_NAMES, SANDBOX_IPS) && isSignedBy(c.certPem, c.caPem);
  } catch {
    return false;
  }
}

/** The cached certificate at `path` when still good, else a new one (written there, mode 0600). */
export function cachedSandboxCertificate(path: string, nowMs: number): ServingCertificate {
  let cached: Partial<ServingCertificate> | undefined;
  try {
    cached = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    cached = undefined;
  }
  if (usable(cached, nowMs)) return cached;
  const fresh = issueSandboxCertificate();
  try {
    writeFileSync(path, JSON.stringify(fresh), { mode: 0o600 });
  } catch {
    // A read-only directory only costs the next start its speed.
  }
  return fresh;
}
