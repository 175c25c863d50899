/**
 * What the scheduler reserves for one pod, read from a pod spec: one rule for pod templates (the
 * webhook's `smartscale.io/capacity`, the planners' predicted pods) and for real pods alike.
 *
 * Kubernetes' rules, applied here:
 * - A container that sets a limit but no request for a resource requests its limit. The API server
 *   applies this default (SetDefaults_Pod) when it creates a Pod, never to a Deployment's pod
 *   template, so a template read as written would plan a limits-only container at zero. On a real
 *   pod the default is already there and applying it again changes nothing.
 * - Regular containers run together: their requests add up. Restartable init containers
 *   (sidecars, `restartPolicy: Always`) keep running next to them, so they add up too; every other
 *   init container runs alone, after the sidecars declared before it have started, and the pod
 *   needs the largest of those moments (kube-scheduler's PodRequests).
 * - Pod-level `spec.resources` (KEP-2837, PodLevelResources: alpha in 1.32, beta and on by default
 *   from 1.34) overrides the containers for the resources it supports, CPU and memory: a pod-level
 *   request is what the scheduler reserves, whatever the containers ask. A pod-level limit with no
 *   pod-level request stands in for the request only when no container requests that resource
 *   (the API server's pod-level defaulting, which — like the container rule — a template never
 *   gets); otherwise the containers' aggregate is the request. GPUs and pod slots always come from
 *   the containers.
 * - `spec.overhead` (set from the RuntimeClass) comes on top, and the pod takes one pod slot.
 */
import { addResources, maxResources, resourcesFromList, ZERO_RESOURCES, type ResourceList, type Resources } from './resources.js';
import { readNonNegativeUnits } from './quantity.js';

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * A container's requests with Kubernetes' default applied: per resource, a missing request takes
 * the limit. Returns the container's own `requests` object (not a copy) when no default applies.
 */
export function containerRequestList(container: unknown): ResourceList | undefined {
  const declared = asRecord(asRecord(container)?.resources);
  const requests = asRecord(declared?.requests);
  const limits = asRecord(declared?.limits);
  if (!limits) return requests as ResourceList | undefined;
  let merged: Record<string, unknown> | undefined;
  for (const name of Object.keys(limits)) {
    if (requests?.[name] !== undefined && requests[name] !== null) continue;
    merged ??= { ...requests };
    merged[name] = limits[name];
  }
  return (merged ?? requests) as ResourceList | undefined;
}

/** Kubernetes resource names pod-level `spec.resources` applies to, with our field for each. */
const POD_LEVEL_RESOURCES = [
  ['cpu', 'milliCpu'],
  ['memory', 'memoryBytes'],
] as const;

function isSet(list: Record<string, unknown> | undefined, name: string): boolean {
  return list?.[name] !== undefined && list[name] !== null;
}

/**
 * The pod-level request list, per supported resource: the pod-level request, else the pod-level
 * limit when no container (regular, init or sidecar) requests the resource after its own default;
 * undefined when `spec.resources` sets neither for any supported resource.
 */
function podLevelRequestList(spec: Record<string, unknown> | undefined, containerLists: readonly (ResourceList | undefined)[]): ResourceList | undefined {
  const declared = asRecord(spec?.resources);
  const requests = asRecord(declared?.requests);
  const limits = asRecord(declared?.limits);
  let out: Record<string, unknown> | undefined;
  for (const [name] of POD_LEVEL_RESOURCES) {
    if (isSet(requests, name)) (out ??= {})[name] = requests![name];
    else if (isSet(limits, name) && !containerLists.some((l) => isSet(l as Record<string, unknown> | undefined, name))) (out ??= {})[name] = limits![name];
  }
  return out as ResourceList | undefined;
}

/** Reads one resource list; decides what an unreadable quantity does (throw, zero, warn). */
export type ReadResourceList = (list: ResourceList | undefined) => Resources;

/**
 * One pod's requests (containers, init containers and sidecars, overhead, one pod slot) for
 * `spec`. Every list goes through `read`, so the caller chooses how a bad quantity is handled;
 * whatever `read` throws propagates.
 */
export function podSpecRequests(spec: unknown, read: ReadResourceList = resourcesFromList, options: { podLevel?: boolean } = {}): Resources {
  const s = asRecord(spec);
  const containers = (Array.isArray(s?.containers) ? s.containers : []).map(containerRequestList);
  const inits = Array.isArray(s?.initContainers) ? s.initContainers : [];
  const initLists = inits.map(containerRequestList);
  let running = ZERO_RESOURCES;
  for (const list of containers) running = addResources(running, read(list));
  let sidecars = ZERO_RESOURCES;
  let initPeak = ZERO_RESOURCES;
  for (const [i, c] of inits.entries()) {
    const r = read(initLists[i]);
    if (asRecord(c)?.restartPolicy === 'Always') {
      sidecars = addResources(sidecars, r);
      running = addResources(running, r);
      initPeak = maxResources(initPeak, sidecars);
    } else {
      initPeak = maxResources(initPeak, addResources(r, sidecars));
    }
  }
  let pod: Resources = maxResources(running, initPeak);
  const podLevel = options.podLevel === false ? undefined : podLevelRequestList(s, [...containers, ...initLists]);
  if (podLevel) {
    const declared = read(podLevel);
    const override: Record<string, number> = {};
    for (const [name, field] of POD_LEVEL_RESOURCES) if (podLevel[name] !== undefined) override[field] = declared[field];
    pod = { ...pod, ...override };
  }
  const overhead = asRecord(s?.overhead) ? read(s!.overhead as ResourceList) : ZERO_RESOURCES;
  const total = addResources(pod, overhead);
  return { ...total, pods: total.pods + 1 };
}

/**
 * One pod's request of a single resource `name` outside `Resources` (ephemeral storage, an extended
 * resource), in whole units, by the same rules as the others: a limit stands in for a missing
 * request, sidecars add up, an init container needs its moment, overhead comes on top. Pod-level
 * `spec.resources` does not cover such resources. An unreadable quantity counts as zero (the API
 * server refuses such a pod).
 */
export function podResourceRequest(spec: unknown, name: string): number {
  // The units ride in the memory field: the rules above treat every field alike.
  const read: ReadResourceList = (list) => ({ ...ZERO_RESOURCES, memoryBytes: readNonNegativeUnits(list?.[name]) ?? 0 });
  return podSpecRequests(spec, read, { podLevel: false }).memoryBytes;
}

/**
 * One pod's request of local ephemeral storage (`ephemeral-storage`: its containers' writable
 * layers, logs and emptyDir volumes), in bytes.
 */
export function podEphemeralStorage(spec: unknown): number {
  return podResourceRequest(spec, 'ephemeral-storage');
}
