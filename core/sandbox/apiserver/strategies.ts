/**
 * Per-kind behaviour of the sandbox API server, after the real server's "strategies": defaults
 * filled on write, fields reset on create, and validation that answers 422 with field causes.
 * Only what kubectl, client-node and smartscale's controllers rely on is covered; the rest of an
 * object is stored as given.
 */
import type { ResourceType } from './resources.js';

export interface FieldCause {
  field: string;
  message: string;
  reason?: string;
}

type Obj = Record<string, any>;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['containers', 'initContainers']) {
    for (const c of Array.isArray(spec[list]) ? spec[list] : []) {
      if (!isObject(c)) continue;
      setDefault(c, 'terminationMessagePath', '/dev/termination-log');
      setDefault(c, 'terminationMessagePolicy', 'File');
      const image = typeof c.image === 'string' ? c.image : '';
      const tagged = /:[^/]+$/.test(image) && !image.endsWith(':latest');
      setDefault(c, 'imagePullPolicy', tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
      setDefault(c, 'resources', {});
      for (const p of Array.isArray(c.ports) ? c.ports : []) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
    }
  }
}

function defaultPodTemplate(template: Obj | undefined): void {
  if (!isObject(template)) return;
  setDefault(template, 'metadata', {});
  if (isObject(template.spec)) defaultPodSpec(template.spec);
}

let nextClusterIp = 10;

