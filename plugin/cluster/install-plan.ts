/**
 * What `install` applies, in order, for a target namespace: the manifests with the namespace set,
 * the cluster ConfigMap (created only when absent, so a re-install keeps the chosen mode), and the
 * webhook's certificate — generated here (CA + serving certificate in the Secret the webhook reads,
 * CA bundle in the MutatingWebhookConfiguration) or, with cert-manager, requested from it.
 * Pure apart from the certificate issuer, which is passed in.
 */
import { createHash } from 'node:crypto';
import { CLUSTER_JOIN_CONFIGMAP, CLUSTER_JOIN_ENV, CLUSTER_JOIN_HINT, readClusterJoin, type ClusterJoinSettings, type ClusterJoinVariable } from '../../core/controllers/cluster-join.js';
import { CLUSTER_CONFIG_NAME, DEFAULT_CLUSTER_MODE, SMARTSCALE_NAMESPACE } from '../../core/model/cluster-config.js';
import type { ManifestDocument, ManifestObject } from './manifests.js';

export interface WebhookCertificate {
  certPem: string;
  keyPem: string;
  caCertPem: string;
  /** Kept so the webhook can renew with the same CA (the Secret format of core/kube/secrets.ts). */
  caKeyPem: string;
}

export interface InstallOptions {
  namespace: string;
  certManager: boolean;
  /** Issues a certificate for the Service DNS names; called only without cert-manager and without `existing`. */
  issue: (dnsNames: string[]) => WebhookCertificate;
  /** A complete certificate already in the cluster's Secret: reused, so a re-install keeps the CA. */
  existing?: WebhookCertificate;
  /** How EC2 nodes join the cluster: written to the ConfigMap smartscale-cluster the controller reads. */
  cluster?: ClusterJoinSettings;
}

export interface PlannedObject {
  object: ManifestObject;
  source: string;
  /**
   * Create it when absent; when it exists only add the `data` keys it lacks, never change a value
   * (the cluster ConfigMap, whose `mode` the user sets; a reused Secret).
   */
  createOnly: boolean;
}

export const DEFAULT_TLS_SECRET = 'smartscale-webhook-tls';
export const DEFAULT_WEBHOOK_SERVICE = 'smartscale-webhook';

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'NodePool', 'EC2NodeClass', 'NodeClaim', 'ClusterIssuer']);

const ORDER = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'Role', 'ClusterRoleBinding', 'RoleBinding', 'ConfigMap', 'Secret', 'Issuer', 'Certificate', 'Service', 'Deployment', 'PodDisruptionBudget', 'MutatingWebhookConfiguration'];

function rank(kind: string): number {
  const i = ORDER.indexOf(kind);
  return i === -1 ? ORDER.length - 1 : i; // unknown kinds just before the webhook configuration
}

/** Replaces the default namespace name in every string (namespace fields, DNS names, selectors, CA-injection refs). */
function renamespace(value: unknown, namespace: string): unknown {
  if (namespace === SMARTSCALE_NAMESPACE) return value;
  if (typeof value === 'string') return value.split(SMARTSCALE_NAMESPACE).join(namespace);
  if (Array.isArray(value)) return value.map((v) => renamespace(v, namespace));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renamespace(v, namespace)]));
  return value;
}

function envValue(deployment: ManifestObject, name: string): string | undefined {
  for (const c of deployment.spec?.template?.spec?.containers ?? []) for (const e of c?.env ?? []) if (e?.name === name && typeof e.value === 'string') return e.value;
  return undefined;
}

/** Whether the manifests run the controller on EC2 (SMARTSCALE_CLOUD aws, or unset: the default). */
export function runsEc2Controller(documents: readonly ManifestDocument[]): boolean {
  return documents.some(({ object }) => {
    if (object.kind !== 'Deployment') return false;
    return (object.spec?.template?.spec?.containers ?? []).some((c: any) => {
      const cloud = (c?.env ?? []).find((e: any) => e?.name === 'SMARTSCALE_CLOUD');
      const isController = [...(c?.command ?? []), ...(c?.args ?? [])].includes('controller');
      return cloud ? cloud.value === 'aws' : isController;
    });
  });
}

