/**
 * CreateFleet (`Type: instant`) for one node claim, as pure functions: which offerings become
 * overrides, the exact request, and how the response (instances and per-override `Errors`) is
 * read. The provider (provider.ts) does the I/O around them.
 */
import type { _InstanceType, CreateFleetCommandInput, CreateFleetCommandOutput, FleetLaunchTemplateConfigRequest, Tag } from '@aws-sdk/client-ec2';
import type { OfferingRef } from '../../model/instance-type.js';
import type { Arch, CapacityType } from '../../model/labels.js';
import { INSUFFICIENT_CAPACITY_CODES } from './errors.js';

/** EC2 rejects fleets with too many overrides; Karpenter's cap of 60 types keeps well inside it. */
export const MAX_FLEET_INSTANCE_TYPES = 60;

/** One offering the claim may launch into, with the subnet chosen for its zone. */
export interface LaunchCandidate {
  readonly instanceType: string;
  readonly arch: Arch;
  readonly zone: string;
  readonly subnetId: string;
  readonly capacityType: CapacityType;
  readonly pricePerHour: number;
  /** vCPUs of the type, when known (a vCPU quota error rules out only types at least as large). */
  readonly vcpus?: number;
}

export function candidateRef(c: LaunchCandidate): OfferingRef {
  return { instanceType: c.instanceType, zone: c.zone, capacityType: c.capacityType };
}

/**
 * Spot whenever the claim allows it and a spot offering is left (it is the cheaper market, as in
 * Karpenter); on-demand otherwise. Returns undefined when there are no candidates. A fleet asks for
 * one capacity type (`DefaultTargetCapacityType`), so a claim allowing both gets a spot fleet
 * first and, when every spot override fails for capacity, an on-demand fleet in the next round.
 */
export function chooseCapacityType(candidates: readonly LaunchCandidate[]): CapacityType | undefined {
  if (candidates.some((c) => c.capacityType === 'spot')) return 'spot';
  return candidates.length > 0 ? 'on-demand' : undefined;
}

function byPrice(a: LaunchCandidate, b: LaunchCandidate): number {
  return a.pricePerHour - b.pricePerHour || cmp(a.instanceType, b.instanceType) || cmp(a.zone, b.zone);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The overrides for one capacity type: cheapest first, limited to the 60 cheapest instance types
 * (a type's price is that of its cheapest offering), every zone of each kept type.
 */
export function selectOverrides(candidates: readonly LaunchCandidate[], capacityType: CapacityType): LaunchCandidate[] {
  const sorted = candidates.filter((c) => c.capacityType === capacityType).sort(byPrice);
  const keptTypes = new Set<string>();
  for (const c of sorted) {
    if (keptTypes.size >= MAX_FLEET_INSTANCE_TYPES) break;
    keptTypes.add(c.instanceType);
  }
  return sorted.filter((c) => keptTypes.has(c.instanceType));
}

export interface FleetRequest {
  /** Already filtered to one capacity type and ordered (selectOverrides). */
  readonly overrides: readonly LaunchCandidate[];
  readonly capacityType: CapacityType;
  /** Launch template name per architecture present in the overrides. */
  readonly launchTemplates: ReadonlyMap<Arch, string>;
  readonly tags: readonly Tag[];
  readonly clientToken: string;
}

export function buildCreateFleetInput(request: FleetRequest): CreateFleetCommandInput {
  const configs: FleetLaunchTemplateConfigRequest[] = [];
  const byArch = new Map<Arch, FleetLaunchTemplateConfigRequest>();
  for (const c of request.overrides) {
    let config = byArch.get(c.arch);
    if (!config) {
      const name = request.launchTemplates.get(c.arch);
      if (!name) throw new Error(`no launch template for ${c.arch} (instance type ${c.instanceType})`);
      config = { LaunchTemplateSpecification: { LaunchTemplateName: name, Version: '$Latest' }, Overrides: [] };
      byArch.set(c.arch, config);
      configs.push(config);
    }
    // The zone is redundant with the subnet but lets a capacity error be traced to its offering.
    config.Overrides!.push({ InstanceType: c.instanceType as _InstanceType, SubnetId: c.subnetId, AvailabilityZone: c.zone });
  }
  const tags = [...request.tags];
  return {
    Type: 'instant',
    ClientToken: request.clientToken,
    LaunchTemplateConfigs: configs,
    TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: request.capacityType },
    ...(request.capacityType === 'spot'
      ? { SpotOptions: { AllocationStrategy: 'price-capacity-optimized' } }
      : { OnDemandOptions: { AllocationStrategy: 'lowest-price' } }),
    // The resource types EC2 documents for an instant fleet's TagSpecifications are fleet, instance,
    // volume and network-interface (CreateFleet API reference); `spot-instances-request` is not one
    // of them — sent before, it risked every spot launch failing with InvalidParameterValue. The
    // network interfaces are tagged by the launch template; the spot request needs no tag of its
    // own (the IAM conditions read aws:RequestTag, the tags of the whole request). docs/ec2.md.
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags },
      { ResourceType: 'fleet', Tags: tags },
    ],
  };
}

export interface LaunchedInstance {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly capacityType: CapacityType;
}

