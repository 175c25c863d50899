/**
 * An EC2NodeClass's `spec.kubelet`: validated, written into the node's NodeConfig, and used for the
 * allocatable the solver plans with and the claim records (the launch and the pool's types agree).
 */
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { allocatableEphemeralBytes, allocatableMemoryMiB, machineResources, type MachineShape } from '../../../../core/cloud/ec2/allocatable.js';
import { nodeClassHash } from '../../../../core/cloud/ec2/drift.js';
import { renderUserData } from '../../../../core/cloud/ec2/user-data.js';
import { GIB, MIB } from '../../../../core/model/quantity.js';
import type { NodePool } from '../../../../core/model/node-pool.js';
import { claim, CLUSTER, harness, nodeClass } from './builders.js';

/** Allocatable ephemeral storage of the default 20 GiB root: f = 0.995 × 20 GiB; f − 1 GiB − 10% f. */
const ROOT_20GIB = 18_156_974_243;

const SMALL: MachineShape = { vcpu: 2, memoryMiB: 4096, arch: 'amd64', gpus: 0, eniMaxPods: 17 };
const GI = 1024 * MIB;

describe('spec.kubelet: validation', () => {
  it('reads maxPods, podsPerCore, reservations and hard eviction thresholds', () => {
    const c = nodeClass({ kubelet: { maxPods: 110, podsPerCore: 20, systemReserved: { cpu: '100m', memory: '256Mi' }, kubeReserved: { cpu: 0.5, memory: '1Gi' }, evictionHard: { 'memory.available': '5%', 'nodefs.available': '10%' } } });
    expect(c.kubelet).toEqual({ maxPods: 110, podsPerCore: 20, systemReserved: { cpu: 100, memory: 256 * MIB }, kubeReserved: { cpu: 500, memory: GI }, evictionHard: { 'memory.available': '5%', 'nodefs.available': '10%' } });
    expect(nodeClass().kubelet).toBeUndefined();
  });

  it.each([
    [{ maxPods: 0 }, 'spec.kubelet.maxPods must be a whole number from 1 to 1000'],
    [{ maxPods: 110.5 }, 'spec.kubelet.maxPods must be a whole number'],
    [{ podsPerCore: -1 }, 'spec.kubelet.podsPerCore must be a whole number from 0 to 1000'],
    [{ clusterDNS: ['10.0.0.10'] }, 'spec.kubelet.clusterDNS is not supported'],
    [{ systemReserved: { 'ephemeral-storage': '1Gi' } }, 'spec.kubelet.systemReserved.ephemeral-storage is not supported (cpu, memory)'],
    [{ kubeReserved: { memory: 'lots' } }, 'spec.kubelet.kubeReserved.memory must be a non-negative quantity'],
    [{ kubeReserved: { cpu: '-1' } }, 'spec.kubelet.kubeReserved.cpu must be a non-negative quantity'],
    [{ evictionHard: { 'memory.free': '1Gi' } }, 'spec.kubelet.evictionHard.memory.free is not an eviction signal'],
    [{ evictionHard: { 'memory.available': '150%' } }, 'must be a quantity (100Mi) or a percentage (5%)'],
    [{ evictionHard: { 'memory.available': 100 } }, 'must be a quantity (100Mi) or a percentage (5%)'],
    ['110', 'spec.kubelet must be an object'],
  ])('refuses %j, naming the field', (kubelet, message) => {
    expect(() => nodeClass({ kubelet })).toThrow(message);
  });
});