/** On the controller's pod template: a hash of the join settings it was started with (install rolls it when they change). */
export const CLUSTER_JOIN_HASH_ANNOTATION = 'smartscale.io/cluster-join-hash';

/** Whether a Deployment's containers take values from the join ConfigMap. */
function readsClusterJoin(deployment: ManifestObject): boolean {
  return (deployment.spec?.template?.spec?.containers ?? []).some(
    (c: any) => (c?.env ?? []).some((e: any) => e?.valueFrom?.configMapKeyRef?.name === CLUSTER_JOIN_CONFIGMAP) || (c?.envFrom ?? []).some((e: any) => e?.configMapRef?.name === CLUSTER_JOIN_CONFIGMAP),
  );
}

/** The install flag of each setting, in the order they are asked for. */
export const CLUSTER_JOIN_FLAGS: Record<ClusterJoinVariable, string> = {
  SMARTSCALE_CLUSTER_NAME: '--cluster-name',
  SMARTSCALE_CLUSTER_ENDPOINT: '--cluster-endpoint',
  SMARTSCALE_CLUSTER_CA: '--cluster-ca',
  SMARTSCALE_SERVICE_CIDR: '--service-cidr',
};

export interface ClusterJoinFlags {
  clusterName?: string;
  clusterEndpoint?: string;
  clusterCa?: string;
  serviceCidr?: string;
}

/**
 * The join settings from install's flags, validated by the rules the controller starts with;
 * undefined when none is given (the caller may reuse the cluster's), an error message when some
 * are missing or invalid.
 */
export function clusterJoinFromFlags(flags: ClusterJoinFlags): { settings?: ClusterJoinSettings; error?: string } {
  const values: Record<ClusterJoinVariable, string | undefined> = {
    SMARTSCALE_CLUSTER_NAME: flags.clusterName,
    SMARTSCALE_CLUSTER_ENDPOINT: flags.clusterEndpoint,
    SMARTSCALE_CLUSTER_CA: flags.clusterCa,
    SMARTSCALE_SERVICE_CIDR: flags.serviceCidr,
  };
  if (Object.values(values).every((v) => v === undefined)) return {};
  const result = readClusterJoin(values);
  if (result.ok) return { settings: result.settings };
  if (result.missing.length > 0) return { error: clusterJoinMissing(result.missing) };
  const [{ variable, problem }] = result.invalid;
  const shown = variable === 'SMARTSCALE_CLUSTER_CA' ? '' : ` ${JSON.stringify(values[variable]?.trim())}`;
  return { error: `${CLUSTER_JOIN_FLAGS[variable]}${shown}: ${problem}` };
}

/** The one-line refusal when settings are missing, saying where the values come from. */
export function clusterJoinMissing(missing: readonly ClusterJoinVariable[]): string {
  const what = missing.map((v) => `${CLUSTER_JOIN_FLAGS[v]} (${CLUSTER_JOIN_ENV[v]})`).join(', ');
  return `the controller launches EC2 nodes, which need to know how to join this cluster: give ${what}; on EKS: ${CLUSTER_JOIN_HINT}`;
}

function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export interface InstallPlan {
  objects: PlannedObject[];
  secretName: string;
  serviceName: string;
  certificate: 'generated' | 'reused' | 'cert-manager';
}

