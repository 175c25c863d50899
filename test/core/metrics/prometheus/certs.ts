/**
 * Test certificates made with node-forge: a CA and a serving certificate for 127.0.0.1, valid now
 * unless asked to be expired or to name another host — the TLS failures operators meet.
 */
import forge from 'node-forge';

export interface TestCertificates {
  caPem: string;
  key: string;
  cert: string;
}

export interface CertificateOptions {
  /** The serving certificate's validity ended an hour ago. */
  expired?: boolean;
  /** The name in the serving certificate (default the IP 127.0.0.1). */
  dnsName?: string;
}

export function makeCertificates(options: CertificateOptions = {}): TestCertificates {
  const pki = forge.pki;
  const caKeys = pki.rsa.generateKeyPair(2048);
  const ca = pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = '01';
  ca.validity.notBefore = new Date(Date.now() - 2 * 86_400_000);
  ca.validity.notAfter = new Date(Date.now() + 86_400_000);
  const caName = [{ name: 'commonName', value: 'test CA' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true }]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());
  const keys = pki.rsa.generateKeyPair(2048);
  const cert = pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '02';
  cert.validity.notBefore = ca.validity.notBefore;
  cert.validity.notAfter = options.expired ? new Date(Date.now() - 3_600_000) : ca.validity.notAfter;
  cert.setSubject([{ name: 'commonName', value: options.dnsName ?? '127.0.0.1' }]);
  cert.setIssuer(caName);
  const altName = options.dnsName ? { type: 2, value: options.dnsName } : { type: 7, ip: '127.0.0.1' };
  cert.setExtensions([{ name: 'subjectAltName', altNames: [altName] }]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return { caPem: pki.certificateToPem(ca), key: pki.privateKeyToPem(keys.privateKey), cert: pki.certificateToPem(cert) };
}
