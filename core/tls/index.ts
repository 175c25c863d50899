/** TLS certificates for smartscale's HTTPS servers (webhook, sandbox API server). */
export {
  CertificateError,
  createCertificateAuthority,
  issueServingCertificate,
  serviceDnsNames,
  type CertificateAuthority,
  type CertificateAuthorityOptions,
  type ServingCertificate,
  type ServingCertificateOptions,
} from './certificates.js';
export { coversNames, inspectCertificate, isSignedBy, needsRenewal, type CertificateInfo, type RenewalPolicy } from './inspect.js';
export {
  ensureServingCertificate,
  InMemoryCertificateStore,
  type CertificateBundle,
  type CertificateStore,
  type EnsureCertificateOptions,
  type EnsuredCertificate,
  type StoredBundle,
} from './store.js';
