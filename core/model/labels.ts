/**
 * Well-known node label keys. smartscale speaks Karpenter's label names so existing NodePool
 * requirements, nodeSelectors and affinities keep working unchanged; the `smartscale.io/…`
 * spellings are accepted as aliases and normalised to the Karpenter key (see `canonicalLabelKey`).
 */

export const Labels = {
  instanceType: 'node.kubernetes.io/instance-type',
  zone: 'topology.kubernetes.io/zone',
  region: 'topology.kubernetes.io/region',
  arch: 'kubernetes.io/arch',
  os: 'kubernetes.io/os',
  hostname: 'kubernetes.io/hostname',
  capacityType: 'karpenter.sh/capacity-type',
  nodePool: 'karpenter.sh/nodepool',
  instanceFamily: 'karpenter.k8s.aws/instance-family',
  instanceSize: 'karpenter.k8s.aws/instance-size',
  instanceCategory: 'karpenter.k8s.aws/instance-category',
  instanceGeneration: 'karpenter.k8s.aws/instance-generation',
  /** vCPUs, an integer as a string (Gt/Lt compare it numerically). */
  instanceCpu: 'karpenter.k8s.aws/instance-cpu',
  /** Memory in MiB, an integer as a string. */
  instanceMemory: 'karpenter.k8s.aws/instance-memory',
  instanceGpuCount: 'karpenter.k8s.aws/instance-gpu-count',
  instanceHypervisor: 'karpenter.k8s.aws/instance-hypervisor',
  instanceCpuManufacturer: 'karpenter.k8s.aws/instance-cpu-manufacturer',
} as const;

/** Label that marks a node launched by smartscale (value: the node pool name). */
export const SMARTSCALE_NODEPOOL_LABEL = 'smartscale.io/nodepool';

/** `smartscale.io/…` aliases → the Karpenter key they mean. */
export const LABEL_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'smartscale.io/capacity-type': Labels.capacityType,
  [SMARTSCALE_NODEPOOL_LABEL]: Labels.nodePool,
  'smartscale.io/instance-family': Labels.instanceFamily,
  'smartscale.io/instance-size': Labels.instanceSize,
  'smartscale.io/instance-category': Labels.instanceCategory,
  'smartscale.io/instance-generation': Labels.instanceGeneration,
  'smartscale.io/instance-cpu': Labels.instanceCpu,
  'smartscale.io/instance-memory': Labels.instanceMemory,
  'smartscale.io/instance-gpu-count': Labels.instanceGpuCount,
  // the pre-1.17 instance type label, still found in old manifests
  'beta.kubernetes.io/instance-type': Labels.instanceType,
  'failure-domain.beta.kubernetes.io/zone': Labels.zone,
  // the EBS CSI driver's zone key (its volumes' node affinity and StorageClasses' allowedTopologies
  // use it; the driver labels a node with it only once its node plugin runs, so a node being planned
  // has only the well-known zone)
  'topology.ebs.csi.aws.com/zone': Labels.zone,
  'beta.kubernetes.io/arch': Labels.arch,
});

export function canonicalLabelKey(key: string): string {
  return LABEL_ALIASES[key] ?? key;
}

export type CapacityType = 'on-demand' | 'spot';
export const CAPACITY_TYPES: readonly CapacityType[] = ['on-demand', 'spot'];

export function isCapacityType(value: unknown): value is CapacityType {
  return value === 'on-demand' || value === 'spot';
}

export type Arch = 'amd64' | 'arm64';
