/**
 * The built-in catalog: common current-generation general purpose (m), compute (c), memory (r)
 * and burstable (t) types, amd64 and arm64, for the offline default (no `--catalog FILE`).
 *
 * Facts as published for us-east-1 (Linux on-demand price, mid-2026) and Karpenter's AL2023
 * allocatable defaults (kube-reserved, 7.5% VM overhead, 100Mi eviction threshold). maxPods is the
 * ENI limit; the EKS cap is applied when offerings are built. Use `--catalog FILE` for real prices.
 */
import type { CatalogEntry } from './format.js';

// name, vCPU, memory MiB, max pods (ENI), allocatable CPU (milli), allocatable memory (MiB), on-demand USD/h
type Row = readonly [string, number, number, number, number, number, number];

const ROWS: readonly Row[] = [
  ["c6i.large", 2, 4096, 29, 1930, 3114, 0.085],
  ["c6i.xlarge", 4, 8192, 58, 3920, 6584, 0.17],
  ["c6i.2xlarge", 8, 16384, 58, 7910, 14162, 0.34],
  ["c6i.4xlarge", 16, 32768, 234, 15890, 27381, 0.68],
  ["c6i.8xlarge", 32, 65536, 234, 31850, 57691, 1.36],
  ["c7g.medium", 1, 2048, 8, 940, 1392, 0.0363],
  ["c7g.large", 2, 4096, 29, 1930, 3055, 0.0725],
  ["c7g.xlarge", 4, 8192, 58, 3920, 6525, 0.145],
  ["c7g.2xlarge", 8, 16384, 58, 7910, 14103, 0.29],
  ["c7g.4xlarge", 16, 32768, 234, 15890, 27322, 0.58],
  ["c7g.8xlarge", 32, 65536, 234, 31850, 57632, 1.16],
  ["c7i.large", 2, 4096, 29, 1930, 3114, 0.08925],
  ["c7i.xlarge", 4, 8192, 58, 3920, 6584, 0.1785],
  ["c7i.2xlarge", 8, 16384, 58, 7910, 14162, 0.357],
  ["c7i.4xlarge", 16, 32768, 234, 15890, 27381, 0.714],
  ["c7i.8xlarge", 32, 65536, 234, 31850, 57691, 1.428],
  ["m6i.large", 2, 8192, 29, 1930, 6903, 0.096],
  ["m6i.xlarge", 4, 16384, 58, 3920, 14162, 0.192],
  ["m6i.2xlarge", 8, 32768, 58, 7910, 29317, 0.384],
  ["m6i.4xlarge", 16, 65536, 234, 15890, 57691, 0.768],
  ["m6i.8xlarge", 32, 131072, 234, 31850, 118312, 1.536],
  ["m7g.medium", 1, 4096, 8, 940, 3286, 0.0408],
  ["m7g.large", 2, 8192, 29, 1930, 6844, 0.0816],
  ["m7g.xlarge", 4, 16384, 58, 3920, 14103, 0.1632],
  ["m7g.2xlarge", 8, 32768, 58, 7910, 29258, 0.3264],
  ["m7g.4xlarge", 16, 65536, 234, 15890, 57632, 0.6528],
  ["m7g.8xlarge", 32, 131072, 234, 31850, 118253, 1.3056],
  ["m7i.large", 2, 8192, 29, 1930, 6903, 0.1008],
  ["m7i.xlarge", 4, 16384, 58, 3920, 14162, 0.2016],
  ["m7i.2xlarge", 8, 32768, 58, 7910, 29317, 0.4032],
  ["m7i.4xlarge", 16, 65536, 234, 15890, 57691, 0.8064],
  ["m7i.8xlarge", 32, 131072, 234, 31850, 118312, 1.6128],
  ["r6i.large", 2, 16384, 29, 1930, 14481, 0.126],
  ["r6i.xlarge", 4, 32768, 58, 3920, 29317, 0.252],
  ["r6i.2xlarge", 8, 65536, 58, 7910, 59627, 0.504],
  ["r6i.4xlarge", 16, 131072, 234, 15890, 118312, 1.008],
  ["r6i.8xlarge", 32, 262144, 234, 31850, 239554, 2.016],
  ["r7g.medium", 1, 8192, 8, 940, 7075, 0.0536],
  ["r7g.large", 2, 16384, 29, 1930, 14422, 0.1071],
  ["r7g.xlarge", 4, 32768, 58, 3920, 29258, 0.2142],
  ["r7g.2xlarge", 8, 65536, 58, 7910, 59568, 0.4284],
  ["r7g.4xlarge", 16, 131072, 234, 15890, 118253, 0.8568],
  ["r7g.8xlarge", 32, 262144, 234, 31850, 239495, 1.7136],
  ["t3.medium", 2, 4096, 17, 1930, 3246, 0.0416],
  ["t3.large", 2, 8192, 35, 1930, 6837, 0.0832],
  ["t3.xlarge", 4, 16384, 58, 3920, 14162, 0.1664],
  ["t3.2xlarge", 8, 32768, 58, 7910, 29317, 0.3328],
  ["t4g.medium", 2, 4096, 17, 1930, 3187, 0.0336],
  ["t4g.large", 2, 8192, 35, 1930, 6778, 0.0672],
  ["t4g.xlarge", 4, 16384, 58, 3920, 14103, 0.1344],
  ["t4g.2xlarge", 8, 32768, 58, 7910, 29258, 0.2688],
];

const ARM_FAMILIES = /^[a-z]+\d+g[a-z]*$/;

function entryOf([name, vcpu, memoryMiB, maxPods, allocatableCpuMilli, allocatableMemoryMiB, onDemandUsdPerHour]: Row): CatalogEntry {
  const [family, size] = name.split('.');
  const arm = ARM_FAMILIES.test(family);
  return {
    name,
    family,
    vcpu,
    memoryMiB,
    arch: arm ? 'arm64' : 'amd64',
    gpu: 0,
    maxPods,
    onDemandUsdPerHour,
    category: family.replace(/\d.*$/, ''),
    generation: Number(/\d+/.exec(family)?.[0] ?? 0),
    size,
    hypervisor: 'nitro',
    cpuManufacturer: arm ? 'aws' : 'intel',
    allocatableCpuMilli,
    allocatableMemoryMiB,
  };
}

/** A fresh copy of the built-in entries. */
export function builtinCatalogEntries(): CatalogEntry[] {
  return ROWS.map(entryOf);
}