const DEFAULTERS: Record<string, (o: Obj) => void> = {
  Pod(o) {
    setDefault(o, 'spec', {});
    defaultPodSpec(o.spec);
    setDefault(o.spec, 'serviceAccountName', 'default');
    setDefault(o.spec, 'enableServiceLinks', true);
    setDefault(o.spec, 'priority', 0);
    setDefault(o.spec, 'preemptionPolicy', 'PreemptLowerPriority');
    if (!Array.isArray(o.spec.tolerations)) o.spec.tolerations = [];
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!o.spec.tolerations.some((t: Obj) => t?.key === key)) {
        o.spec.tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
      }
    }
    setDefault(o, 'status', {});
    setDefault(o.status, 'phase', 'Pending');
    setDefault(o.status, 'qosClass', podQosClass(o.spec));
  },
  Deployment(o) {
    setDefault(o, 'spec', {});
    setDefault(o.spec, 'replicas', 1);
    setDefault(o.spec, 'revisionHistoryLimit', 10);
    setDefault(o.spec, 'progressDeadlineSeconds', 600);
    setDefault(o.spec, 'strategy', {});
    setDefault(o.spec.strategy, 'type', 'RollingUpdate');
    if (o.spec.strategy.type === 'RollingUpdate') {
      setDefault(o.spec.strategy, 'rollingUpdate', {});
      setDefault(o.spec.strategy.rollingUpdate, 'maxSurge', '25%');
      setDefault(o.spec.strategy.rollingUpdate, 'maxUnavailable', '25%');
    }
    defaultPodTemplate(o.spec.template);
  },
  ReplicaSet(o) {
    setDefault(o, 'spec', {});
    setDefault(o.spec, 'replicas', 1);
    defaultPodTemplate(o.spec.template);
  },
  Service(o) {
    setDefault(o, 'spec', {});
    setDefault(o.spec, 'type', 'ClusterIP');
    setDefault(o.spec, 'sessionAffinity', 'None');
    if (o.spec.type !== 'ExternalName') {
      if (!o.spec.clusterIP) {
        const n = nextClusterIp++;
        o.spec.clusterIP = `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
      }
      setDefault(o.spec, 'clusterIPs', [o.spec.clusterIP]);
      setDefault(o.spec, 'ipFamilies', ['IPv4']);
      setDefault(o.spec, 'ipFamilyPolicy', 'SingleStack');
      setDefault(o.spec, 'internalTrafficPolicy', 'Cluster');
    }
    for (const p of Array.isArray(o.spec.ports) ? o.spec.ports : []) {
      if (!isObject(p)) continue;
      setDefault(p, 'protocol', 'TCP');
      setDefault(p, 'targetPort', p.port);
    }
    setDefault(o, 'status', { loadBalancer: {} });
  },
  Secret(o) {
    setDefault(o, 'type', 'Opaque');
  },
  Namespace(o) {
    setDefault(o, 'spec', {});
    setDefault(o.spec, 'finalizers', ['kubernetes']);
    setDefault(o, 'status', {});
    setDefault(o.status, 'phase', 'Active');
    o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name };
  },
  MutatingWebhookConfiguration(o) {
    for (const w of Array.isArray(o.webhooks) ? o.webhooks : []) {
      if (!isObject(w)) continue;
      setDefault(w, 'failurePolicy', 'Fail');
      setDefault(w, 'matchPolicy', 'Equivalent');
      setDefault(w, 'namespaceSelector', {});
      setDefault(w, 'objectSelector', {});
      setDefault(w, 'timeoutSeconds', 10);
      setDefault(w, 'reinvocationPolicy', 'Never');
      for (const r of Array.isArray(w.rules) ? w.rules : []) if (isObject(r)) setDefault(r, 'scope', '*');
    }
  },
  CustomResourceDefinition(o) {
    setDefault(o, 'spec', {});
    if (isObject(o.spec.names)) {
      setDefault(o.spec.names, 'singular', String(o.spec.names.kind ?? '').toLowerCase());
      setDefault(o.spec.names, 'listKind', `${o.spec.names.kind}List`);
    }
    setDefault(o.spec, 'conversion', { strategy: 'None' });
  },
};

function podQosClass(spec: Obj): string {
  const containers: Obj[] = Array.isArray(spec?.containers) ? spec.containers : [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c?.resources?.requests ?? {};
    const lim = c?.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Fills defaults in place (the object is a fresh copy owned by the caller). */
export function applyDefaults(type: ResourceType, o: Obj): void {
  if (type.custom) return;
  DEFAULTERS[type.kind]?.(o);
}

/** What create resets: status is written only through /status, except a pod's initial phase. */
export function prepareForCreate(type: ResourceType, o: Obj): void {
  if (type.statusSubresource && type.kind !== 'Namespace' && type.kind !== 'Node') delete o.status;
}

function validateMetadata(type: ResourceType, o: Obj, causes: FieldCause[]): void {
  const m = o.metadata;
  const name = m.name;
  if (typeof name !== 'string' || name === '') {
    causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' });
  } else {
    const label = type.kind === 'Namespace' || type.kind === 'Service';
    const re = label ? DNS_LABEL : DNS_SUBDOMAIN;
    const max = label ? 63 : 253;
    if (!re.test(name) || name.length > max) {
      causes.push({
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 ${label ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      });
    }
  }
  for (const [field, map] of [['labels', m.labels], ['annotations', m.annotations]] as const) {
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      causes.push({ field: `metadata.${field}`, message: 'Invalid value: must be a map of strings' });
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      if (!QUALIFIED_NAME.test(k)) causes.push({ field: `metadata.${field}`, message: `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.'` });
      if (typeof v !== 'string') causes.push({ field: `metadata.${field}.${k}`, message: 'Invalid value: must be a string' });
      else if (field === 'labels' && (!LABEL_VALUE.test(v) || v.length > 63)) {
        causes.push({ field: `metadata.labels`, message: `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'` });
      }
    }
  }
  if (m.finalizers !== undefined && (!Array.isArray(m.finalizers) || m.finalizers.some((f: unknown) => typeof f !== 'string'))) {
    causes.push({ field: 'metadata.finalizers', message: 'Invalid value: must be a list of strings' });
  }
}

function validateContainers(spec: Obj | undefined, path: string, causes: FieldCause[]): void {
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ field: `${path}.containers`, message: 'Required value', reason: 'FieldValueRequired' });
    return;
  }
  containers.forEach((c: Obj, i: number) => {
    if (!isObject(c) || typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) {
      causes.push({ field: `${path}.containers[${i}].name`, message: 'Required value', reason: 'FieldValueRequired' });
    }
    if (!isObject(c) || typeof c.image !== 'string' || c.image.trim() === '') {
      causes.push({ field: `${path}.containers[${i}].image`, message: 'Required value', reason: 'FieldValueRequired' });
    }
  });
}

