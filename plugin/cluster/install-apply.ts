/**
 * Applying an install plan: every kind is mapped to its API resource (no discovery round trip),
 * the cluster is checked to serve all of them before anything is written, then each object is
 * server-side applied (field manager kubectl-smartscale, forced: install owns these fields) in
 * plan order; create-only objects are skipped when they exist.
 */
import type { KubeClient, ResourceRef } from '../../core/kube/client.js';
import { classifyKubeError } from '../../core/kube/errors.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { attempt } from './failures.js';
import type { WebhookCertificate, PlannedObject } from './install-plan.js';
import type { ManifestObject } from './manifests.js';

const KINDS: Record<string, { plural: string; namespaced: boolean }> = {
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'v1/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/Service': { plural: 'services', namespaced: true },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'policy/v1/PodDisruptionBudget': { plural: 'poddisruptionbudgets', namespaced: true },
  'coordination.k8s.io/v1/Lease': { plural: 'leases', namespaced: true },
  'rbac.authorization.k8s.io/v1/ClusterRole': { plural: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { plural: 'clusterrolebindings', namespaced: false },
  'rbac.authorization.k8s.io/v1/Role': { plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': { plural: 'rolebindings', namespaced: true },
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': { plural: 'mutatingwebhookconfigurations', namespaced: false },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': { plural: 'customresourcedefinitions', namespaced: false },
  'cert-manager.io/v1/Issuer': { plural: 'issuers', namespaced: true },
  'cert-manager.io/v1/Certificate': { plural: 'certificates', namespaced: true },
  'smartscale.io/v1/NodePool': { plural: 'nodepools', namespaced: false },
  'smartscale.io/v1/EC2NodeClass': { plural: 'ec2nodeclasses', namespaced: false },
};

export function resourceFor(object: ManifestObject): ResourceRef {
  const known = KINDS[`${object.apiVersion}/${object.kind}`];
  if (!known) throw new CliError(`${object.apiVersion} ${object.kind} ${object.metadata.name}: install does not know this kind`, ExitCode.usage);
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return { group, version, plural: known.plural, namespaced: known.namespaced };
}

function describe(o: ManifestObject): string {
  const kind = o.kind.toLowerCase();
  const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
  return `${kind}${group}/${o.metadata.name}`;
}

/** The complete certificate in the webhook's Secret, if there is one. */
export async function readExistingCertificate(client: KubeClient, namespace: string, secretName: string): Promise<WebhookCertificate | undefined> {
  const secret = await attempt(`read Secret ${namespace}/${secretName}`, () => client.get({ group: '', version: 'v1', plural: 'secrets', namespaced: true }, secretName, namespace));
  const d = secret?.data ?? {};
  const text = (k: string) => (typeof d[k] === 'string' ? Buffer.from(d[k], 'base64').toString('utf8') : '');
  const cert = { certPem: text('tls.crt'), keyPem: text('tls.key'), caCertPem: text('ca.crt'), caKeyPem: text('ca.key') };
  return cert.certPem && cert.keyPem && cert.caCertPem && cert.caKeyPem ? cert : undefined;
}

/** Fails before writing anything when the cluster does not serve a kind the plan needs. */
export async function checkServed(client: KubeClient, objects: readonly PlannedObject[]): Promise<void> {
  const checked = new Set<string>();
  const missing: string[] = [];
  for (const { object } of objects) {
    const ref = resourceFor(object);
    const key = `${ref.group}/${ref.version}/${ref.plural}`;
    if (checked.has(key)) continue;
    checked.add(key);
    try {
      // Across namespaces: the target namespace may not exist yet.
      await client.list(ref, { labelSelector: 'app.kubernetes.io/part-of=smartscale' });
    } catch (error) {
      const failure = classifyKubeError(error);
      if (failure.kind === 'notFound') missing.push(`${object.apiVersion} ${object.kind}`);
      else await attempt(`list ${ref.plural}`, () => Promise.reject(error));
    }
  }
  if (missing.length > 0) throw new CliError(`the cluster does not serve ${missing.join(', ')}; nothing was applied${missing.some((m) => m.startsWith('cert-manager')) ? ' (is cert-manager installed?)' : ''}`, ExitCode.internal);
}

export interface AppliedObject {
  object: string;
  /** kept: it existed and lacked nothing; completed: it existed and missing data keys were added. */
  action: 'applied' | 'kept' | 'completed';
  /** Data keys added to an existing create-only object. */
  addedKeys?: string[];
}

export async function applyPlan(client: KubeClient, objects: readonly PlannedObject[], onApplied: (a: AppliedObject) => void = () => undefined): Promise<AppliedObject[]> {
  await checkServed(client, objects);
  const results: AppliedObject[] = [];
  for (const { object, createOnly } of objects) {
    const ref = resourceFor(object);
    const ns = ref.namespaced ? object.metadata.namespace : undefined;
    const name = describe(object);
    const existing = createOnly ? await attempt(`get ${name}`, () => client.get(ref, object.metadata.name, ns)) : undefined;
    let result: AppliedObject;
    if (existing) {
      const missing = Object.fromEntries(Object.entries((object.data ?? {}) as Record<string, string>).filter(([key]) => existing.data?.[key] === undefined));
      const addedKeys = Object.keys(missing);
      if (addedKeys.length > 0) await attempt(`update ${name}`, () => client.patch(ref, object.metadata.name, ns, { data: missing }, 'merge'));
      result = addedKeys.length > 0 ? { object: name, action: 'completed', addedKeys } : { object: name, action: 'kept' };
    } else {
      await attempt(`apply ${name}`, () => client.patch(ref, object.metadata.name, ns, object, 'apply', { fieldManager: 'kubectl-smartscale', force: true }));
      result = { object: name, action: 'applied' };
    }
    results.push(result);
    onApplied(result);
  }
  return results;
}

export { describe as describeObject };
