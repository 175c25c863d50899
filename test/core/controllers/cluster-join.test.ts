/** How EC2 nodes join the cluster: the values the controller starts with and install accepts. */
import { describe, expect, it } from 'vitest';
import { JOIN_ENV, TEST_CA, TEST_CA_PEM } from './cluster-join-fixtures.js';
import { caBundleProblem, clusterNameProblem, endpointProblem, readClusterJoin, serviceCidrProblem } from '../../../core/controllers/cluster-join.js';

describe('each value', () => {
  it.each([
    ['demo', true],
    ['prod_eu-1', true],
    ['a'.repeat(100), true],
    ['a'.repeat(101), false],
    ['-demo', false],
    ['my cluster', false],
  ])('cluster name %j valid: %s', (value, valid) => {
    expect(clusterNameProblem(value) === undefined).toBe(valid);
  });

  it.each([
    ['https://ABCD1234.gr7.us-east-1.eks.amazonaws.com', undefined],
    ['https://10.0.0.1:6443', undefined],
    ['https://api.example.com/', undefined],
    ['http://ABCD1234.gr7.us-east-1.eks.amazonaws.com', /expected an https:\/\/ URL, got http:\/\//],
    ['ABCD1234.gr7.us-east-1.eks.amazonaws.com', /expected an https:\/\/ URL such as/],
    ['https://api.example.com/k8s', /bare API server URL/],
    ['https://user:pw@api.example.com', /bare API server URL/],
  ])('endpoint %j', (value, problem) => {
    if (problem === undefined) expect(endpointProblem(value)).toBeUndefined();
    else expect(endpointProblem(value)).toMatch(problem);
  });

  it.each([
    [TEST_CA, undefined],
    [`${TEST_CA.slice(0, 40)}\n${TEST_CA.slice(40)}`, undefined],
    [TEST_CA_PEM, /not the PEM itself: base64 -w0 ca.pem/],
    ['not base64!', /expected base64/],
    [Buffer.from('hello').toString('base64'), /does not decode to a PEM certificate/],
    [Buffer.from('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n').toString('base64'), /does not decode to a PEM certificate/],
  ])('CA %#', (value, problem) => {
    if (problem === undefined) expect(caBundleProblem(value)).toBeUndefined();
    else expect(caBundleProblem(value)).toMatch(problem);
  });

  it.each([
    ['10.100.0.0/16', undefined],
    ['172.20.0.0/16', undefined],
    ['192.168.128.0/17', undefined],
    ['fd00:ab:cd::/108', undefined],
    ['10.100.0.1/16', /has host bits set; the network is 10\.100\.0\.0\/16/],
    ['192.168.200.0/17', /the network is 192\.168\.128\.0\/17/],
    ['10.100.0.0', /expected a CIDR such as 10\.100\.0\.0\/16/],
    ['10.100.0.0/33', /expected a CIDR/],
    ['300.1.0.0/16', /expected a CIDR/],
    ['fd00::/129', /at most 128/],
  ])('service CIDR %j', (value, problem) => {
    if (problem === undefined) expect(serviceCidrProblem(value)).toBeUndefined();
    else expect(serviceCidrProblem(value)).toMatch(problem);
  });
});

describe('readClusterJoin', () => {
  it('reads the four values, trimmed (a ConfigMap `|` block ends in a newline), the CA without line breaks', () => {
    const result = readClusterJoin({ ...JOIN_ENV, SMARTSCALE_CLUSTER_NAME: ' demo\n', SMARTSCALE_CLUSTER_CA: `${TEST_CA.slice(0, 30)}\n${TEST_CA.slice(30)}\n` });
    expect(result).toEqual({ ok: true, settings: { name: 'demo', endpoint: JOIN_ENV.SMARTSCALE_CLUSTER_ENDPOINT, caBundle: TEST_CA, serviceCidr: '10.100.0.0/16' } });
  });

  it('lists missing (absent or blank) and invalid values apart', () => {
    expect(readClusterJoin({ ...JOIN_ENV, SMARTSCALE_CLUSTER_NAME: undefined, SMARTSCALE_SERVICE_CIDR: '  ', SMARTSCALE_CLUSTER_ENDPOINT: 'http://x' })).toEqual({
      ok: false,
      missing: ['SMARTSCALE_CLUSTER_NAME', 'SMARTSCALE_SERVICE_CIDR'],
      invalid: [{ variable: 'SMARTSCALE_CLUSTER_ENDPOINT', problem: expect.stringContaining('https://') }],
    });
  });
});
