/**
 * How EC2 nodes join the cluster — what nodeadm's `NodeConfig` needs (`spec.cluster`: name,
 * apiServerEndpoint, certificateAuthority, cidr) — as the controller's environment carries it and
 * `kubectl smartscale install` fills it. Pure: the controller (process-config.ts) and the plugin
 * validate with the same rules, so a value the install accepts is one the controller starts with.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The ConfigMap the controller's Deployment reads these from (manifests/controller/cluster.yaml). */
export const CLUSTER_JOIN_CONFIGMAP = 'smartscale-cluster';

/** Environment variable (and ConfigMap key) → what it is, for messages. */
export const CLUSTER_JOIN_ENV = {
  SMARTSCALE_CLUSTER_NAME: 'the EKS cluster name',
  SMARTSCALE_CLUSTER_ENDPOINT: "the API server's https:// endpoint",
  SMARTSCALE_CLUSTER_CA: 'the cluster CA, base64 PEM',
  SMARTSCALE_SERVICE_CIDR: 'the service CIDR',
} as const;

export type ClusterJoinVariable = keyof typeof CLUSTER_JOIN_ENV;
export const CLUSTER_JOIN_VARIABLES = Object.keys(CLUSTER_JOIN_ENV) as ClusterJoinVariable[];

/** Where a newcomer finds the four values on EKS (one command). */
export const CLUSTER_JOIN_HINT =
  "aws eks describe-cluster --name NAME --query 'cluster.{endpoint: endpoint, ca: certificateAuthority.data, serviceCidr: kubernetesNetworkConfig.serviceIpv4Cidr}'";

export interface ClusterJoinSettings {
  name: string;
  endpoint: string;
  caBundle: string;
  serviceCidr: string;
}

/** Why `value` is not an EKS cluster name, or undefined when it is one. */
export function clusterNameProblem(value: string): string | undefined {
  return /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(value) ? undefined : 'expected an EKS cluster name (1–100 letters, digits, - and _, starting with a letter or digit)';
}

export function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an https:// URL such as https://ABCD1234.gr7.us-east-1.eks.amazonaws.com';
  }
  if (url.protocol !== 'https:') return `expected an https:// URL, got ${url.protocol.replace(':', '')}://`;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return 'expected the bare API server URL (no path, query or credentials)';
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The CA as EKS gives it (`certificateAuthority.data`): one base64 string of a PEM certificate. */
export function caBundleProblem(value: string): string | undefined {
  if (value.includes('-----BEGIN')) return 'expected the PEM base64-encoded (as `certificateAuthority.data` is), not the PEM itself: base64 -w0 ca.pem';
  const compact = value.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return 'expected base64 (as `certificateAuthority.data` is)';
  const pem = Buffer.from(compact, 'base64').toString('utf8');
  const body = /-----BEGIN CERTIFICATE-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----/.exec(pem);
  if (!body || body[1].replace(/\s+/g, '').length === 0) return 'the base64 does not decode to a PEM certificate (-----BEGIN CERTIFICATE----- …)';
  return undefined;
}

/** A service CIDR: IPv4 with the host bits zero (10.100.0.0/16, 172.20.0.0/16), or IPv6 (EKS IPv6 clusters). */
export function serviceCidrProblem(value: string): string | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const example = 'expected a CIDR such as 10.100.0.0/16';
  if (!match) return example;
  const [, address, prefixText] = match;
  const prefix = Number(prefixText);
  if (isIPv6(address)) return prefix <= 128 ? undefined : `${example} (an IPv6 prefix is at most 128)`;
  if (!isIPv4(address) || prefix > 32) return example;
  const bits = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const hostBits = 2 ** (32 - prefix);
  if (bits % hostBits !== 0) {
    const network = Math.floor(bits / hostBits) * hostBits;
    const text = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return `${value} has host bits set; the network is ${text}/${prefix}`;
  }
  return undefined;
}

const CHECKS: Record<ClusterJoinVariable, (value: string) => string | undefined> = {
  SMARTSCALE_CLUSTER_NAME: clusterNameProblem,
  SMARTSCALE_CLUSTER_ENDPOINT: endpointProblem,
  SMARTSCALE_CLUSTER_CA: caBundleProblem,
  SMARTSCALE_SERVICE_CIDR: serviceCidrProblem,
};

export type ClusterJoinResult = { ok: true; settings: ClusterJoinSettings } | { ok: false; missing: ClusterJoinVariable[]; invalid: Array<{ variable: ClusterJoinVariable; problem: string }> };

/**
 * Reads and validates the four values (surrounding whitespace dropped: a ConfigMap edited with a
 * `|` block ends in a newline). Missing or empty values and invalid ones are listed separately so
 * each caller can say where to set them.
 */
export function readClusterJoin(values: Partial<Record<ClusterJoinVariable, string | undefined>>): ClusterJoinResult {
  const missing: ClusterJoinVariable[] = [];
  const invalid: Array<{ variable: ClusterJoinVariable; problem: string }> = [];
  const read = {} as Record<ClusterJoinVariable, string>;
  for (const variable of CLUSTER_JOIN_VARIABLES) {
    const value = values[variable]?.trim() ?? '';
    if (value === '') {
      missing.push(variable);
      continue;
    }
    const problem = CHECKS[variable](value);
    if (problem) invalid.push({ variable, problem });
    read[variable] = value;
  }
  if (missing.length > 0 || invalid.length > 0) return { ok: false, missing, invalid };
  return {
    ok: true,
    settings: { name: read.SMARTSCALE_CLUSTER_NAME, endpoint: read.SMARTSCALE_CLUSTER_ENDPOINT, caBundle: read.SMARTSCALE_CLUSTER_CA.replace(/\s+/g, ''), serviceCidr: read.SMARTSCALE_SERVICE_CIDR },
  };
}