export interface FleetOutcome {
  /** The instance launched, if any. */
  readonly instance?: LaunchedInstance;
  /** Offerings EC2 reported as out of capacity (each once). */
  readonly insufficient: OfferingRef[];
  /** The same, with the code EC2 gave (some codes speak for more offerings: `sharesFailure`). */
  readonly capacityFailures: ReadonlyArray<{ ref: OfferingRef; code: string }>;
  /** Every other error, for a typed failure when nothing launched. */
  readonly otherErrors: ReadonlyArray<{ code: string; message: string }>;
}

/** Reads CreateFleet's answer; `zoneOfSubnet` fills in the zone when EC2 omits it. */
export function readFleetResponse(
  output: Pick<CreateFleetCommandOutput, 'Instances' | 'Errors'>,
  capacityType: CapacityType,
  zoneOfSubnet: (subnetId: string | undefined) => string | undefined,
): FleetOutcome {
  let instance: LaunchedInstance | undefined;
  for (const i of output.Instances ?? []) {
    const id = i.InstanceIds?.[0];
    const o = i.LaunchTemplateAndOverrides?.Overrides;
    const zone = o?.AvailabilityZone ?? zoneOfSubnet(o?.SubnetId);
    if (id && i.InstanceType && zone) {
      instance = { instanceId: id, instanceType: i.InstanceType, zone, capacityType: i.Lifecycle === 'spot' ? 'spot' : i.Lifecycle === 'on-demand' ? 'on-demand' : capacityType };
      break;
    }
  }
  const insufficient = new Map<string, OfferingRef>();
  const capacityFailures: Array<{ ref: OfferingRef; code: string }> = [];
  const otherErrors: Array<{ code: string; message: string }> = [];
  for (const e of output.Errors ?? []) {
    const code = e.ErrorCode ?? 'Unknown';
    const o = e.LaunchTemplateAndOverrides?.Overrides;
    const zone = o?.AvailabilityZone ?? zoneOfSubnet(o?.SubnetId);
    const errorCapacityType: CapacityType = e.Lifecycle === 'spot' ? 'spot' : e.Lifecycle === 'on-demand' ? 'on-demand' : capacityType;
    if (INSUFFICIENT_CAPACITY_CODES.has(code) && o?.InstanceType && zone) {
      const ref: OfferingRef = { instanceType: o.InstanceType, zone, capacityType: errorCapacityType };
      insufficient.set(`${ref.instanceType}/${ref.zone}/${ref.capacityType}`, ref);
      capacityFailures.push({ ref, code });
    } else {
      otherErrors.push({ code, message: e.ErrorMessage ?? code });
    }
  }
  return { instance, insufficient: [...insufficient.values()], capacityFailures, otherErrors };
}

/**
 * The On-Demand and Spot vCPU quotas of an account are per class of families (Service Quotas:
 * "Standard (A, C, D, H, I, M, R, T, Z)", "F", "G and VT", "Inf", "P", "X", "DL", "Trn", "HPC",
 * high memory "U"). Two types of one class draw on the same quota.
 */
export function quotaClass(instanceType: string): string {
  const family = instanceType.split('.')[0];
  const prefix = /^[a-z]+/.exec(family)?.[0] ?? family;
  for (const special of ['inf', 'trn', 'dl', 'hpc', 'mac']) if (prefix.startsWith(special)) return special;
  if (prefix === 'u') return 'high-memory';
  if (prefix.startsWith('g') || prefix === 'vt') return 'g-vt';
  if (prefix === 'p' || prefix === 'x' || prefix === 'f') return prefix;
  return 'standard';
}

/**
 * Whether a failure EC2 reported for one offering holds for another offering too: a quota is
 * per account, class and capacity type (`MaxSpotInstanceCountExceeded` is the Spot vCPU quota,
 * `VcpuLimitExceeded` the On-Demand one) and counted in vCPUs, so it fails the types at least as
 * large as the one refused (a smaller one may still fit what is left; when sizes are not known,
 * every type of the class); a full subnet fails every type in its zone (one subnet per zone is
 * used). EC2 names only the override it tried, and the next round would try the others in vain.
 */
export function sharesFailure(code: string, failed: OfferingRef & { vcpus?: number }, other: OfferingRef & { vcpus?: number }): boolean {
  switch (code) {
    case 'MaxSpotInstanceCountExceeded':
    case 'VcpuLimitExceeded': {
      const sameQuota = other.capacityType === failed.capacityType && quotaClass(other.instanceType) === quotaClass(failed.instanceType);
      const smaller = failed.vcpus !== undefined && other.vcpus !== undefined && other.vcpus < failed.vcpus;
      return sameQuota && !smaller;
    }
    case 'InsufficientFreeAddressesInSubnet':
      return other.zone === failed.zone;
    default:
      return false;
  }
}

/** The offerings each capacity failure rules out among `candidates`, the failed ones included. */
export function offeringsRuledOut(failures: FleetOutcome['capacityFailures'], candidates: readonly LaunchCandidate[]): OfferingRef[] {
  const out = new Map<string, OfferingRef>();
  for (const { ref, code } of failures) {
    out.set(`${ref.instanceType}/${ref.zone}/${ref.capacityType}`, ref);
    const failed = { ...ref, vcpus: candidates.find((c) => c.instanceType === ref.instanceType)?.vcpus };
    for (const c of candidates) {
      const other = candidateRef(c);
      if (sharesFailure(code, failed, { ...other, vcpus: c.vcpus })) out.set(`${other.instanceType}/${other.zone}/${other.capacityType}`, other);
    }
  }
  return [...out.values()];
}
