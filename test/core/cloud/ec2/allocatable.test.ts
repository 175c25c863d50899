import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../../core/cloud/catalog/format.js';
import { builtinCatalogEntries } from '../../../../core/cloud/catalog/builtin.js';
import { allocatableMemoryMiB, allocatableMilliCpu, eniMaxPods, kubeReservedMilliCpu, machineResources } from '../../../../core/cloud/ec2/allocatable.js';
import { MIB } from '../../../../core/model/quantity.js';
import { catalogPath, hasShared } from '../../../support/shared.js';

describe('allocatable formula', () => {
  it.each([
    [1, 60],
    [2, 70],
    [4, 80],
    [8, 90],
    [96, 310],
  ])('reserves CPU for %i vCPU as Karpenter does (%i m)', (vcpu, reserved) => {
    expect(kubeReservedMilliCpu(vcpu)).toBeCloseTo(reserved, 9);
    expect(allocatableMilliCpu(vcpu)).toBe(vcpu * 1000 - reserved);
  });

  it('computes the ENI pod limit and m5.large as in the catalog README', () => {
    expect(eniMaxPods(3, 10)).toBe(29);
    expect(eniMaxPods(2, 2)).toBe(4); // t3.micro
    expect(allocatableMemoryMiB({ vcpu: 2, memoryMiB: 8192, arch: 'amd64', gpus: 0, eniMaxPods: 29 })).toBe(6903);
  });

  it('caps pods like the EKS calculator but reserves memory for the ENI count', () => {
    const big = machineResources({ vcpu: 96, memoryMiB: 393216, arch: 'amd64', gpus: 0, eniMaxPods: 737 });
    expect(big.allocatable.pods).toBe(250);
    expect(big.capacity).toEqual({ milliCpu: 96_000, memoryBytes: 393216 * MIB, pods: 250, gpus: 0 });
    expect(machineResources({ vcpu: 96, memoryMiB: 393216, arch: 'amd64', gpus: 0, eniMaxPods: 737 }, 'eni').allocatable.pods).toBe(737);
  });

  it('matches every entry of the built-in catalog', () => {
    for (const e of builtinCatalogEntries()) {
      const shape = { vcpu: e.vcpu, memoryMiB: e.memoryMiB, arch: e.arch, gpus: e.gpu, eniMaxPods: e.maxPods };
      expect([e.name, allocatableMilliCpu(e.vcpu), allocatableMemoryMiB(shape)]).toEqual([e.name, e.allocatableCpuMilli, e.allocatableMemoryMiB]);
    }
  });

  it.skipIf(!hasShared())('matches all 1,345 types of the shared catalog to the millicore and MiB', () => {
    const entries = parseCatalog(JSON.parse(readFileSync(catalogPath(), 'utf8')), 'shared');
    const mismatches = entries.filter((e) => {
      const shape = { vcpu: e.vcpu, memoryMiB: e.memoryMiB, arch: e.arch, gpus: e.gpu, eniMaxPods: e.maxPods };
      return allocatableMilliCpu(e.vcpu) !== e.allocatableCpuMilli || allocatableMemoryMiB(shape) !== e.allocatableMemoryMiB;
    });
    expect(entries.length).toBe(1345);
    expect(mismatches.map((e) => e.name)).toEqual([]);
  });
});
