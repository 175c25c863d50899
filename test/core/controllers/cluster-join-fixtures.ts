/** Valid cluster join settings for tests (a made-up CA; only its shape is checked). */
export const TEST_CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ3Rlc3QtY2EtZm9yLXNtYXJ0c2NhbGUwCgYIKoZIzj0E\nAwIwEjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEw\n-----END CERTIFICATE-----\n';
/** A CA as `aws eks describe-cluster` gives it: the PEM, base64 on one line. */
export const TEST_CA = Buffer.from(TEST_CA_PEM).toString('base64');
export const JOIN_ENV = {
  SMARTSCALE_CLUSTER_NAME: 'demo',
  SMARTSCALE_CLUSTER_ENDPOINT: 'https://ABCD1234.gr7.us-east-1.eks.amazonaws.com',
  SMARTSCALE_CLUSTER_CA: TEST_CA,
  SMARTSCALE_SERVICE_CIDR: '10.100.0.0/16',
};
