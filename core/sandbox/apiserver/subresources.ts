/**
 * The subresources that are verbs on other objects: `scale` (autoscaling/v1 Scale over a
 * Deployment, ReplicaSet or custom resource), pods' `binding` (the scheduler's write) and pods'
 * `eviction` (a delete that honours PodDisruptionBudgets, 429 when the budget is exhausted).
 */
import { ApiError, badRequest, conflict, notFound } from './errors.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.js';
import type { ApiCore, PatchType } from './rest.js';
import { rfc3339 } from './rest.js';
import type { ResourceType } from './resources.js';
import { budgetState, isPodReady as isReady } from '../budget.js';
import { formatLabelSelector, labelSelectorObjectRequirements, labelsMatch } from './selectors.js';
import { simpleJsonPath } from './tables.js';

type Obj = Record<string, any>;

function setPath(o: Obj, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = o;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p];
  }
  cur[parts[parts.length - 1]] = value;
}

export function toScale(type: ResourceType, o: Obj): Obj {
  const scale = type.scale!;
  const rawSelector = scale.labelSelectorPath ? simpleJsonPath(o, scale.labelSelectorPath) : undefined;
  const selector = type.custom ? rawSelector : formatLabelSelector(o.spec?.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: Number(simpleJsonPath(o, scale.specReplicasPath) ?? 0) },
    status: { replicas: Number(simpleJsonPath(o, scale.statusReplicasPath) ?? 0), ...(typeof selector === 'string' && selector ? { selector } : {}) },
  };
}

/** PUT or PATCH of /scale: only spec.replicas moves to the parent; a stale resourceVersion is a 409. */
export async function writeScale(api: ApiCore, type: ResourceType, namespace: string | undefined, name: string, change: { put?: unknown; patch?: { type: PatchType; body: unknown } }): Promise<Obj> {
  const parent = api.get(type, namespace, name);
  const current = toScale(type, parent);
  let next: any;
  try {
    if (change.put !== undefined) next = change.put;
    else if (change.patch!.type === 'json') next = jsonPatch(current, change.patch!.body);
    else if (change.patch!.type === 'strategic') next = strategicMergePatch(current, change.patch!.body);
    else next = mergePatch(current, change.patch!.body);
  } catch (error) {
    if (error instanceof PatchError) throw badRequest(error.message);
    throw error;
  }
  const replicas = next?.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  }
  const rv = next?.metadata?.resourceVersion;
  if (rv && rv !== parent.metadata.resourceVersion) {
    throw conflict(type.plural, type.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  const updated = structuredClone(parent);
  setPath(updated, type.scale!.specReplicasPath, replicas);
  const result = await api.update(type, namespace, name, updated, undefined);
  return toScale(type, result.object);
}

function successStatus(): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

/** Assigns a pending pod to a node: 409 if it is already bound. */
export async function bindPod(api: ApiCore, pods: ResourceType, namespace: string, podName: string, binding: unknown): Promise<Obj> {
  const b = binding as Obj;
  const nodeName = b?.target?.name;
  if (typeof nodeName !== 'string' || nodeName === '') throw new ApiError(422, 'Invalid', `Binding "${podName}" is invalid: target.name: Required value`);
  const pod = api.get(pods, namespace, podName);
  if (pod.spec?.nodeName) throw conflict('pods', '', podName, `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`);
  if (pod.metadata.deletionTimestamp) throw conflict('pods', '', podName, 'pod is being deleted');
  const now = rfc3339(api.clock.now());
  const conditions = (pod.status?.conditions ?? []).filter((c: Obj) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
  const next = structuredClone(pod);
  next.spec.nodeName = nodeName;
  next.status = { ...(next.status ?? {}), conditions };
  // Binding writes spec and status together, as the real registry does; admission is not re-run.
  const key = `${pods.group ? `${pods.group}/` : ''}${pods.version}/${pods.plural}`;
  api.store.update(key, next);
  return successStatus();
}

export async function evictPod(api: ApiCore, pods: ResourceType, pdbs: ResourceType, namespace: string, podName: string, eviction: unknown): Promise<Obj> {
  const e = eviction as Obj;
  if (e !== undefined && (typeof e !== 'object' || e === null)) throw badRequest('the body of the request was not an Eviction');
  if (e?.metadata?.name && e.metadata.name !== podName) throw badRequest(`name in URL does not match name in Eviction object`);
  const pod = api.find(pods, namespace, podName);
  if (!pod) throw notFound('pods', '', podName);
  const all = api.list(pods, namespace).map((x) => x.object);
  const budgets = api.list(pdbs, namespace).map((x) => x.object).filter((b) => labelsMatch(labelSelectorObjectRequirements(b.spec?.selector ?? {}), pod.metadata.labels));
  if (budgets.length > 1) throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  if (budgets.length === 1 && isReady(pod) && !pod.metadata.deletionTimestamp) {
    const budget = budgets[0];
    const replicas = (ns: string, kind: string, name: string): number | undefined => {
      const type = api.registry.byKind('apps', kind);
      const owner = type ? api.find(type, ns, name) : undefined;
      return typeof owner?.spec?.replicas === 'number' ? owner.spec.replicas : undefined;
    };
    const state = budgetState(budget, all, replicas);
    if (state.disruptionsAllowed <= 0) {
      throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
        causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${budget.metadata.name} needs ${state.desiredHealthy} healthy pods and has ${state.currentHealthy} currently` }],
      });
    }
    api.writeStatus(pdbs, budget, {
      ...(budget.status ?? {}),
      observedGeneration: budget.metadata.generation,
      expectedPods: state.expectedPods,
      currentHealthy: state.currentHealthy - 1,
      desiredHealthy: state.desiredHealthy,
      disruptionsAllowed: state.disruptionsAllowed - 1,
      disruptedPods: { ...(budget.status?.disruptedPods ?? {}), [podName]: rfc3339(api.clock.now()) },
    });
  }
  await api.delete(pods, namespace, podName, e?.deleteOptions ?? {});
  return successStatus();
}
