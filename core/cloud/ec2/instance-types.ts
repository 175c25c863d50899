/**
 * The region's instance types with their offerings: DescribeInstanceTypes (what each type is)
 * and DescribeInstanceTypeOfferings (which zones sell it), both paginated, cached for a TTL on
 * the injected clock. Offerings are rebuilt on every read from the cached shapes, the current
 * prices and the unavailable-offerings cache, so price refreshes and exclusions apply at once.
 * When a describe fails and an older result exists, the older result is used (and the error kept
 * for status) rather than leaving the solver with nothing.
 */
import {
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  type InstanceTypeInfo,
} from '@aws-sdk/client-ec2';
import type { Clock } from '../../model/clock.js';
import type { InstanceType, Offering } from '../../model/instance-type.js';
import { CAPACITY_TYPES, Labels, type Arch, type CapacityType } from '../../model/labels.js';
import type { MaxPodsPolicy } from '../catalog/instance-types.js';
import type { UnavailableOfferings } from '../unavailable-offerings.js';
import { eniMaxPods, machineResources, type MachineShape } from './allocatable.js';
import type { KubeletConfiguration } from './node-class.js';
import type { Ec2Api } from './api.js';
import type { Ec2Pricing } from './pricing.js';

export const DEFAULT_INSTANCE_TYPES_TTL_MS = 10 * 60 * 1000;

/** One type as described by EC2, reduced to what smartscale uses. */
export interface DescribedType {
  readonly name: string;
  readonly shape: MachineShape;
  readonly capacityTypes: readonly CapacityType[];
  readonly zones: readonly string[];
  readonly hypervisor: string;
  readonly cpuManufacturer?: string;
}

const ARCHES: Readonly<Record<string, Arch>> = { x86_64: 'amd64', arm64: 'arm64' };

/** Reads one DescribeInstanceTypes record; undefined for types smartscale cannot run (mac, i386, no network info). */
export function describedShape(info: InstanceTypeInfo): Omit<DescribedType, 'zones'> | undefined {
  const name = info.InstanceType;
  const arch = (info.ProcessorInfo?.SupportedArchitectures ?? []).map((a) => ARCHES[a]).find((a) => a !== undefined);
  const vcpu = info.VCpuInfo?.DefaultVCpus;
  const memoryMiB = info.MemoryInfo?.SizeInMiB;
  const enis = info.NetworkInfo?.NetworkCards?.[0]?.MaximumNetworkInterfaces ?? info.NetworkInfo?.MaximumNetworkInterfaces;
  const ipsPerEni = info.NetworkInfo?.Ipv4AddressesPerInterface;
  if (!name || !arch || !vcpu || !memoryMiB || !enis || !ipsPerEni) return undefined;
  const capacityTypes = CAPACITY_TYPES.filter((c) => (info.SupportedUsageClasses ?? []).includes(c));
  if (capacityTypes.length === 0) return undefined;
  const gpus = (info.GpuInfo?.Gpus ?? [])
    .filter((g) => /nvidia|amd/i.test(g.Manufacturer ?? ''))
    .reduce((sum, g) => sum + (g.Count ?? 0), 0);
  return {
    name,
    shape: { vcpu, memoryMiB, arch, gpus, eniMaxPods: eniMaxPods(enis, ipsPerEni) },
    capacityTypes,
    hypervisor: info.BareMetal ? 'none' : (info.Hypervisor ?? 'nitro'),
    cpuManufacturer: info.ProcessorInfo?.Manufacturer?.toLowerCase(),
  };
}

/** The node labels of a type, the same keys and spellings as the catalog's (`core/cloud/catalog`). */
export function instanceTypeLabels(t: Omit<DescribedType, 'zones'>): Record<string, string> {
  const [family, size = 'unknown'] = t.name.split('.');
  const labels: Record<string, string> = {
    [Labels.instanceType]: t.name,
    [Labels.arch]: t.shape.arch,
    [Labels.os]: 'linux',
    [Labels.instanceFamily]: family,
    [Labels.instanceSize]: size,
    [Labels.instanceCategory]: family.replace(/[^a-z-].*$/, ''),
    [Labels.instanceGeneration]: String(Number(/\d+/.exec(family)?.[0] ?? 0)),
    [Labels.instanceCpu]: String(t.shape.vcpu),
    [Labels.instanceMemory]: String(t.shape.memoryMiB),
    [Labels.instanceGpuCount]: String(t.shape.gpus),
    [Labels.instanceHypervisor]: t.hypervisor,
  };
  if (t.cpuManufacturer) labels[Labels.instanceCpuManufacturer] = t.cpuManufacturer;
  return labels;
}

