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
 * - `spec.overhead` (set from the RuntimeClass) comes on top, and the pod takes one pod slot.
 *
 * Pod-level `spec.resources` (alpha/beta in Kubernetes 1.32–1.34) is not read.
 */
import { addResources, maxResources, resourcesFromList, ZERO_RESOURCES, type ResourceList, type Resources } from './resources.js';

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

/** Reads one resource list; decides what an unreadable quantity does (throw, zero, warn). */
export type ReadResourceList = (list: ResourceList | undefined) => Resources;

/**
 * One pod's requests (containers, init containers and sidecars, overhead, one pod slot) for
 * `spec`. Every list goes through `read`, so the caller chooses how a bad quantity is handled;
 * whatever `read` throws propagates.
 */
export function podSpecRequests(spec: unknown, read: ReadResourceList = resourcesFromList): Resources {
  const s = asRecord(spec);
  let running = ZERO_RESOURCES;
  for (const c of Array.isArray(s?.containers) ? s.containers : []) running = addResources(running, read(containerRequestList(c)));
  let sidecars = ZERO_RESOURCES;
  let initPeak = ZERO_RESOURCES;
  for (const c of Array.isArray(s?.initContainers) ? s.initContainers : []) {
    const r = read(containerRequestList(c));
    if (asRecord(c)?.restartPolicy === 'Always') {
      sidecars = addResources(sidecars, r);
      running = addResources(running, r);
      initPeak = maxResources(initPeak, sidecars);
    } else {
      initPeak = maxResources(initPeak, addResources(r, sidecars));
    }
  }
  const overhead = asRecord(s?.overhead) ? read(s!.overhead as ResourceList) : ZERO_RESOURCES;
  const total = addResources(maxResources(running, initPeak), overhead);
  return { ...total, pods: total.pods + 1 };
}
