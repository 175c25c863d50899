/**
 * The controller process's cluster join settings, its catalog per cloud and its interruption queue
 * setting (the rest of readProcessConfig: settings.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { builtinCatalogEntries, loadCatalogEntriesSync } from '../../../core/cloud/catalog/index.js';
import { catalogForCloud, kubernetesMinorVersion, ProcessConfigError, readProcessConfig } from '../../../core/controllers/process-config.js';
import { catalogPath } from '../../support/shared.js';
import { JOIN_ENV, TEST_CA, TEST_CA_PEM } from './cluster-join-fixtures.js';

const AWS = JOIN_ENV;
const URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/smartscale-demo';

describe('--identity / POD_NAME', () => {
  it('the flag, else POD_NAME, else hostname-pid', () => {
    expect(readProcessConfig(['--identity', 'ctl-1'], { ...AWS, POD_NAME: 'pod-1' }).identity).toBe('ctl-1');
    expect(readProcessConfig([], { ...AWS, POD_NAME: 'pod-1' }).identity).toBe('pod-1');
    expect(readProcessConfig([], { ...AWS, POD_NAME: undefined }).identity).toMatch(/-\d+$/);
  });

  it('an empty or blank identity is a usage error (two replicas with one would both lead)', () => {
    for (const [argv, env] of [
      [['--identity', ''], AWS],
      [['--identity='], AWS],
      [[], { ...AWS, POD_NAME: '' }],
      [[], { ...AWS, POD_NAME: '   ' }],
    ] as const) {
      expect(() => readProcessConfig(argv, env)).toThrow(ProcessConfigError);
      expect(() => readProcessConfig(argv, env)).toThrow(/--identity \/ POD_NAME is empty/);
    }
  });
});

describe('--interruption-queue / SMARTSCALE_INTERRUPTION_QUEUE', () => {
  it('a queue URL or name, from the flag or the environment (the flag wins); none: not set', () => {
    expect(readProcessConfig([], AWS).interruptionQueue).toBeUndefined();
    expect(readProcessConfig([], { ...AWS, SMARTSCALE_INTERRUPTION_QUEUE: '' }).interruptionQueue).toBeUndefined();
    expect(readProcessConfig([], { ...AWS, SMARTSCALE_INTERRUPTION_QUEUE: URL }).interruptionQueue).toBe(URL);
    expect(readProcessConfig(['--interruption-queue', 'smartscale-demo'], { ...AWS, SMARTSCALE_INTERRUPTION_QUEUE: URL }).interruptionQueue).toBe('smartscale-demo');
  });

  it('refused: not a URL or name, or with the simulated cloud (it has its own queue)', () => {
    expect(() => readProcessConfig(['--interruption-queue=arn:aws:sqs:us-east-1:123456789012:q'], AWS)).toThrow(ProcessConfigError);
    expect(() => readProcessConfig(['--interruption-queue=arn:aws:sqs:us-east-1:123456789012:q'], AWS)).toThrow(/neither an SQS queue URL/);
    expect(() => readProcessConfig(['--cloud', 'simulated', '--interruption-queue', 'q'], {})).toThrow(/is for --cloud aws/);
  });
});

describe('--cloud aws: how nodes join the cluster', () => {
  it('reads the four values (trimmed) and the optional Kubernetes version', () => {
    expect(readProcessConfig([], { ...AWS, SMARTSCALE_CLUSTER_CA: `${TEST_CA}\n` }).cluster).toEqual({ name: 'demo', endpoint: AWS.SMARTSCALE_CLUSTER_ENDPOINT, caBundle: TEST_CA, serviceCidr: '10.100.0.0/16' });
    expect(readProcessConfig([], { ...AWS, SMARTSCALE_KUBERNETES_VERSION: '1.33' }).cluster?.kubernetesVersion).toBe('1.33');
    expect(readProcessConfig([], { ...AWS, SMARTSCALE_KUBERNETES_VERSION: '' }).cluster?.kubernetesVersion).toBeUndefined();
  });

  it('missing or empty values: names them and says where they come from (the ConfigMap in its namespace, install, EKS)', () => {
    const message = () => readProcessConfig([], { ...AWS, SMARTSCALE_CLUSTER_CA: '', SMARTSCALE_SERVICE_CIDR: undefined, POD_NAMESPACE: 'autoscaling' });
    expect(message).toThrow(ProcessConfigError);
    expect(message).toThrow(/^--cloud aws needs SMARTSCALE_CLUSTER_CA, SMARTSCALE_SERVICE_CIDR \(how nodes join the cluster\): set them in ConfigMap autoscaling\/smartscale-cluster/);
    expect(message).toThrow(/kubectl smartscale install --cluster-name/);
    expect(message).toThrow(/aws eks describe-cluster --name NAME/);
  });

  it.each([
    [{ SMARTSCALE_CLUSTER_ENDPOINT: 'http://x.eks.amazonaws.com' }, /^SMARTSCALE_CLUSTER_ENDPOINT="http:\/\/x.eks.amazonaws.com": expected an https:\/\/ URL/],
    [{ SMARTSCALE_CLUSTER_CA: TEST_CA_PEM }, /^SMARTSCALE_CLUSTER_CA: expected the PEM base64-encoded/],
    [{ SMARTSCALE_CLUSTER_CA: 'Q0E=' }, /^SMARTSCALE_CLUSTER_CA: the base64 does not decode to a PEM certificate/],
    [{ SMARTSCALE_SERVICE_CIDR: '10.100.0.1/16' }, /^SMARTSCALE_SERVICE_CIDR="10.100.0.1\/16": .*the network is 10.100.0.0\/16/],
    [{ SMARTSCALE_CLUSTER_NAME: 'my cluster' }, /^SMARTSCALE_CLUSTER_NAME="my cluster": expected an EKS cluster name/],
    [{ SMARTSCALE_KUBERNETES_VERSION: 'v1.33.1' }, /^SMARTSCALE_KUBERNETES_VERSION="v1.33.1": expected the control plane's minor version such as 1.33/],
  ])('refuses %j at start (before the EC2 provider would throw a RangeError)', (bad, message) => {
    expect(() => readProcessConfig([], { ...AWS, ...bad })).toThrow(ProcessConfigError);
    expect(() => readProcessConfig([], { ...AWS, ...bad })).toThrow(message);
  });

  it('the simulated cloud needs none of them', () => {
    expect(readProcessConfig(['--cloud', 'simulated'], {}).cluster).toBeUndefined();
  });
});

describe('the API server version', () => {
  it.each([
    ['v1.33.1-eks-1234567', '1.33'],
    ['v1.30.0', '1.30'],
    ['v1.32', '1.32'],
    ['1.29.3+k3s1', '1.29'],
    ['', undefined],
    ['vX.Y', undefined],
    [undefined, undefined],
  ])('%j → %j', (gitVersion, expected) => {
    expect(kubernetesMinorVersion(gitVersion)).toBe(expected);
  });
});

describe('--catalog per cloud', () => {
  it('simulated: the instance types; aws: the on-demand price of every type the catalog has', () => {
    const entries = loadCatalogEntriesSync(catalogPath());
    const simulated = catalogForCloud('simulated', entries);
    expect('instanceTypes' in simulated && simulated.instanceTypes.map((t) => t.name)).toEqual(entries.map((e) => e.name));
    const aws = catalogForCloud('aws', entries);
    if (!('onDemandPrices' in aws)) throw new Error('expected on-demand prices for aws');
    expect(aws.onDemandPrices.size).toBe(entries.length);
    // A type the built-in table does not price gets the catalog's price.
    const beyond = entries.find((e) => !builtinCatalogEntries().some((b) => b.name === e.name))!;
    expect(aws.onDemandPrices.get(beyond.name)).toBe(beyond.onDemandUsdPerHour);
  });
});
