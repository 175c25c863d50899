/**
 * Allocatable resources of an EC2 instance type, computed the way the kubelet on an EKS AL2023
 * node reserves them with Karpenter's defaults — the same formula that produced the shared
 * catalog (`../shared/catalog/README.md`), so the EC2 provider and the offline catalog agree to
 * the MiB (a test checks all 1,345 types). Pure.
 *
 *   pods(ENI)    = ENIs × (IPv4 per ENI − 1) + 2
 *   pods         = pods(ENI) capped like the EKS max-pods calculator (110 below 30 vCPUs, else 250)
 *   cpu reserved = 6% of the 1st core + 1% of the 2nd + 0.5% of the 3rd–4th + 0.25% of the rest
 *   allocatable cpu    = vCPU × 1000 − cpu reserved                                (millicores)
 *   allocatable memory = memory − 7.5% VM overhead − (11 MiB × pods(ENI) + 255 MiB) − 100 MiB
 *                        (− 59 MiB more on arm64), rounded down to a whole MiB
 *
 * A node class's `spec.kubelet` changes it as the kubelet would: `maxPods` and `podsPerCore` set
 * the pods (kube-reserved memory still counts the ENI pods: nodeadm computes it so and merges the
 * user's config over it), `kubeReserved` replaces the formula for its resources, `systemReserved`
 * and `evictionHard["memory.available"]` (0% and 100%: none) are taken off too.
 *
 * kube-reserved memory uses the uncapped ENI pod count, as Karpenter does, so with the EKS cap a
 * little more memory is really free: the figure errs on the safe side. The 59 MiB arm64 term is
 * what Karpenter's published figures show for every arm64 type (the catalog reproduces them); it
 * is kept so the two sources match.
 */
import type { Arch } from '../../model/labels.js';
import type { Resources } from '../../model/resources.js';
import { MIB, parseNonNegativeUnits } from '../../model/quantity.js';
import { effectiveMaxPods, type MaxPodsPolicy } from '../catalog/instance-types.js';
import type { KubeletConfiguration } from './node-class.js';

export const VM_MEMORY_OVERHEAD_FRACTION = 0.075;
export const EVICTION_HARD_MEMORY_MIB = 100;
export const ARM64_EXTRA_RESERVED_MIB = 59;

/** The machine facts the formula needs (from DescribeInstanceTypes or a catalog entry). */
export interface MachineShape {
  readonly vcpu: number;
  readonly memoryMiB: number;
  readonly arch: Arch;
  readonly gpus: number;
  /** ENI-limited pod count: ENIs × (IPv4 per ENI − 1) + 2. */
  readonly eniMaxPods: number;
}

export function eniMaxPods(maxNetworkInterfaces: number, ipv4PerInterface: number): number {
  return maxNetworkInterfaces * (ipv4PerInterface - 1) + 2;
}

/** kube-reserved CPU in millicores (Karpenter/EKS table); fractional, callers floor the result. */
export function kubeReservedMilliCpu(vcpu: number): number {
  const milli = vcpu * 1000;
  const bands: ReadonlyArray<readonly [number, number, number]> = [
    [0, 1000, 0.06],
    [1000, 2000, 0.01],
    [2000, 4000, 0.005],
    [4000, Number.POSITIVE_INFINITY, 0.0025],
  ];
  let reserved = 0;
  for (const [start, end, fraction] of bands) if (milli > start) reserved += (Math.min(milli, end) - start) * fraction;
  return reserved;
}

export function kubeReservedMemoryMiB(eniPods: number): number {
  return 11 * eniPods + 255;
}

/** A `memory.available` threshold in MiB: a quantity, or a percentage of the machine's memory. */
export function evictionMemoryMiB(threshold: string | undefined, memoryMiB: number): number {
  if (threshold === undefined) return EVICTION_HARD_MEMORY_MIB;
  if (threshold.endsWith('%')) {
    const percent = Number(threshold.slice(0, -1));
    // The kubelet reads 0% and 100% as "no threshold".
    return percent >= 100 ? 0 : (memoryMiB * percent) / 100;
  }
  return parseNonNegativeUnits(threshold) / MIB;
}

