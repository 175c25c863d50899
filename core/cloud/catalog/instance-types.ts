/**
 * Catalog entries → instance types with offerings (one per zone × capacity type).
 */
import type { CapacityType } from '../../model/labels.js';
import { Labels } from '../../model/labels.js';
import type { InstanceType, Offering } from '../../model/instance-type.js';
import { MIB } from '../../model/quantity.js';
import type { CatalogEntry } from './format.js';

export const DEFAULT_ZONES: readonly string[] = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/**
 * How many pods a node may run. `eks` (default) follows the EKS max-pods calculator: the ENI
 * limit capped at 110 below 30 vCPUs and at 250 from 30 vCPUs. `eni` keeps the raw ENI limit
 * (737 on big types). A number sets the same limit for every type (like kubelet `maxPods`).
 */
export type MaxPodsPolicy = 'eks' | 'eni' | number;

export interface CatalogOptions {
  readonly zones?: readonly string[];
  readonly capacityTypes?: readonly CapacityType[];
  /**
   * Spot price as a fraction off on-demand, used when the catalog has no spot price for a type
   * (0.6 → spot costs 40% of on-demand). Default 0.6.
   */
  readonly spotDiscount?: number;
  readonly maxPods?: MaxPodsPolicy;
  /** Offerings the cloud cannot sell at all (`offeringKey` form); they are kept with `available: false`. */
  readonly unavailable?: ReadonlySet<string>;
}

export const DEFAULT_SPOT_DISCOUNT = 0.6;

export function effectiveMaxPods(entry: Pick<CatalogEntry, 'vcpu' | 'maxPods'>, policy: MaxPodsPolicy = 'eks'): number {
  if (policy === 'eni') return entry.maxPods;
  if (policy === 'eks') return Math.min(entry.maxPods, entry.vcpu < 30 ? 110 : 250);
  return policy;
}

function validateOptions(options: CatalogOptions): void {
  const discount = options.spotDiscount ?? DEFAULT_SPOT_DISCOUNT;
  if (!(discount >= 0 && discount < 1)) throw new RangeError(`spotDiscount must be in [0, 1), got ${discount}`);
  const maxPods = options.maxPods ?? 'eks';
  if (typeof maxPods === 'number' && !(Number.isInteger(maxPods) && maxPods >= 1 && maxPods <= 10_000)) {
    throw new RangeError(`maxPods must be "eks", "eni" or an integer in [1, 10000], got ${maxPods}`);
  }
  if (options.zones && (options.zones.length === 0 || options.zones.some((z) => typeof z !== 'string' || z.length === 0 || z.includes('/')))) {
    throw new RangeError('zones must be a non-empty list of zone names (no "/")');
  }
}

export function instanceTypeFromEntry(entry: CatalogEntry, options: CatalogOptions = {}): InstanceType {
  validateOptions(options);
  const zones = options.zones ?? DEFAULT_ZONES;
  const capacityTypes = options.capacityTypes ?? ['on-demand', 'spot'];
  const discount = options.spotDiscount ?? DEFAULT_SPOT_DISCOUNT;
  const pods = effectiveMaxPods(entry, options.maxPods);
  const offerings: Offering[] = [];
  for (const capacityType of capacityTypes) {
    const pricePerHour = capacityType === 'on-demand' ? entry.onDemandUsdPerHour : (entry.spotUsdPerHour ?? round6(entry.onDemandUsdPerHour * (1 - discount)));
    for (const zone of zones) {
      const available = !options.unavailable?.has(`${entry.name}/${zone}/${capacityType}`);
      offerings.push({ zone, capacityType, pricePerHour, available });
    }
  }
  const labels: Record<string, string> = {
    [Labels.instanceType]: entry.name,
    [Labels.arch]: entry.arch,
    [Labels.os]: 'linux',
    [Labels.instanceFamily]: entry.family,
    [Labels.instanceSize]: entry.size,
    [Labels.instanceCategory]: entry.category,
    [Labels.instanceGeneration]: String(entry.generation),
    [Labels.instanceCpu]: String(entry.vcpu),
    [Labels.instanceMemory]: String(entry.memoryMiB),
    [Labels.instanceGpuCount]: String(entry.gpu),
  };
  if (entry.hypervisor) labels[Labels.instanceHypervisor] = entry.hypervisor;
  if (entry.cpuManufacturer) labels[Labels.instanceCpuManufacturer] = entry.cpuManufacturer;
  return {
    name: entry.name,
    arch: entry.arch,
    labels,
    capacity: { milliCpu: entry.vcpu * 1000, memoryBytes: entry.memoryMiB * MIB, pods: pods, gpus: entry.gpu },
    // Allocatable memory is the file's figure, computed by Karpenter with the uncapped ENI pod
    // count; with the EKS cap a little more is really free, so this errs on the safe side.
    allocatable: { milliCpu: entry.allocatableCpuMilli, memoryBytes: entry.allocatableMemoryMiB * MIB, pods, gpus: entry.gpu },
    offerings,
  };
}

export function instanceTypesFromCatalog(entries: readonly CatalogEntry[], options: CatalogOptions = {}): InstanceType[] {
  validateOptions(options);
  return entries.map((e) => instanceTypeFromEntry(e, options));
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
