/**
 * The resources one replica of a Deployment requests, read from its pod template, and the extra
 * capacity a number of new replicas needs (`smartscale.io/capacity`).
 */
import type { CapacityAnnotation } from '../../core/model/annotations.js';
import { formatBytes, formatMilli } from '../../core/model/quantity.js';
import { maxResources, addResources, resources, resourcesFromList, scaleResources, type ResourceList, type Resources } from '../../core/model/resources.js';

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const BINARY: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
const SIMPLE_CPU = /^(\d{1,9})(m?)$/;
const SIMPLE_MEMORY = /^(\d{1,9})(Ki|Mi|Gi|Ti)?$/;

/**
 * The spellings nearly every manifest uses (`250m`, `2`, `512Mi`, `1Gi`) read with plain integer
 * arithmetic — exact, as these are whole numbers well inside 2^53 — and everything else through the
 * exact BigInt parser. The webhook reads every container of every admitted Deployment, so this path
 * is hot; the fast path gives the same numbers (tested against the exact parser).
 */
export function containerRequests(container: unknown): Resources {
  const requests = asRecord(asRecord(asRecord(container)?.resources)?.requests);
  if (!requests) return resources();
  const cpu = requests.cpu;
  const memory = requests.memory;
  const cpuMatch = typeof cpu === 'string' ? SIMPLE_CPU.exec(cpu) : cpu === undefined ? null : undefined;
  const memMatch = typeof memory === 'string' ? SIMPLE_MEMORY.exec(memory) : memory === undefined ? null : undefined;
  let onlyCpuAndMemory = true;
  for (const key in requests) if (key !== 'cpu' && key !== 'memory') onlyCpuAndMemory = false;
  if (onlyCpuAndMemory && cpuMatch !== undefined && memMatch !== undefined && (cpu === undefined || cpuMatch) && (memory === undefined || memMatch)) {
    const milliCpu = cpuMatch ? Number(cpuMatch[1]) * (cpuMatch[2] === 'm' ? 1 : 1000) : 0;
    const memoryBytes = memMatch ? Number(memMatch[1]) * BINARY[memMatch[2] ?? ''] : 0;
    if (Number.isSafeInteger(memoryBytes)) return resources({ milliCpu, memoryBytes });
  }
  return resourcesFromList(requests as ResourceList);
}

/**
 * What the scheduler reserves for one pod of this template: the sum of the containers' requests, or
 * the largest init container's if that is more (init containers run one at a time, before the rest),
 * plus the pod overhead, and one pod slot. Bad quantities are reported and counted as zero.
 */
export function podRequests(template: unknown, warnings: string[]): Resources {
  const spec = asRecord(asRecord(template)?.spec);
  let sum = resources();
  let init = resources();
  try {
    const containers = Array.isArray(spec?.containers) ? spec.containers : [];
    for (const c of containers) sum = addResources(sum, containerRequests(c));
    const initContainers = Array.isArray(spec?.initContainers) ? spec.initContainers : [];
    for (const c of initContainers) init = maxResources(init, containerRequests(c));
    const overhead = resourcesFromList(asRecord(spec?.overhead) as ResourceList | undefined);
    return addResources(addResources(maxResources(sum, init), overhead), resources({ pods: 1 }));
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
