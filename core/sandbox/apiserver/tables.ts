/**
 * Server-side printing: `meta.k8s.io/v1` Tables for `kubectl get`, with the columns the real server
 * prints for each built-in kind (priority-1 columns are the `-o wide` ones) and, for custom
 * resources, the CRD's additionalPrinterColumns.
 */
import { firstMatch, JsonPathError, parseJsonPath, type Step } from './jsonpath.js';
import type { ResourceType } from './resources.js';

type Obj = Record<string, any>;

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date' | 'number' | 'boolean';
  format?: string;
  priority?: number;
  cell(o: Obj, now: number): unknown;
}

/** "5s", "3m", "2d4h" — kubectl's human duration. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function age(o: Obj, now: number): string {
  const t = Date.parse(o.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata?.name ?? '' };
const AGE: Column = { name: 'Age', type: 'string', cell: age };

function containersOf(o: Obj): Obj[] {
  return o.spec?.template?.spec?.containers ?? [];
}

function selectorString(sel: Obj | undefined): string {
  return Object.entries(sel?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || '<none>';
}

function podStatus(o: Obj): string {
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  const waiting = (o.status?.containerStatuses ?? []).find((c: Obj) => c?.state?.waiting?.reason)?.state.waiting.reason;
  return waiting ?? o.status?.reason ?? o.status?.phase ?? 'Unknown';
}

function nodeStatus(o: Obj): string {
  const ready = (o.status?.conditions ?? []).find((c: Obj) => c?.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (o.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

function nodeRoles(o: Obj): string {
  const roles = Object.keys(o.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  return roles.length ? roles.join(',') : '<none>';
}

function servicePorts(o: Obj): string {
  const ports: Obj[] = o.spec?.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

const BUILTIN_COLUMNS: Record<string, Column[]> = {
  Namespace: [NAME, { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? '' }, AGE],
  Node: [
    NAME,
    { name: 'Status', type: 'string', cell: nodeStatus },
    { name: 'Roles', type: 'string', cell: nodeRoles },
    AGE,
    { name: 'Version', type: 'string', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: (o) => (o.status?.addresses ?? []).find((a: Obj) => a.type === 'InternalIP')?.address ?? '<none>' },
    { name: 'External-IP', type: 'string', priority: 1, cell: (o) => (o.status?.addresses ?? []).find((a: Obj) => a.type === 'ExternalIP')?.address ?? '<none>' },
    { name: 'OS-Image', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.osImage ?? '<unknown>' },
    { name: 'Kernel-Version', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.kernelVersion ?? '<unknown>' },
    { name: 'Container-Runtime', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.containerRuntimeVersion ?? '<unknown>' },
  ],
  Pod: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${(o.status?.containerStatuses ?? []).filter((c: Obj) => c?.ready).length}/${(o.spec?.containers ?? []).length}`,
    },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: Obj) => n + (c?.restartCount ?? 0), 0)) },
    AGE,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => o.status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => o.spec?.nodeName ?? '<none>' },
    { name: 'Nominated Node', type: 'string', priority: 1, cell: (o) => o.status?.nominatedNodeName ?? '<none>' },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: (o) => ((o.spec?.readinessGates ?? []).length ? String(o.spec.readinessGates.length) : '<none>') },
  ],
  ConfigMap: [NAME, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length }, AGE],
  Secret: [NAME, { name: 'Type', type: 'string', cell: (o) => o.type ?? 'Opaque' }, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length }, AGE],
  Service: [
    NAME,
    { name: 'Type', type: 'string', cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (o) => o.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', cell: (o) => (o.spec?.externalIPs ?? []).join(',') || '<none>' },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
    AGE,
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => Object.entries(o.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>' },
  ],
  ServiceAccount: [NAME, { name: 'Secrets', type: 'integer', cell: (o) => (o.secrets ?? []).length }, AGE],
  Deployment: [
    NAME,
    { name: 'Ready', type: 'string', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => o.status?.availableReplicas ?? 0 },
    AGE,
    { name: 'Containers', type: 'string', priority: 1, cell: (o) => containersOf(o).map((c) => c.name).join(',') },
    { name: 'Images', type: 'string', priority: 1, cell: (o) => containersOf(o).map((c) => c.image).join(',') },
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorString(o.spec?.selector) },
  ],
  ReplicaSet: [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => o.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => o.status?.readyReplicas ?? 0 },
    AGE,
    { name: 'Containers', type: 'string', priority: 1, cell: (o) => containersOf(o).map((c) => c.name).join(',') },
    { name: 'Images', type: 'string', priority: 1, cell: (o) => containersOf(o).map((c) => c.image).join(',') },
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorString(o.spec?.selector) },
  ],
  PodDisruptionBudget: [
    NAME,
    { name: 'Min Available', type: 'string', cell: (o) => (o.spec?.minAvailable === undefined ? 'N/A' : String(o.spec.minAvailable)) },
    { name: 'Max Unavailable', type: 'string', cell: (o) => (o.spec?.maxUnavailable === undefined ? 'N/A' : String(o.spec.maxUnavailable)) },
    { name: 'Allowed Disruptions', type: 'integer', cell: (o) => o.status?.disruptionsAllowed ?? 0 },
    AGE,
  ],
  Lease: [NAME, { name: 'Holder', type: 'string', cell: (o) => o.spec?.holderIdentity ?? '' }, AGE],
  HorizontalPodAutoscaler: [
    NAME,
    { name: 'Reference', type: 'string', cell: (o) => `${o.spec?.scaleTargetRef?.kind ?? ''}/${o.spec?.scaleTargetRef?.name ?? ''}` },
    { name: 'Targets', type: 'string', cell: (o) => ((o.spec?.metrics ?? []).length ? `${o.spec.metrics.length} metric(s)` : '<none>') },
    { name: 'MinPods', type: 'string', cell: (o) => String(o.spec?.minReplicas ?? 1) },
    { name: 'MaxPods', type: 'integer', cell: (o) => o.spec?.maxReplicas ?? 0 },
    { name: 'Replicas', type: 'integer', cell: (o) => o.status?.currentReplicas ?? 0 },
    AGE,
  ],
  CSINode: [NAME, { name: 'Drivers', type: 'integer', cell: (o) => (Array.isArray(o.spec?.drivers) ? o.spec.drivers.length : 0) }, AGE],
  MutatingWebhookConfiguration: [NAME, { name: 'Webhooks', type: 'integer', cell: (o) => (o.webhooks ?? []).length }, AGE],
  CustomResourceDefinition: [NAME, { name: 'Created At', type: 'date', cell: (o) => o.metadata?.creationTimestamp ?? '' }],
};

const EVENT_COLUMNS: Column[] = [
  { name: 'Last Seen', type: 'string', cell: (o, now) => { const t = Date.parse(o.lastTimestamp ?? o.eventTime ?? o.metadata?.creationTimestamp ?? ''); return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t); } },
  { name: 'Type', type: 'string', cell: (o) => o.type ?? '' },
  { name: 'Reason', type: 'string', cell: (o) => o.reason ?? '' },
  { name: 'Object', type: 'string', cell: (o) => { const r = o.involvedObject ?? o.regarding ?? {}; return `${String(r.kind ?? '').toLowerCase()}/${r.name ?? ''}`; } },
  { name: 'Message', type: 'string', cell: (o) => o.message ?? o.note ?? '' },
];

/**
 * The first value a JSONPath selects (`.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`),
 * undefined when it selects nothing or is outside the supported subset (./jsonpath.ts).
 */
