/**
 * Resource vectors in integer units: milli-CPU, bytes of memory, pod slots, GPUs.
 * Every capacity and request in smartscale is one of these; arithmetic on them is exact.
 */
import { formatBytes, formatMilli, parseNonNegativeMilli, parseNonNegativeUnits } from './quantity.js';

export interface Resources {
  /** CPU in millicores. */
  readonly milliCpu: number;
  /** Memory in bytes. */
  readonly memoryBytes: number;
  /** Pod slots (a pod uses 1). */
  readonly pods: number;
  /** Whole GPUs (`nvidia.com/gpu`, `amd.com/gpu`). */
  readonly gpus: number;
}

export const ZERO_RESOURCES: Resources = Object.freeze({ milliCpu: 0, memoryBytes: 0, pods: 0, gpus: 0 });

export function resources(partial: Partial<Resources> = {}): Resources {
  return {
    milliCpu: partial.milliCpu ?? 0,
    memoryBytes: partial.memoryBytes ?? 0,
    pods: partial.pods ?? 0,
    gpus: partial.gpus ?? 0,
  };
}

export function addResources(a: Resources, b: Resources): Resources {
  return {
    milliCpu: a.milliCpu + b.milliCpu,
    memoryBytes: a.memoryBytes + b.memoryBytes,
    pods: a.pods + b.pods,
    gpus: a.gpus + b.gpus,
  };
}

export function subtractResources(a: Resources, b: Resources): Resources {
  return {
    milliCpu: a.milliCpu - b.milliCpu,
    memoryBytes: a.memoryBytes - b.memoryBytes,
    pods: a.pods - b.pods,
    gpus: a.gpus - b.gpus,
  };
}

export function scaleResources(a: Resources, factor: number): Resources {
  if (!Number.isInteger(factor)) throw new RangeError(`resource scale factor must be an integer, got ${factor}`);
  return {
    milliCpu: a.milliCpu * factor,
    memoryBytes: a.memoryBytes * factor,
    pods: a.pods * factor,
    gpus: a.gpus * factor,
  };
}

/** True when `request` fits inside `available` in every dimension. */
export function fits(request: Resources, available: Resources): boolean {
  return (
    request.milliCpu <= available.milliCpu &&
    request.memoryBytes <= available.memoryBytes &&
    request.pods <= available.pods &&
    request.gpus <= available.gpus
  );
}

export function maxResources(a: Resources, b: Resources): Resources {
  return {
    milliCpu: Math.max(a.milliCpu, b.milliCpu),
    memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
    pods: Math.max(a.pods, b.pods),
    gpus: Math.max(a.gpus, b.gpus),
  };
}

/** Resource list as Kubernetes writes it (`{cpu: "250m", memory: "512Mi"}`). */
export interface ResourceList {
  [name: string]: string | number | undefined;
}

const GPU_RESOURCE_NAMES = ['nvidia.com/gpu', 'amd.com/gpu'];

/**
 * Reads a Kubernetes resource list (a container's requests, a node's allocatable).
 * Unknown resource names are ignored; an invalid quantity throws a QuantityError naming it.
 */
export function resourcesFromList(list: ResourceList | undefined, defaults: { pods?: number } = {}): Resources {
  const read = (name: string, parse: (s: string) => number): number => {
    const raw = list?.[name];
    if (raw === undefined || raw === null) return 0;
    return parse(String(raw));
  };
  let gpus = 0;
  for (const name of GPU_RESOURCE_NAMES) gpus += read(name, parseNonNegativeUnits);
  const pods = list?.pods !== undefined ? read('pods', parseNonNegativeUnits) : (defaults.pods ?? 0);
  return {
    milliCpu: read('cpu', parseNonNegativeMilli),
    memoryBytes: read('memory', parseNonNegativeUnits),
    pods,
    gpus,
  };
}

export function resourcesToList(r: Resources): Record<string, string> {
  const list: Record<string, string> = {
    cpu: formatMilli(r.milliCpu),
    memory: formatBytes(r.memoryBytes),
    pods: String(r.pods),
  };
  if (r.gpus > 0) list['nvidia.com/gpu'] = String(r.gpus);
  return list;
}
