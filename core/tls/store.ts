/**
 * Where the CA and serving certificate live, so every replica of a server serves the same one,
 * and the renewal that keeps them valid.
 */
import { CertificateError, createCertificateAuthority, issueServingCertificate } from './certificates.js';
import { coversNames, isSignedBy, needsRenewal, type RenewalPolicy } from './inspect.js';

/** Everything a replica needs to serve TLS and to renew: PEM strings. All of it is secret material. */
export interface CertificateBundle {
  caCertPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

export interface StoredBundle {
  bundle: CertificateBundle;
  /** Opaque version for compare-and-swap (a Secret's resourceVersion). */
  version: string;
}

/**
 * Storage for one certificate bundle.
 * - `load` returns the stored bundle, or `undefined` when there is none yet. A stored object that is
 *   incomplete is reported as `undefined` too (it will be replaced).
 * - `save` is a compare-and-swap: it writes only when the stored version is still `expectedVersion`
 *   (`undefined`: nothing may be stored yet) and returns `false` when another writer got there first.
 *   Other failures (network, permissions) throw.
 */
export interface CertificateStore {
  load(): Promise<StoredBundle | undefined>;
  save(bundle: CertificateBundle, expectedVersion: string | undefined): Promise<boolean>;
}

/** A store in memory: for tests, the sandbox, and a single replica without a cluster. */
export class InMemoryCertificateStore implements CertificateStore {
  private stored: StoredBundle | undefined;
  private counter = 0;
  /** Number of successful saves, for tests. */
  saves = 0;

  constructor(initial?: CertificateBundle) {
    if (initial) this.stored = { bundle: { ...initial }, version: String(++this.counter) };
  }

  async load(): Promise<StoredBundle | undefined> {
    return this.stored && { bundle: { ...this.stored.bundle }, version: this.stored.version };
  }

  async save(bundle: CertificateBundle, expectedVersion: string | undefined): Promise<boolean> {
    if (this.stored?.version !== expectedVersion) return false;
    this.stored = { bundle: { ...bundle }, version: String(++this.counter) };
    this.saves++;
    return true;
  }
}

export interface EnsureCertificateOptions {
  dnsNames: string[];
  ipAddresses?: string[];
  caCommonName: string;
  /** Lifetime of a new CA (default 3650 days). */
  caValidityDays?: number;
  /** Lifetime of a new serving certificate (default 365 days). */
  validityDays?: number;
  renewal?: RenewalPolicy;
  /** Current time in milliseconds since the epoch. */
  nowMs: number;
}

export interface EnsuredCertificate {
  bundle: CertificateBundle;
  /** What happened: the stored bundle was good, or a new serving certificate (and maybe CA) was issued. */
  outcome: 'current' | 'issued' | 'issued-with-new-ca' | 'taken-from-peer';
}

function usableCa(bundle: CertificateBundle, opts: EnsureCertificateOptions): boolean {
  try {
    return !needsRenewal(bundle.caCertPem, opts.nowMs, opts.renewal);
  } catch {
    return false;
  }
}

function usableServing(bundle: CertificateBundle, opts: EnsureCertificateOptions): boolean {
  try {
    return (
      isSignedBy(bundle.certPem, bundle.caCertPem) &&
      coversNames(bundle.certPem, opts.dnsNames, opts.ipAddresses ?? []) &&
      !needsRenewal(bundle.certPem, opts.nowMs, opts.renewal)
    );
  } catch {
    return false;
  }
}

/**
 * Returns a valid bundle from the store, issuing (and storing) a new serving certificate when the
 * stored one is missing, expiring, signed by another CA or lacks a wanted name; the CA is kept
 * unless it is itself expiring, so the `caBundle` clients trust rarely changes.
 * Safe to run on every replica at once: the compare-and-swap lets one writer win and the others
 * adopt its bundle.
 */
export async function ensureServingCertificate(store: CertificateStore, opts: EnsureCertificateOptions): Promise<EnsuredCertificate> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = await store.load();
    if (stored && usableCa(stored.bundle, opts) && usableServing(stored.bundle, opts)) {
      return { bundle: stored.bundle, outcome: attempt === 0 ? 'current' : 'taken-from-peer' };
    }
    const now = new Date(opts.nowMs);
    const keepCa = stored !== undefined && usableCa(stored.bundle, opts);
    const ca = keepCa
      ? { certPem: stored.bundle.caCertPem, keyPem: stored.bundle.caKeyPem }
      : createCertificateAuthority({ commonName: opts.caCommonName, validityDays: opts.caValidityDays ?? 3650, now });
    const serving = issueServingCertificate(ca, {
      dnsNames: opts.dnsNames,
      ipAddresses: opts.ipAddresses,
      validityDays: opts.validityDays ?? 365,
      now,
    });
    const bundle: CertificateBundle = { caCertPem: ca.certPem, caKeyPem: ca.keyPem, certPem: serving.certPem, keyPem: serving.keyPem };
    if (await store.save(bundle, stored?.version)) return { bundle, outcome: keepCa ? 'issued' : 'issued-with-new-ca' };
    // Another replica wrote first: loop and adopt (or re-check) what it stored.
  }
  throw new CertificateError('could not store a certificate: the store kept changing under us');
}