export function simpleJsonPath(o: Obj, path: string): unknown {
  return firstMatch(o, path);
}

type PrinterType = Column['type'];

/**
 * A printer column's cell as kube-apiserver makes it from the path's first match: a string column
 * prints any value (lists and maps as JSON), the other types keep only a value of their type (an
 * integer column truncates a number), a date is an age ("<invalid>" when it does not parse);
 * nothing selected, or a value of the wrong type, is a null cell (kubectl prints `<none>`).
 */
export function printerCell(type: PrinterType, value: unknown, now: number): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (value === '') return '<unknown>';
      const t = Date.parse(value);
      return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
    }
  }
}

function printerColumn(c: Obj): Column {
  const type: PrinterType = c.type === 'integer' || c.type === 'number' || c.type === 'boolean' || c.type === 'date' ? c.type : 'string';
  let steps: Step[] | undefined;
  try {
    steps = parseJsonPath(String(c.jsonPath ?? ''));
  } catch (error) {
    if (!(error instanceof JsonPathError)) throw error;
  }
  return {
    name: String(c.name),
    type,
    priority: c.priority ?? 0,
    cell: (o, now) => printerCell(type, steps && firstMatch(o, steps), now),
  };
}

function customColumns(crd: Obj | undefined, version: string): Column[] {
  const v = (crd?.spec?.versions ?? []).find((x: Obj) => x?.name === version);
  const printer: Obj[] = v?.additionalPrinterColumns ?? crd?.spec?.additionalPrinterColumns ?? [];
  if (printer.length === 0) return [NAME, AGE];
  return [NAME, ...printer.map(printerColumn), ...(printer.some((c) => String(c.name).toLowerCase() === 'age') ? [] : [AGE])];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableContext {
  now: number;
  includeObject: IncludeObject;
  /** The CRD of a custom resource type (for its printer columns). */
  crd?: Obj;
}

function columnsFor(type: ResourceType, ctx: TableContext): Column[] {
  if (type.custom) return customColumns(ctx.crd, type.version);
  if (type.kind === 'Event') return EVENT_COLUMNS;
  return BUILTIN_COLUMNS[type.kind] ?? [NAME, AGE];
}

function rowObject(o: Obj, include: IncludeObject): Obj | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(type: ResourceType, objects: Obj[], ctx: TableContext, listMeta: Obj, withColumns = true): Obj {
  const columns = columnsFor(type, ctx);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns
      ? columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.name, priority: c.priority ?? 0 }))
      : null,
    rows: objects.map((o) => ({ cells: columns.map((c) => c.cell(o, ctx.now)), object: rowObject(o, ctx.includeObject) })),
  };
}