export function planInstall(documents: readonly ManifestDocument[], options: InstallOptions): InstallPlan {
  const { namespace } = options;
  const objects: PlannedObject[] = documents.map((d) => {
    const object = renamespace(structuredClone(d.object), namespace) as ManifestObject;
    if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = namespace;
    // A re-install must not reset the mode (or any setting) the user chose since.
    const createOnly = object.kind === 'ConfigMap' && object.metadata.name === CLUSTER_CONFIG_NAME;
    return { object, source: d.source, createOnly };
  });
  if (!objects.some((o) => o.object.kind === 'Namespace' && o.object.metadata.name === namespace)) {
    objects.push({ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'smartscale' } } }, source: '(generated)', createOnly: false });
  }
  if (!objects.some((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === CLUSTER_CONFIG_NAME)) {
    objects.push({
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CLUSTER_CONFIG_NAME, namespace, labels: { 'app.kubernetes.io/part-of': 'smartscale' } }, data: { mode: DEFAULT_CLUSTER_MODE } },
      source: '(generated)',
      createOnly: true,
    });
  }
  if (options.cluster) {
    const data: Record<ClusterJoinVariable, string> = {
      SMARTSCALE_CLUSTER_NAME: options.cluster.name,
      SMARTSCALE_CLUSTER_ENDPOINT: options.cluster.endpoint,
      SMARTSCALE_CLUSTER_CA: options.cluster.caBundle,
      SMARTSCALE_SERVICE_CIDR: options.cluster.serviceCidr,
    };
    const existing = objects.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === CLUSTER_JOIN_CONFIGMAP);
    // Applied, not create-only: the flags say what the values are now. Keys the user added
    // (SMARTSCALE_INTERRUPTION_QUEUE) are other fields and stay.
    if (existing) existing.object.data = { ...(existing.object.data ?? {}), ...data };
    else objects.push({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CLUSTER_JOIN_CONFIGMAP, namespace, labels: { 'app.kubernetes.io/part-of': 'smartscale' } }, data }, source: '(generated)', createOnly: false });
    // The controller reads these from its environment at start: a pod template that changes with
    // them rolls it when they change (and not when a re-install keeps them).
    const hash = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
    for (const { object } of objects) {
      if (object.kind !== 'Deployment' || !readsClusterJoin(object)) continue;
      const template = (object.spec.template ??= {});
      template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [CLUSTER_JOIN_HASH_ANNOTATION]: hash } };
    }
  }
  const deployment = objects.find((o) => o.object.kind === 'Deployment')?.object;
  const webhookConfig = objects.find((o) => o.object.kind === 'MutatingWebhookConfiguration')?.object;
  const serviceName: string = webhookConfig?.webhooks?.[0]?.clientConfig?.service?.name ?? (deployment && envValue(deployment, 'SMARTSCALE_WEBHOOK_SERVICE')) ?? DEFAULT_WEBHOOK_SERVICE;
  const certManagerSecret = objects.find((o) => o.object.kind === 'Certificate')?.object.spec?.secretName;
  const secretName: string = (deployment && envValue(deployment, 'SMARTSCALE_WEBHOOK_CERT_SECRET')) ?? certManagerSecret ?? DEFAULT_TLS_SECRET;
  let certificate: InstallPlan['certificate'] = 'cert-manager';
  if (!options.certManager) {
    const cert = options.existing ?? options.issue(serviceDnsNames(serviceName, namespace));
    certificate = options.existing ? 'reused' : 'generated';
    objects.push({
      object: {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: secretName, namespace, labels: { 'app.kubernetes.io/part-of': 'smartscale' } },
        data: { 'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem), 'ca.crt': b64(cert.caCertPem), 'ca.key': b64(cert.caKeyPem) },
      },
      source: '(generated)',
      // A reused Secret is already there; applying it again could only race the webhook's renewal.
      createOnly: options.existing !== undefined,
    });
    for (const hook of webhookConfig?.webhooks ?? []) hook.clientConfig = { ...hook.clientConfig, caBundle: b64(cert.caCertPem) };
  }
  objects.sort((a, b) => rank(a.object.kind) - rank(b.object.kind));
  return { objects, secretName, serviceName, certificate };
}
