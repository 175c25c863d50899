/**
 * The resources one replica of a Deployment requests, read from its pod template, and the extra
 * capacity a number of new replicas needs (`smartscale.io/capacity`).
 */
import type { CapacityAnnotation } from '../../core/model/annotations.js';
import { formatBytes, formatMilli } from '../../core/model/quantity.js';
import { containerRequestList, podSpecRequests } from '../../core/model/pod-requests.js';
import { resources, resourcesFromList, scaleResources, type ResourceList, type Resources } from '../../core/model/resources.js';

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const BINARY_SUFFIX_POWER: Record<string, number> = { K: 1, M: 2, G: 3, T: 4 };

/** Index just past the leading decimal digits of `text`, if there are 1 to 9 of them; else -1. */
function digitsEnd(text: string): number {
  let i = 0;
  while (i < text.length && i < 10) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i >= 1 && i <= 9 ? i : -1;
}

/** `250m` → 250, `2` → 2000; undefined for any other spelling. */
function simpleMilliCpu(text: string): number | undefined {
  const end = digitsEnd(text);
  if (end < 0) return undefined;
  const value = Number(text.slice(0, end));
  if (end === text.length) return value * 1000;
  return end === text.length - 1 && text.charCodeAt(end) === 109 /* m */ ? value : undefined;
}

/** `512Mi` → 536870912, `1024` → 1024; undefined for any other spelling. */
function simpleBytes(text: string): number | undefined {
  const end = digitsEnd(text);
  if (end < 0) return undefined;
  const value = Number(text.slice(0, end));
  if (end === text.length) return value;
  if (end !== text.length - 2 || text.charCodeAt(end + 1) !== 105 /* i */) return undefined;
  const power = BINARY_SUFFIX_POWER[text[end]];
  if (power === undefined) return undefined;
  const bytes = value * 1024 ** power;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * The spellings nearly every manifest uses (`250m`, `2`, `512Mi`, `1Gi`) read with plain integer
 * arithmetic — exact, as these are whole numbers well inside 2^53 — and everything else through the
 * exact BigInt parser. The webhook reads every container of every admitted Deployment, so this path
 * is hot; the fast path gives the same numbers (tested against the exact parser).
 */
function requestsFromList(list: ResourceList | undefined): Resources {
  if (!list) return resources();
  let simple = true;
  for (const key in list) if (key !== 'cpu' && key !== 'memory') simple = false;
  const cpu = list.cpu;
  const memory = list.memory;
  const milliCpu = cpu === undefined ? 0 : typeof cpu === 'string' ? simpleMilliCpu(cpu) : undefined;
  const memoryBytes = memory === undefined ? 0 : typeof memory === 'string' ? simpleBytes(memory) : undefined;
  if (simple && milliCpu !== undefined && memoryBytes !== undefined) return { milliCpu, memoryBytes, pods: 0, gpus: 0 };
  return resourcesFromList(list);
}

/** What one container requests, a limit standing in for a missing request (core/model/pod-requests.ts). */
export function containerRequests(container: unknown): Resources {
  return requestsFromList(containerRequestList(container));
}

/**
 * What the scheduler reserves for one pod of this template (core/model/pod-requests.ts: requests,
 * else limits, per resource; sidecars and init containers; overhead; one pod slot). A bad quantity
 * anywhere is reported and the template counts as one pod slot only.
 */
export function podRequests(template: unknown, warnings: string[]): Resources {
  try {
    return podSpecRequests(asRecord(template)?.spec, requestsFromList);
  } catch (err) {
    warnings.push(`pod template requests ignored for smartscale.io/capacity: ${(err as Error).message}`);
    return resources({ pods: 1 });
  }
}

/** Capacity for `extraReplicas` more pods of `perPod`, first needed at `neededAt`. */
export function capacityFor(extraReplicas: number, perPod: Resources, neededAt: number | undefined): CapacityAnnotation {
  const total = scaleResources(perPod, Math.max(0, extraReplicas));
  const capacity: CapacityAnnotation = {
    replicas: Math.max(0, extraReplicas),
    cpu: formatMilli(total.milliCpu),
    memory: formatBytes(total.memoryBytes),
    pods: total.pods,
  };
  if (neededAt !== undefined && extraReplicas > 0) capacity.neededAt = neededAt;
  return capacity;
}