function validateReplicated(o: Obj, causes: FieldCause[]): void {
  const spec = o.spec ?? {};
  if (typeof spec.replicas !== 'number' || !Number.isInteger(spec.replicas) || spec.replicas < 0) {
    causes.push({ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(spec.replicas)}: must be greater than or equal to 0` });
  }
  const selector = spec.selector;
  const matchLabels = selector?.matchLabels ?? {};
  if (!isObject(selector) || (Object.keys(matchLabels).length === 0 && !(selector.matchExpressions?.length > 0))) {
    causes.push({ field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' });
  } else {
    const labels = spec.template?.metadata?.labels ?? {};
    if (Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) {
      causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` });
    }
  }
  validateContainers(spec.template?.spec, 'spec.template.spec', causes);
}

const VALIDATORS: Record<string, (o: Obj, causes: FieldCause[]) => void> = {
  Pod(o, causes) {
    validateContainers(o.spec, 'spec', causes);
  },
  Deployment: validateReplicated,
  ReplicaSet: validateReplicated,
  Service(o, causes) {
    const ports = o.spec?.ports;
    if (ports !== undefined && !Array.isArray(ports)) causes.push({ field: 'spec.ports', message: 'Invalid value: must be a list' });
    for (const [i, p] of (Array.isArray(ports) ? ports : []).entries()) {
      if (!isObject(p) || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
        causes.push({ field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(p?.port)}: must be between 1 and 65535, inclusive` });
      }
    }
  },
  ConfigMap(o, causes) {
    for (const [k, v] of Object.entries(o.data ?? {})) {
      if (typeof v !== 'string') causes.push({ field: `data[${k}]`, message: 'Invalid value: must be a string' });
    }
  },
  PodDisruptionBudget(o, causes) {
    if (o.spec?.minAvailable !== undefined && o.spec?.maxUnavailable !== undefined) {
      causes.push({ field: 'spec', message: 'Invalid value: minAvailable and maxUnavailable cannot be both set' });
    }
  },
  CustomResourceDefinition(o, causes) {
    const spec = o.spec ?? {};
    if (typeof spec.group !== 'string' || !spec.group.includes('.')) causes.push({ field: 'spec.group', message: 'Invalid value: should be a domain with at least one dot' });
    if (!spec.names?.plural) causes.push({ field: 'spec.names.plural', message: 'Required value', reason: 'FieldValueRequired' });
    if (!spec.names?.kind) causes.push({ field: 'spec.names.kind', message: 'Required value', reason: 'FieldValueRequired' });
    if (!['Namespaced', 'Cluster'].includes(spec.scope)) causes.push({ field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`, reason: 'FieldValueNotSupported' });
    const versions = Array.isArray(spec.versions) ? spec.versions : [];
    if (versions.length === 0) causes.push({ field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
    else if (versions.filter((v: Obj) => v?.storage).length !== 1) causes.push({ field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
    if (spec.names?.plural && spec.group && o.metadata.name !== `${spec.names.plural}.${spec.group}`) {
      causes.push({ field: 'metadata.name', message: `Invalid value: "${o.metadata.name}": must be spec.names.plural+"."+spec.group` });
    }
  },
  MutatingWebhookConfiguration(o, causes) {
    for (const [i, w] of (Array.isArray(o.webhooks) ? o.webhooks : []).entries()) {
      if (!isObject(w) || typeof w.name !== 'string' || !w.name.includes('.')) causes.push({ field: `webhooks[${i}].name`, message: 'Invalid value: should be a domain with at least three segments separated by dots' });
      const cc = w?.clientConfig;
      if (!isObject(cc) || (!cc.url && !cc.service)) causes.push({ field: `webhooks[${i}].clientConfig`, message: 'Required value: exactly one of url or service is required', reason: 'FieldValueRequired' });
      if (!Array.isArray(w?.admissionReviewVersions) || w.admissionReviewVersions.length === 0) causes.push({ field: `webhooks[${i}].admissionReviewVersions`, message: 'Required value', reason: 'FieldValueRequired' });
      if (!w?.sideEffects) causes.push({ field: `webhooks[${i}].sideEffects`, message: 'Required value', reason: 'FieldValueRequired' });
    }
  },
  // As kube-apiserver's storage validation: a valid, unique driver name, a node ID, a count ≥ 0.
  CSINode(o, causes) {
    const drivers = o.spec?.drivers;
    if (drivers !== undefined && drivers !== null && !Array.isArray(drivers)) {
      causes.push({ field: 'spec.drivers', message: 'Invalid value: must be a list' });
      return;
    }
    const seen = new Set<string>();
    for (const [i, d] of (Array.isArray(drivers) ? drivers : []).entries()) {
      const at = `spec.drivers[${i}]`;
      const name = isObject(d) && typeof d.name === 'string' ? d.name : '';
      if (name === '') causes.push({ field: `${at}.name`, message: 'Required value', reason: 'FieldValueRequired' });
      else if (name.length > 63 || !DNS_SUBDOMAIN.test(name.toLowerCase())) causes.push({ field: `${at}.name`, message: `Invalid value: "${name}": a CSI driver name must be 63 characters or less and an RFC 1123 subdomain` });
      else if (seen.has(name)) causes.push({ field: `${at}.name`, message: `Duplicate value: "${name}"`, reason: 'FieldValueDuplicate' });
      seen.add(name);
      const nodeID = isObject(d) ? d.nodeID : undefined;
      if (typeof nodeID !== 'string' || nodeID === '') causes.push({ field: `${at}.nodeID`, message: 'Required value', reason: 'FieldValueRequired' });
      else if (nodeID.length > 192) causes.push({ field: `${at}.nodeID`, message: 'Too long: may not be more than 192 bytes', reason: 'FieldValueTooLong' });
      const count = isObject(d) && isObject(d.allocatable) ? d.allocatable.count : undefined;
      if (count !== undefined && count !== null && !(Number.isSafeInteger(count) && count >= 0)) {
        causes.push({ field: `${at}.allocatable.count`, message: `Invalid value: ${JSON.stringify(count)}: must be greater than or equal to 0` });
      }
      const keys = isObject(d) && Array.isArray(d.topologyKeys) ? d.topologyKeys : [];
      if (keys.some((k: unknown) => typeof k !== 'string' || !QUALIFIED_NAME.test(k)) || new Set(keys).size !== keys.length) {
        causes.push({ field: `${at}.topologyKeys`, message: 'Invalid value: must be distinct label names' });
      }
    }
  },
  Lease(o, causes) {
    const s = o.spec ?? {};
    if (s.leaseDurationSeconds !== undefined && (!Number.isInteger(s.leaseDurationSeconds) || s.leaseDurationSeconds <= 0)) {
      causes.push({ field: 'spec.leaseDurationSeconds', message: 'Invalid value: must be greater than 0' });
    }
  },
};

/** Field errors for a 422; empty when the object is valid. */
export function validate(type: ResourceType, o: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  validateMetadata(type, o, causes);
  if (!type.custom) VALIDATORS[type.kind]?.(o, causes);
  return causes;
}

/** JSON with object keys sorted: equal for equal values whatever order their keys came in. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

const UPDATE_VALIDATORS: Record<string, (next: Obj, old: Obj, causes: FieldCause[]) => void> = {
  // kube-apiserver (1.32) refuses a change inside an existing driver entry: a kubelet changes a
  // driver's count by removing the entry and adding it again.
  CSINode(next, old, causes) {
    const before = new Map<unknown, string>((Array.isArray(old.spec?.drivers) ? old.spec.drivers : []).map((d: Obj) => [d?.name, canonicalJson(d)]));
    for (const d of Array.isArray(next.spec?.drivers) ? next.spec.drivers : []) {
      const was = before.get(d?.name);
      if (was !== undefined && was !== canonicalJson(d)) causes.push({ field: 'CSINodeDriver', message: `Invalid value: "${d.name}": field is immutable` });
    }
  },
};

/** Field errors of an update beyond `validate`'s: fields that may not change. */
export function validateUpdate(type: ResourceType, next: Obj, old: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!type.custom) UPDATE_VALIDATORS[type.kind]?.(next, old, causes);
  return causes;
}

/** Everything but metadata and status: a change bumps metadata.generation. */
export function specPart(o: Obj): Obj {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}