export interface InstanceTypesOptions {
  readonly ttlMs?: number;
  readonly maxPods?: MaxPodsPolicy;
}

export class Ec2InstanceTypes {
  private described: DescribedType[] | undefined;
  private describedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<DescribedType[]> | undefined;
  private lastError: string | undefined;
  private readonly ttlMs: number;
  private readonly maxPods: MaxPodsPolicy;

  constructor(
    private readonly api: Ec2Api,
    private readonly pricing: Ec2Pricing,
    private readonly unavailable: UnavailableOfferings,
    private readonly clock: Pick<Clock, 'now'>,
    options: InstanceTypesOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_INSTANCE_TYPES_TTL_MS;
    if (!(Number.isFinite(this.ttlMs) && this.ttlMs >= 0)) throw new RangeError(`instance type TTL must be finite and ≥ 0, got ${this.ttlMs}`);
    this.maxPods = options.maxPods ?? 'eks';
  }

  /**
   * Every type with at least one priced offering; `available` reflects the exclusion cache now.
   * With a node class's kubelet settings, capacity and allocatable are what that kubelet gives pods.
   */
  async list(kubelet?: KubeletConfiguration): Promise<InstanceType[]> {
    const [described] = await Promise.all([this.describe(), this.pricing.refreshSpotIfDue()]);
    const out: InstanceType[] = [];
    for (const t of described) {
      const type = this.toInstanceType(t, kubelet);
      if (type) out.push(type);
    }
    return out;
  }

  /** The described shapes (cached). Exposed for the launch path, which needs arch and zones. */
  async describe(): Promise<DescribedType[]> {
    if (this.described && this.clock.now() - this.describedAt < this.ttlMs) return this.described;
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    try {
      return await this.inFlight;
    } catch (error) {
      if (!this.described) throw error;
      this.lastError = error instanceof Error ? error.message : String(error);
      return this.described;
    }
  }

  /** The error of the last failed refresh while a cached result was served, if any. */
  get staleReason(): string | undefined {
    return this.lastError;
  }

  /** Drops the cache so the next read describes again. */
  invalidate(): void {
    this.describedAt = Number.NEGATIVE_INFINITY;
  }

  private async fetch(): Promise<DescribedType[]> {
    const [infos, offerings] = await Promise.all([
      this.api.paginate(
        'DescribeInstanceTypes',
        (client, NextToken) => client.send(new DescribeInstanceTypesCommand({ MaxResults: 100, NextToken })),
        (page) => page.InstanceTypes,
      ),
      this.api.paginate(
        'DescribeInstanceTypeOfferings',
        (client, NextToken) =>
          client.send(new DescribeInstanceTypeOfferingsCommand({ LocationType: 'availability-zone', MaxResults: 1000, NextToken })),
        (page) => page.InstanceTypeOfferings,
      ),
    ]);
    const zonesByType = new Map<string, Set<string>>();
    for (const o of offerings) {
      if (!o.InstanceType || !o.Location) continue;
      let zones = zonesByType.get(o.InstanceType);
      if (!zones) zonesByType.set(o.InstanceType, (zones = new Set()));
      zones.add(o.Location);
    }
    const described: DescribedType[] = [];
    for (const info of infos) {
      const shape = describedShape(info);
      const zones = shape && zonesByType.get(shape.name);
      if (shape && zones && zones.size > 0) described.push({ ...shape, zones: [...zones].sort() });
    }
    described.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.described = described;
    this.describedAt = this.clock.now();
    this.lastError = undefined;
    return described;
  }

  private toInstanceType(t: DescribedType, kubelet?: KubeletConfiguration): InstanceType | undefined {
    const offerings: Offering[] = [];
    for (const capacityType of t.capacityTypes) {
      for (const zone of t.zones) {
        const price = capacityType === 'on-demand' ? this.pricing.onDemandPrice(t.name) : this.pricing.spotPrice(t.name, zone);
        // An offering without a price cannot be compared, so it is left out rather than guessed.
        if (price === undefined) continue;
        const available = !this.unavailable.isUnavailable({ instanceType: t.name, zone, capacityType });
        offerings.push({ zone, capacityType, pricePerHour: price, available });
      }
    }
    if (offerings.length === 0) return undefined;
    const { capacity, allocatable } = machineResources(t.shape, this.maxPods, kubelet);
    return { name: t.name, arch: t.shape.arch, labels: instanceTypeLabels(t), capacity, allocatable, offerings };
  }
}
