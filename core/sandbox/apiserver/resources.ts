/**
 * The resource types the sandbox serves: built-ins (fixed) and custom resources (registered when a
 * CustomResourceDefinition is created). Discovery, routing, tables and OpenAPI are all derived from
 * this registry, so a resource exists everywhere or nowhere.
 */

export interface ScaleSubresource {
  /** Dotted paths, as in a CRD's `subresources.scale`. */
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceType {
  group: string;
  version: string;
  /** URL segment: `deployments`. */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** A `status` subresource exists: the main endpoint ignores status, `/status` ignores the rest. */
  statusSubresource: boolean;
  scale?: ScaleSubresource;
  /** metadata.generation is kept and bumped on spec changes. */
  tracksGeneration: boolean;
  /** Defined by a CustomResourceDefinition (stored generically, JSON merge patch only). */
  custom: boolean;
  /** Extra subresources served for this type (pods: binding, eviction). */
  extraSubresources: string[];
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function groupVersion(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** Registry key of a type: "apps/v1/deployments", "v1/pods". */
export function resourceKey(t: Pick<ResourceType, 'group' | 'version' | 'plural'>): string {
  return `${groupVersion(t)}/${t.plural}`;
}

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  opts: Partial<Omit<ResourceType, 'group' | 'version' | 'kind' | 'plural'>> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    statusSubresource: opts.statusSubresource ?? false,
    scale: opts.scale,
    tracksGeneration: opts.tracksGeneration ?? false,
    custom: false,
    extraSubresources: opts.extraSubresources ?? [],
  };
}

const REPLICAS_SCALE: ScaleSubresource = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };

export function builtinResourceTypes(): ResourceType[] {
  return [
    builtin('', 'v1', 'Namespace', 'namespaces', { namespaced: false, shortNames: ['ns'], statusSubresource: true }),
    builtin('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], statusSubresource: true }),
    builtin('', 'v1', 'Pod', 'pods', { shortNames: ['po'], categories: ['all'], statusSubresource: true, extraSubresources: ['binding', 'eviction'] }),
    builtin('', 'v1', 'Binding', 'bindings', {}),
    builtin('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
    builtin('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
    builtin('', 'v1', 'Secret', 'secrets', {}),
    builtin('', 'v1', 'Service', 'services', { shortNames: ['svc'], categories: ['all'], statusSubresource: true }),
    builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
    builtin('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', { shortNames: ['pvc'], statusSubresource: true }),
    builtin('', 'v1', 'PersistentVolume', 'persistentvolumes', { namespaced: false, shortNames: ['pv'], statusSubresource: true }),
    builtin('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', { namespaced: false, shortNames: ['sc'] }),
    // Written by the simulated kubelets (a node's CSI drivers and their volume attach limits); no status.
    builtin('storage.k8s.io', 'v1', 'CSINode', 'csinodes', { namespaced: false }),
    builtin('apps', 'v1', 'Deployment', 'deployments', { shortNames: ['deploy'], categories: ['all'], statusSubresource: true, scale: REPLICAS_SCALE, tracksGeneration: true }),
    builtin('apps', 'v1', 'DaemonSet', 'daemonsets', { shortNames: ['ds'], categories: ['all'], statusSubresource: true, tracksGeneration: true }),
    builtin('apps', 'v1', 'ReplicaSet', 'replicasets', { shortNames: ['rs'], categories: ['all'], statusSubresource: true, scale: REPLICAS_SCALE, tracksGeneration: true }),
    builtin('events.k8s.io', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
    builtin('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', { shortNames: ['pdb'], statusSubresource: true, tracksGeneration: true }),
    builtin('coordination.k8s.io', 'v1', 'Lease', 'leases', {}),
    builtin('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', { shortNames: ['hpa'], categories: ['all'], statusSubresource: true, tracksGeneration: true }),
    builtin('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', { namespaced: false, tracksGeneration: true }),
    // RBAC objects are stored (so manifests apply) but not enforced: the sandbox has one admin user.
    builtin('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', {}),
    builtin('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', {}),
    builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', { namespaced: false }),
    builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', { namespaced: false }),
    // Access reviews are answered, not stored: the sandbox's one user may do everything.
    builtin('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', { namespaced: false }),
    builtin('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', { namespaced: false, shortNames: ['crd', 'crds'], statusSubresource: true, tracksGeneration: true }),
  ];
}

/**
 * The resource types a CustomResourceDefinition defines (one per served version). Returns an empty
 * list for a CRD whose spec is not usable; validation reports why before it gets here.
 */
export function customResourceTypes(crd: Record<string, any>): ResourceType[] {
  const spec = crd?.spec;
  if (!spec?.names?.plural || !spec?.group || !Array.isArray(spec.versions)) return [];
  const types: ResourceType[] = [];
  for (const v of spec.versions) {
    if (!v?.name || v.served === false) continue;
    const sub = v.subresources ?? spec.subresources ?? {};
    types.push({
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      plural: spec.names.plural,
      singular: spec.names.singular || String(spec.names.kind).toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      shortNames: Array.isArray(spec.names.shortNames) ? spec.names.shortNames : [],
      categories: Array.isArray(spec.names.categories) ? spec.names.categories : [],
      statusSubresource: sub.status !== undefined,
      scale: sub.scale ? { specReplicasPath: sub.scale.specReplicasPath, statusReplicasPath: sub.scale.statusReplicasPath, labelSelectorPath: sub.scale.labelSelectorPath } : undefined,
      tracksGeneration: true,
      custom: true,
      extraSubresources: [],
    });
  }
  return types;
}

/** The version a CRD stores (and the one other versions are served as; no conversion is done). */
export function storageVersion(crd: Record<string, any>): string | undefined {
  const versions: any[] = crd?.spec?.versions ?? [];
  return (versions.find((v) => v?.storage) ?? versions[0])?.name;
}

/** All resource types, indexed for routing. Custom types come and go with their CRDs. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();

  constructor(types: ResourceType[] = builtinResourceTypes()) {
    for (const t of types) this.byKey.set(resourceKey(t), t);
  }

  get(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byKey.get(resourceKey({ group, version, plural }));
  }

  /** By registry key ("apps/v1/deployments"). */
  getByKey(key: string): ResourceType | undefined {
    return this.byKey.get(key);
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  add(t: ResourceType): void {
    this.byKey.set(resourceKey(t), t);
  }

  remove(t: ResourceType): void {
    this.byKey.delete(resourceKey(t));
  }

  /** Group name → versions served, in registration order. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const t of this.byKey.values()) {
      const versions = groups.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      groups.set(t.group, versions);
    }
    return groups;
  }

  /** The type that stores `kind` in `group`, for owner references and admission. */
  byKind(group: string, kind: string): ResourceType | undefined {
    for (const t of this.byKey.values()) if (t.group === group && t.kind === kind) return t;
    return undefined;
  }
}