describe('spec.kubelet: allocatable', () => {
  it('without settings: exactly the EKS defaults (the shared catalog matches these to the MiB)', () => {
    expect(machineResources(SMALL, 'eks', {})).toEqual(machineResources(SMALL));
    expect(allocatableMemoryMiB(SMALL)).toBe(3246); // 4096 − 307.2 − 442 − 100 = 3246.8
  });

  it('maxPods sets the pods, not the kube-reserved memory (nodeadm derives it from the ENI pods); podsPerCore caps them', () => {
    const r = machineResources(SMALL, 'eks', { maxPods: 110 });
    expect(r.allocatable.pods).toBe(110);
    expect(r.capacity.pods).toBe(110);
    expect(r.allocatable.memoryBytes).toBe(machineResources(SMALL).allocatable.memoryBytes);
    const big: MachineShape = { vcpu: 96, memoryMiB: 393216, arch: 'amd64', gpus: 0, eniMaxPods: 737 };
    expect(machineResources(big, 'eks', { maxPods: 20 }).allocatable.memoryBytes).toBe(machineResources(big).allocatable.memoryBytes);
    expect(machineResources(SMALL, 'eks', { maxPods: 110, podsPerCore: 10 }).allocatable.pods).toBe(20);
  });

  it('kubeReserved replaces the formula, systemReserved and memory.available come off', () => {
    const base = machineResources(SMALL).allocatable;
    const r = machineResources(SMALL, 'eks', { kubeReserved: { cpu: 200, memory: 512 * MIB }, systemReserved: { cpu: 100, memory: 256 * MIB }, evictionHard: { 'memory.available': '5%' } }).allocatable;
    expect(r.milliCpu).toBe(2000 - 200 - 100);
    // 4096 − 307.2 − 512 − 256 − 204.8 = 2816 MiB.
    expect(r.memoryBytes).toBe(2816 * MIB);
    expect(r.pods).toBe(base.pods);
    expect(machineResources(SMALL, 'eks', { evictionHard: { 'memory.available': '500Mi' } }).allocatable.memoryBytes).toBe(2846 * MIB); // 4096 − 307.2 − 442 − 500
    // 0% and 100% are "no threshold" to the kubelet.
    expect(machineResources(SMALL, 'eks', { evictionHard: { 'memory.available': '100%' } }).allocatable.memoryBytes).toBe(3346 * MIB); // 4096 − 307.2 − 442
    expect(machineResources(SMALL, 'eks', { evictionHard: { 'memory.available': '0%' } }).allocatable.memoryBytes).toBe(3346 * MIB);
  });
});

describe('spec.kubelet: launch', () => {
  it('nodeadm gets kubelet.config; without settings the user data is as before', () => {
    const base = { cluster: CLUSTER, labels: {}, taints: [] };
    expect(renderUserData({ ...base, kubelet: {} })).toBe(renderUserData(base));
    const text = renderUserData({ ...base, kubelet: { maxPods: 110, kubeReserved: { cpu: 200, memory: 512 * MIB }, evictionHard: { 'memory.available': '5%' } } });
    expect(text).toContain(['  kubelet:', '    config:', '      maxPods: 110', '      kubeReserved:', '        cpu: "200m"', `        memory: "${512 * MIB}"`, '      evictionHard:', '        "memory.available": "5%"', '    flags: []'].join('\n'));
  });

  it("the pool's types and the launched claim carry the allocatable the kubelet gives; the template carries the config", async () => {
    const withKubelet = nodeClass({ kubelet: { maxPods: 110 } });
    const { provider, ec2 } = harness({ classes: [withKubelet] });
    const pool = { name: 'default', nodeClassRef: { group: 'smartscale.io', kind: 'EC2NodeClass', name: 'default' }, requirements: [], labels: {}, taints: [] } as unknown as NodePool;
    const t3 = (await provider.getInstanceTypes(pool)).find((t) => t.name === 't3.medium')!;
    expect(t3.allocatable.pods).toBe(110);
    expect(t3.ephemeralStorage).toBe(ROOT_20GIB); // the default 20 GiB root volume
    // Without a pool (no node class): the ENI limit.
    expect((await provider.getInstanceTypes()).find((t) => t.name === 't3.medium')!.allocatable.pods).toBe(17);
    const launched = await provider.create(claim({ types: ['t3.medium'] }));
    expect(launched.status.allocatable?.pods).toBe(110);
    const data = ec2.mock.commandCalls(CreateLaunchTemplateCommand)[0].args[0].input.LaunchTemplateData!;
    expect(Buffer.from(data.UserData!, 'base64').toString('utf8')).toContain('      maxPods: 110');
  });

  it('is part of the node class hash (editing it drifts nodes), and absent leaves the hash as it was', () => {
    expect(nodeClassHash(nodeClass({ kubelet: { maxPods: 110 } }))).not.toBe(nodeClassHash(nodeClass()));
    expect(nodeClassHash(nodeClass())).toBe('1cd55dfb55474450');
  });

  it('marking the root volume (planning only) is no drift', () => {
    const disks = (rootVolume?: boolean) => ({ blockDeviceMappings: [{ deviceName: '/dev/xvda', ...(rootVolume === undefined ? {} : { rootVolume }), ebs: { volumeSize: '100Gi' } }] });
    expect(nodeClass(disks(true)).blockDeviceMappings[0].rootVolume).toBe(true);
    expect(nodeClassHash(nodeClass(disks(true)))).toBe(nodeClassHash(nodeClass(disks())));
    expect(nodeClassHash(nodeClass(disks(false)))).toBe(nodeClassHash(nodeClass(disks())));
  });
});

