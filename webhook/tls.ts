/**
 * Serving TLS: where the certificate comes from, and swapping it on a running server without
 * dropping connections (`https.Server#setSecureContext`: new handshakes get the new certificate,
 * established connections keep theirs).
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../core/model/clock.js';
import { ensureServingCertificate, inspectCertificate, type CertificateStore, type EnsureCertificateOptions } from '../core/tls/index.js';

/** TLS 1.2 is the floor: older versions are broken and the API server never needs them. */
export const TLS_MIN_VERSION = 'TLSv1.2' as const;

export interface ServingMaterial {
  certPem: string;
  keyPem: string;
  /** The CA that signed certPem, when the source knows it (it goes into the webhook's caBundle). */
  caPem?: string;
}

/** Where the serving certificate comes from. `load` may renew; it rejects when nothing usable exists. */
export interface CertificateSource {
  load(): Promise<ServingMaterial>;
}

/** Certificate files that cannot serve: missing, unreadable, not PEM, or a key of another certificate. */
export class CertificateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateFileError';
  }
}

const READ_FAILURES: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'it is a directory', EACCES: 'permission denied', ENOTDIR: 'a part of the path is not a directory' };

async function readPem(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new CertificateFileError(`cannot read ${path}: ${READ_FAILURES[code] ?? (code || String(error))}`);
  }
}

/**
 * PEM files, e.g. a mounted Secret written by cert-manager (`tls.crt`, `tls.key`). `load` checks
 * them the way the TLS server will use them, so a missing or garbage file is one clear
 * CertificateFileError at start (it was a stack trace from deep in TLS), and a bad one on a
 * reload keeps the current certificate.
 */
export class FileCertificateSource implements CertificateSource {
  constructor(private readonly files: { certFile: string; keyFile: string; caFile?: string }) {}

  async load(): Promise<ServingMaterial> {
    const { certFile, keyFile, caFile } = this.files;
    // All read together, each failure settled, and the first in this order reported: a missing
    // directory names the certificate, not whichever read happened to fail first.
    const reads = await Promise.allSettled([readPem(certFile), readPem(keyFile), caFile ? readPem(caFile) : Promise.resolve(undefined)]);
    const failed = reads.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [certPem, keyPem, caPem] = reads.map((r) => (r as PromiseFulfilledResult<string | undefined>).value) as [string, string, string | undefined];
    try {
      inspectCertificate(certPem);
    } catch {
      throw new CertificateFileError(`${certFile} holds no PEM certificate`);
    }
    try {
      createPrivateKey(keyPem);
    } catch {
      throw new CertificateFileError(`${keyFile} holds no PEM private key`);
    }
    try {
      createSecureContext(secureContextOptions({ certPem, keyPem }));
    } catch (error) {
      throw new CertificateFileError(`${keyFile} is not the key of ${certFile} (${(error as Error).message})`);
    }
    return { certPem, keyPem, caPem };
  }
}

/** A CertificateStore (a Secret) that this source also renews: every replica runs it, one writes. */
export class StoreCertificateSource implements CertificateSource {
  constructor(
    private readonly store: CertificateStore,
    private readonly options: Omit<EnsureCertificateOptions, 'nowMs'>,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<ServingMaterial> {
    const { bundle } = await ensureServingCertificate(this.store, { ...this.options, nowMs: this.clock.now() });
    return { certPem: bundle.certPem, keyPem: bundle.keyPem, caPem: bundle.caCertPem };
  }
}

export function secureContextOptions(material: ServingMaterial): SecureContextOptions {
  return { cert: material.certPem, key: material.keyPem, minVersion: TLS_MIN_VERSION };
}

/** What the reloader swaps the context of: an `https.Server` fits. */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

export interface CertificateReloaderOptions {
  source: CertificateSource;
  logger: FastifyBaseLogger;
  /** Called with each new certificate (e.g. to publish the CA bundle, export expiry as a metric). */
  onChange?: (material: ServingMaterial) => void | Promise<void>;
}

/**
 * Polls the source and installs a changed certificate on the target. Logs serial numbers and
 * expiry, never PEM contents.
 */
export class CertificateReloader {
  private current: ServingMaterial | undefined;
  private target: SecureContextTarget | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CertificateReloaderOptions) {}

  /** Loads the first certificate (rejects when there is none: the server cannot start without one). */
  async initial(): Promise<ServingMaterial> {
    this.current = await this.options.source.load();
    this.describe('serving certificate loaded', this.current);
    await this.options.onChange?.(this.current);
    return this.current;
  }

  attach(target: SecureContextTarget): void {
    this.target = target;
  }

  /** Re-reads the source; returns true when the certificate changed and was installed. Never throws. */
  async refresh(): Promise<boolean> {
    let next: ServingMaterial;
    try {
      next = await this.options.source.load();
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'certificate refresh failed; keeping the current one');
      return false;
    }
    if (this.current && next.certPem === this.current.certPem && next.keyPem === this.current.keyPem) return false;
    try {
      this.target?.setSecureContext(secureContextOptions(next));
    } catch (err) {
      // A key that does not match its certificate, say: keep serving the old, valid one.
      this.options.logger.error({ err: (err as Error).message }, 'new certificate rejected; keeping the current one');
      return false;
    }
    this.current = next;
    this.describe('serving certificate reloaded', next);
    try {
      await this.options.onChange?.(next);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'certificate change hook failed');
    }
    return true;
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private describe(message: string, material: ServingMaterial): void {
    try {
      const info = inspectCertificate(material.certPem);
      this.options.logger.info({ serial: info.serialNumber, notAfter: info.notAfter.toISOString(), dnsNames: info.dnsNames }, message);
    } catch {
      this.options.logger.warn(message + ' (not a readable certificate)');
    }
  }
}
