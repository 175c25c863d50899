/**
 * User data that joins an EKS cluster on Amazon Linux 2023: a MIME multipart document whose first
 * part is a nodeadm `NodeConfig` (cluster endpoint, CA, service CIDR, kubelet labels and taints)
 * and whose second part, if any, is the node class's own user data. Pure and deterministic, so
 * the launch template derived from it is reused while nothing changes.
 */
import type { Requirement } from '../../model/requirements.js';
import type { Taint } from '../../model/scheduling-constraints.js';
import type { KubeletConfiguration } from './node-class.js';

export interface ClusterJoin {
  readonly name: string;
  /** `https://…` API server endpoint. */
  readonly endpoint: string;
  /** Base64 PEM of the cluster CA. */
  readonly caBundle: string;
  /** Service CIDR (nodeadm derives the cluster DNS address from it). */
  readonly serviceCidr: string;
  /** Control plane version (`1.33`); needed only to resolve AMI aliases (`al2023@latest`). */
  readonly kubernetesVersion?: string;
}

export const MIME_BOUNDARY = '//';

/**
 * Labels the kubelet may set on itself. NodeRestriction forbids `*.kubernetes.io` / `*.k8s.io`
 * keys except a few; the others are applied by the controller after registration.
 */
export function kubeletSettableLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return true;
  const prefix = key.slice(0, slash);
  if (prefix === 'node.kubernetes.io' || prefix === 'kubelet.kubernetes.io') return true;
  const restricted = prefix === 'kubernetes.io' || prefix.endsWith('.kubernetes.io') || prefix === 'k8s.io' || prefix.endsWith('.k8s.io');
  return !restricted;
}

/**
 * Labels a claim's requirements fix to one value (`In` with a single value, after intersecting
 * every `In` on the key), e.g. `karpenter.sh/capacity-type=on-demand` from a pool that allows only
 * on-demand. They go into the kubelet's labels so pods selecting them can run on the node the
 * moment it registers; values decided at launch (the type's family, say) cannot be known here.
 */
export function labelsPinnedBy(requirements: readonly Requirement[]): Record<string, string> {
  const allowed = new Map<string, Set<string>>();
  for (const r of requirements) {
    if (r.operator !== 'In') continue;
    const values = new Set(r.values ?? []);
    const before = allowed.get(r.key);
    allowed.set(r.key, before ? new Set([...before].filter((v) => values.has(v))) : values);
  }
  const excluded = (key: string, value: string) =>
    requirements.some((r) => r.key === key && (r.operator === 'DoesNotExist' || (r.operator === 'NotIn' && (r.values ?? []).includes(value))));
  const out: Record<string, string> = {};
  for (const [key, values] of allowed) {
    const [only] = values;
    if (values.size === 1 && !excluded(key, only)) out[key] = only;
  }
  return out;
}

function taintFlag(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** Content type of the node class's own part, sniffed the way cloud-init does. */
function partType(userData: string): string {
  const head = userData.trimStart();
  if (head.startsWith('#!')) return 'text/x-shellscript; charset="us-ascii"';
  if (head.startsWith('#cloud-config')) return 'text/cloud-config; charset="us-ascii"';
  if (/^(---\s*\n)?apiVersion:\s*node\.eks\.aws\//.test(head)) return 'application/node.eks.aws';
  return 'text/x-shellscript; charset="us-ascii"';
}

/** The node class's kubelet settings as nodeadm's `kubelet.config` lines (KubeletConfiguration fields). */
function kubeletConfigLines(kubelet: KubeletConfiguration | undefined): string[] {
  if (!kubelet) return [];
  const q = JSON.stringify;
  const lines: string[] = [];
  if (kubelet.maxPods !== undefined) lines.push(`      maxPods: ${kubelet.maxPods}`);
  if (kubelet.podsPerCore !== undefined) lines.push(`      podsPerCore: ${kubelet.podsPerCore}`);
  for (const [field, reserved] of [['systemReserved', kubelet.systemReserved], ['kubeReserved', kubelet.kubeReserved]] as const) {
    if (!reserved || (reserved.cpu === undefined && reserved.memory === undefined)) continue;
    lines.push(`      ${field}:`);
    if (reserved.cpu !== undefined) lines.push(`        cpu: ${q(`${reserved.cpu}m`)}`);
    if (reserved.memory !== undefined) lines.push(`        memory: ${q(String(reserved.memory))}`);
  }
  const eviction = Object.keys(kubelet.evictionHard ?? {}).sort();
  if (eviction.length > 0) {
    lines.push('      evictionHard:');
    for (const signal of eviction) lines.push(`        ${q(signal)}: ${q(kubelet.evictionHard![signal])}`);
  }
  return lines.length > 0 ? ['    config:', ...lines] : [];
}

export function renderUserData(input: {
  cluster: ClusterJoin;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
  extra?: string;
  /** The node class's `spec.kubelet` (absent: the kubelet's defaults, nothing written). */
  kubelet?: KubeletConfiguration;
}): string {
  // JSON strings are valid YAML double-quoted scalars: no escaping bugs with odd label values.
  const q = JSON.stringify;
  const labels = Object.keys(input.labels)
    .filter(kubeletSettableLabel)
    .sort()
    .map((k) => `${k}=${input.labels[k]}`);
  const flags: string[] = [];
  if (labels.length > 0) flags.push(`--node-labels=${labels.join(',')}`);
  if (input.taints.length > 0) flags.push(`--register-with-taints=${input.taints.map(taintFlag).join(',')}`);
  const nodeConfig = [
    '---',
    'apiVersion: node.eks.aws/v1alpha1',
    'kind: NodeConfig',
    'spec:',
    '  cluster:',
    `    name: ${q(input.cluster.name)}`,
    `    apiServerEndpoint: ${q(input.cluster.endpoint)}`,
    `    certificateAuthority: ${q(input.cluster.caBundle)}`,
    `    cidr: ${q(input.cluster.serviceCidr)}`,
    '  kubelet:',
    ...kubeletConfigLines(input.kubelet),
    flags.length > 0 ? '    flags:' : '    flags: []',
    ...flags.map((f) => `      - ${q(f)}`),
  ].join('\n');
  const parts = [`--${MIME_BOUNDARY}\nContent-Type: application/node.eks.aws\n\n${nodeConfig}\n`];
  if (input.extra && input.extra.trim().length > 0) parts.push(`--${MIME_BOUNDARY}\nContent-Type: ${partType(input.extra)}\n\n${input.extra.replace(/\n?$/, '\n')}`);
  return `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"\n\n${parts.join('\n')}\n--${MIME_BOUNDARY}--\n`;
}