describe('instanceTypesForPool', () => {
  const pool = (nodeClass?: string) => ({ name: 'p', nodeClassRef: nodeClass ? { group: 'smartscale.io', kind: 'EC2NodeClass', name: nodeClass } : undefined, requirements: [], labels: {}, taints: [] }) as unknown as NodePool;

  it("a pool whose node class sets kubelet settings gets the shared types with that kubelet's capacity; every class its root volume's ephemeral storage", async () => {
    const { provider } = harness({ classes: [nodeClass({ kubelet: { maxPods: 110 } }, 'dense'), nodeClass({}, 'default')] });
    const shared = await provider.getInstanceTypes();
    const dense = (await provider.instanceTypesForPool(pool('dense'), shared))!;
    expect(dense.map((t) => t.name)).toEqual(shared.map((t) => t.name));
    expect(dense.find((t) => t.name === 't3.medium')!.allocatable.pods).toBe(110);
    expect(dense.find((t) => t.name === 't3.medium')!.offerings).toEqual(shared.find((t) => t.name === 't3.medium')!.offerings);
    // The default 20 GiB root volume: its filesystem (0.5% less) − 1 GiB kube-reserved − 10% nodefs eviction.
    expect(new Set(dense.map((t) => t.ephemeralStorage))).toEqual(new Set([ROOT_20GIB]));
    const plain = (await provider.instanceTypesForPool(pool('default'), shared))!;
    expect(plain.map((t) => [t.name, t.allocatable, t.ephemeralStorage])).toEqual(shared.map((t) => [t.name, t.allocatable, ROOT_20GIB]));
    expect(await provider.instanceTypesForPool(pool('missing'), shared)).toBeUndefined();
    expect(await provider.instanceTypesForPool(pool(), shared)).toBeUndefined();
  });

  it('ephemeral storage follows the root volume (marked rootVolume, else /dev/xvda) and the nodefs.available threshold', async () => {
    const classes = [
      nodeClass({ blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '100Gi' } }] }, 'big'),
      nodeClass({ blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '4Gi' } }, { deviceName: '/dev/xvdb', rootVolume: true, ebs: { volumeSize: '50Gi' } }] }, 'marked'),
      nodeClass({ blockDeviceMappings: [{ deviceName: '/dev/xvdb', ebs: { volumeSize: '50Gi' } }] }, 'unknown-root'),
      nodeClass({ kubelet: { evictionHard: { 'nodefs.available': '3Gi' } } }, 'evict'),
    ];
    const { provider } = harness({ classes });
    const shared = await provider.getInstanceTypes();
    const ephemeral = async (name: string) => (await provider.instanceTypesForPool(pool(name), shared))?.[0].ephemeralStorage;
    // Filesystem f = 99.5% of the volume; allocatable = f − 1 GiB − eviction (10% of f unless set).
    expect(await ephemeral('big')).toBe(95_079_838_515); // f 106,837,311,488 − 1 GiB − 10%
    expect(await ephemeral('marked')).toBe(47_003_048_345); // f 53,418,655,744 − 1 GiB − 10%
    expect(await ephemeral('unknown-root')).toBeUndefined();
    expect(await ephemeral('evict')).toBe(17_072_495_001); // f 21,367,462,297.6 − 1 GiB − 3 GiB
    expect(allocatableEphemeralBytes(20, { evictionHard: { 'nodefs.available': '0%' } })).toBe(20_293_720_473);
    // Under what real EKS nodes report — 20 GiB: 18,242,267,924 bytes (awslabs/amazon-eks-ami#1126);
    // 50 GiB: about 43.98 GiB (aws/karpenter-provider-aws#4017) — never more.
    expect(ROOT_20GIB).toBeLessThan(18_242_267_924);
    expect(ROOT_20GIB).toBeGreaterThan(16.9 * GIB);
    expect(47_003_048_345).toBeLessThan(43.98 * GIB);
    expect(allocatableEphemeralBytes(0.5)).toBe(0);
    expect(() => nodeClass({ blockDeviceMappings: [{ deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '20Gi' } }, { deviceName: '/dev/xvdb', rootVolume: true, ebs: { volumeSize: '20Gi' } }] })).toThrow(/may mark only one mapping rootVolume/);
  });
});
