/**
 * Applies YAML manifests through the KubeClient (create, or replace what exists), for the sandbox
 * environment and the demo. Only the kinds smartscale ships are known; others are refused with the
 * kind named, never guessed.
 */
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { isConflict, type KubeClient, type KubeObject, type ResourceRef } from '../kube/client.js';

const KINDS: Record<string, ResourceRef> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false },
  'v1/Namespace': { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  'v1/ConfigMap': { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  'v1/Service': { group: '', version: 'v1', plural: 'services', namespaced: true },
  'v1/ServiceAccount': { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true },
  'apps/v1/Deployment': { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  'policy/v1/PodDisruptionBudget': { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true },
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRole': { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', namespaced: false },
  'rbac.authorization.k8s.io/v1/Role': { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', namespaced: true },
  'smartscale.io/v1/NodePool': { group: 'smartscale.io', version: 'v1', plural: 'nodepools', namespaced: false },
  'smartscale.io/v1/EC2NodeClass': { group: 'smartscale.io', version: 'v1', plural: 'ec2nodeclasses', namespaced: false },
};

export function refFor(o: KubeObject): ResourceRef {
  const ref = KINDS[`${o.apiVersion}/${o.kind}`];
  if (!ref) throw new Error(`cannot apply ${o.apiVersion} ${o.kind}: not a kind smartscale ships`);
  return ref;
}

export function readManifests(path: string): KubeObject[] {
  return (loadAll(readFileSync(path, 'utf8')) as unknown[]).filter((d): d is KubeObject => typeof d === 'object' && d !== null && 'kind' in d);
}

/** Creates the object, or replaces it (keeping its resourceVersion) when it exists. */
export async function applyObject(client: KubeClient, o: KubeObject): Promise<KubeObject> {
  const ref = refFor(o);
  try {
    return await client.create(ref, o, o.metadata.namespace);
  } catch (error) {
    if (!isConflict(error)) throw error;
    const current = await client.get(ref, o.metadata.name!, o.metadata.namespace);
    return client.replace(ref, { ...o, metadata: { ...o.metadata, resourceVersion: current?.metadata.resourceVersion } });
  }
}
