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
    expect(t3.ephemeralStorage).toBe(17 * GIB); // the default 20 GiB root volume
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
    // The default 20 GiB root volume: 20 − 1 GiB kube-reserved − 10% nodefs eviction = 17 GiB.
    expect(new Set(dense.map((t) => t.ephemeralStorage))).toEqual(new Set([17 * GIB]));
    const plain = (await provider.instanceTypesForPool(pool('default'), shared))!;
    expect(plain.map((t) => [t.name, t.allocatable, t.ephemeralStorage])).toEqual(shared.map((t) => [t.name, t.allocatable, 17 * GIB]));
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
    expect(await ephemeral('big')).toBe(89 * GIB); // 100 − 1 − 10
    expect(await ephemeral('marked')).toBe(44 * GIB); // 50 − 1 − 5
    expect(await ephemeral('unknown-root')).toBeUndefined();
    expect(await ephemeral('evict')).toBe(16 * GIB); // 20 − 1 − 3
    expect(allocatableEphemeralBytes(20, { evictionHard: { 'nodefs.available': '0%' } })).toBe(19 * GIB);
    expect(allocatableEphemeralBytes(0.5)).toBe(0);
    expect(() => nodeClass({ blockDeviceMappings: [{ deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '20Gi' } }, { deviceName: '/dev/xvdb', rootVolume: true, ebs: { volumeSize: '20Gi' } }] })).toThrow(/may mark only one mapping rootVolume/);
  });
});