export function allocatableMemoryMiB(shape: MachineShape, kubelet?: KubeletConfiguration): number {
  // nodeadm derives kube-reserved memory from the ENI pod count and the user's kubelet config is
  // merged over it, so maxPods does not change it (Karpenter counts ENI pods for AL2023 too).
  const kubeReserved = kubelet?.kubeReserved?.memory !== undefined ? kubelet.kubeReserved.memory / MIB : kubeReservedMemoryMiB(shape.eniMaxPods);
  const free =
    shape.memoryMiB -
    shape.memoryMiB * VM_MEMORY_OVERHEAD_FRACTION -
    kubeReserved -
    (kubelet?.systemReserved?.memory ?? 0) / MIB -
    evictionMemoryMiB(kubelet?.evictionHard?.['memory.available'], shape.memoryMiB) -
    (shape.arch === 'arm64' ? ARM64_EXTRA_RESERVED_MIB : 0);
  return Math.max(0, Math.floor(free));
}

export function allocatableMilliCpu(vcpu: number, kubelet?: KubeletConfiguration): number {
  const kubeReserved = kubelet?.kubeReserved?.cpu ?? Math.floor(kubeReservedMilliCpu(vcpu));
  return Math.max(0, vcpu * 1000 - kubeReserved - (kubelet?.systemReserved?.cpu ?? 0));
}

/** Pods per node: the kubelet's maxPods, else the policy's; podsPerCore caps it at that many per vCPU. */
export function podsPerNode(shape: MachineShape, maxPods: MaxPodsPolicy, kubelet?: KubeletConfiguration): number {
  const pods = kubelet?.maxPods ?? effectiveMaxPods({ vcpu: shape.vcpu, maxPods: shape.eniMaxPods }, maxPods);
  return kubelet?.podsPerCore ? Math.min(pods, kubelet.podsPerCore * shape.vcpu) : pods;
}

/** Capacity (raw machine) and allocatable (what pods may use) as resource vectors. */
export function machineResources(shape: MachineShape, maxPods: MaxPodsPolicy = 'eks', kubelet?: KubeletConfiguration): { capacity: Resources; allocatable: Resources } {
  const pods = podsPerNode(shape, maxPods, kubelet);
  return {
    capacity: { milliCpu: shape.vcpu * 1000, memoryBytes: shape.memoryMiB * MIB, pods, gpus: shape.gpus },
    allocatable: { milliCpu: allocatableMilliCpu(shape.vcpu, kubelet), memoryBytes: allocatableMemoryMiB(shape, kubelet) * MIB, pods, gpus: shape.gpus },
  };
}

/** kube-reserved ephemeral storage on EKS AL2023 nodes (nodeadm's default, Karpenter's too). */
export const KUBE_RESERVED_EPHEMERAL_GIB = 1;
/** The kubelet's default hard eviction threshold for the node filesystem. */
export const EVICTION_HARD_NODEFS = '10%';

/**
 * The share of a volume its filesystem's own metadata takes, as a margin: the kubelet reports the
 * filesystem's size, a little under the volume's — a 20 GiB EKS root's filesystem has 20,959,212
 * KiB (0.06% under) and the node reports 18,242,267,924 bytes allocatable (awslabs/amazon-eks-ami
 * #1126); a 50 GiB one about 43.98 GiB (aws/karpenter-provider-aws#4017). A figure above what the
 * node reports is the costly error: a pod sized between the two gets a node it cannot run on, again
 * on every pass (the loop #4017 reports). So the figure is taken a little low (16.91 and 43.78 GiB).
 */
export const FILESYSTEM_MARGIN = 0.005;

/**
 * Allocatable ephemeral storage of a node whose root filesystem is on a `rootGiB` volume: the
 * filesystem (the volume less FILESYSTEM_MARGIN) less kube-reserved (1 GiB) and the
 * `nodefs.available` hard eviction threshold (10% unless the node class's kubelet sets it; 0% and
 * 100% are none, as for memory). Bytes, never below 0. A 20 GiB root: about 16.9 GiB.
 */
export function allocatableEphemeralBytes(rootGiB: number, kubelet?: KubeletConfiguration): number {
  const capacity = rootGiB * 1024 * MIB * (1 - FILESYSTEM_MARGIN);
  const threshold = kubelet?.evictionHard?.['nodefs.available'] ?? EVICTION_HARD_NODEFS;
  let eviction: number;
  if (threshold.endsWith('%')) {
    const percent = Number(threshold.slice(0, -1));
    eviction = percent >= 100 ? 0 : (capacity * percent) / 100;
  } else eviction = parseNonNegativeUnits(threshold);
  return Math.max(0, Math.floor(capacity - KUBE_RESERVED_EPHEMERAL_GIB * 1024 * MIB - eviction));
}
