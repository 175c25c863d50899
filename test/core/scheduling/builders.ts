/**
 * Builders for planner tests: instance types, pools, pods and nodes with option structs, so each
 * test states only what matters to it.
 */
import type { InstanceType, Offering } from '../../../core/model/instance-type.js';
import { Labels, type Arch, type CapacityType } from '../../../core/model/labels.js';
import type { ExistingNode } from '../../../core/model/node.js';
import { DEFAULT_DISRUPTION, type NodePool } from '../../../core/model/node-pool.js';
import type { Pod } from '../../../core/model/pod.js';
import { GIB, MIB } from '../../../core/model/quantity.js';
import type { Resources } from '../../../core/model/resources.js';

export const ZONES = ['zone-a', 'zone-b', 'zone-c'];

export interface TypeOptions {
  name: string;
  cpu: number; // vCPU
  memoryGiB: number;
  price: number; // on-demand USD/h
  arch?: Arch;
  gpus?: number;
  pods?: number;
  zones?: string[];
  capacityTypes?: CapacityType[];
  spotPrice?: number;
}

export function instanceType(o: TypeOptions): InstanceType {
  const [family, size] = o.name.split('.');
  const offerings: Offering[] = [];
  for (const capacityType of o.capacityTypes ?? ['on-demand']) {
    for (const zone of o.zones ?? ZONES) {
      offerings.push({ zone, capacityType, pricePerHour: capacityType === 'spot' ? (o.spotPrice ?? o.price * 0.4) : o.price, available: true });
    }
  }
  const capacity: Resources = { milliCpu: o.cpu * 1000, memoryBytes: o.memoryGiB * GIB, pods: o.pods ?? 110, gpus: o.gpus ?? 0 };
  return {
    name: o.name,
    arch: o.arch ?? 'amd64',
    labels: {
      [Labels.instanceType]: o.name,
      [Labels.arch]: o.arch ?? 'amd64',
      [Labels.instanceFamily]: family,
      [Labels.instanceSize]: size ?? 'large',
      [Labels.instanceCategory]: family.replace(/\d.*$/, ''),
      [Labels.instanceGeneration]: /\d+/.exec(family)?.[0] ?? '0',
      [Labels.instanceCpu]: String(o.cpu),
      [Labels.instanceMemory]: String(o.memoryGiB * 1024),
      [Labels.instanceGpuCount]: String(o.gpus ?? 0),
    },
    capacity,
    // Allocatable a little under capacity, like a real node.
    allocatable: { ...capacity, milliCpu: capacity.milliCpu - 100, memoryBytes: capacity.memoryBytes - 512 * MIB },
    offerings,
  };
}

/** A small catalog: m (4 GiB/vCPU), c (2 GiB/vCPU), r (8 GiB/vCPU), an arm64 family and a GPU type. */
export function smallCatalog(): InstanceType[] {
  return [
    instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096 }),
    instanceType({ name: 'm5.xlarge', cpu: 4, memoryGiB: 16, price: 0.192 }),
    instanceType({ name: 'm5.2xlarge', cpu: 8, memoryGiB: 32, price: 0.384 }),
    instanceType({ name: 'm5.4xlarge', cpu: 16, memoryGiB: 64, price: 0.768 }),
    instanceType({ name: 'c5.large', cpu: 2, memoryGiB: 4, price: 0.085 }),
    instanceType({ name: 'c5.xlarge', cpu: 4, memoryGiB: 8, price: 0.17 }),
    instanceType({ name: 'r5.large', cpu: 2, memoryGiB: 16, price: 0.126 }),
    instanceType({ name: 'r5.xlarge', cpu: 4, memoryGiB: 32, price: 0.252 }),
    instanceType({ name: 'm6g.large', cpu: 2, memoryGiB: 8, price: 0.077, arch: 'arm64' }),
    instanceType({ name: 'm6g.xlarge', cpu: 4, memoryGiB: 16, price: 0.154, arch: 'arm64' }),
    instanceType({ name: 'g4dn.xlarge', cpu: 4, memoryGiB: 16, price: 0.526, gpus: 1 }),
  ];
}

export function nodePool(o: Partial<NodePool> = {}): NodePool {
  return { name: 'default', weight: 0, requirements: [], taints: [], labels: {}, limits: {}, disruption: DEFAULT_DISRUPTION, ...o };
}

export interface PodOptions extends Partial<Omit<Pod, 'requests'>> {
  cpu?: number; // millicores
  memoryMiB?: number;
  gpus?: number;
}

let podCounter = 0;

export function pod(o: PodOptions = {}): Pod {
  const { cpu, memoryMiB, gpus, ...rest } = o;
  return {
    namespace: 'default',
    name: `pod-${podCounter++}`,
    labels: {},
    ...rest,
    requests: { milliCpu: cpu ?? 500, memoryBytes: (memoryMiB ?? 512) * MIB, pods: 1, gpus: gpus ?? 0 },
  };
}

export function pods(count: number, o: PodOptions = {}): Pod[] {
  const prefix = o.name ?? `pods-${podCounter++}`;
  return Array.from({ length: count }, (_, i) => pod({ ...o, name: `${prefix}-${i}` }));
}

export interface NodeOptions extends Partial<ExistingNode> {
  cpu?: number; // vCPU allocatable
  memoryGiB?: number;
  zone?: string;
}

export function existingNode(o: NodeOptions = {}): ExistingNode {
  const { cpu, memoryGiB, zone, ...rest } = o;
  const name = rest.name ?? `node-${podCounter++}`;
  return {
    name,
    nodePool: 'default',
    instanceType: 'm5.xlarge',
    zone: zone ?? 'zone-a',
    capacityType: 'on-demand',
    pricePerHour: 0.192,
    taints: [],
    pods: [],
    createdAt: 0,
    initialized: true,
    ...rest,
    labels: { [Labels.zone]: zone ?? 'zone-a', [Labels.hostname]: name, [Labels.arch]: 'amd64', [Labels.instanceType]: rest.instanceType ?? 'm5.xlarge', ...(rest.labels ?? {}) },
    allocatable: rest.allocatable ?? { milliCpu: (cpu ?? 4) * 1000, memoryBytes: (memoryGiB ?? 16) * GIB, pods: 110, gpus: 0 },
  };
}
