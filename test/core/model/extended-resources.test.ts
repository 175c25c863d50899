import { describe, expect, it } from 'vitest';
import { advertisersOf, extendedLearning, isExtendedResourceName, nodeExtendedResources, podExtendedResources, type AdvertisingNode } from '../../../core/model/extended-resources.js';
import { existingNode, pod } from '../scheduling/builders.js';
import { podFromSpec } from '../../../core/controllers/objects.js';

describe('extended resources a pod requests', () => {
  it('names beyond cpu, memory, ephemeral storage, pods and GPUs; huge pages too', () => {
    expect(['example.com/fuse', 'vpc.amazonaws.com/pod-eni', 'hugepages-2Mi'].every(isExtendedResourceName)).toBe(true);
    expect(['cpu', 'memory', 'ephemeral-storage', 'pods', 'nvidia.com/gpu', 'amd.com/gpu', 'storage'].some(isExtendedResourceName)).toBe(false);
  });

  it('add up over containers and sidecars, take the largest init moment, a limit standing in for a missing request', () => {
    const spec = {
      initContainers: [
        { name: 'mount', resources: { limits: { 'smarter-devices/fuse': '3' } } },
        { name: 'proxy', restartPolicy: 'Always', resources: { requests: { 'smarter-devices/fuse': '1' } } },
      ],
      containers: [
        { name: 'a', resources: { requests: { cpu: '1', 'smarter-devices/fuse': '1', 'hugepages-2Mi': '64Mi' } } },
        { name: 'b', resources: { limits: { 'vpc.amazonaws.com/pod-eni': '1' } } },
      ],
    };
    // fuse: running 1 + 1 (sidecar) = 2; the plain init container's moment 3 (before the sidecar starts).
    expect(podExtendedResources(spec)).toEqual({ 'hugepages-2Mi': 64 * 1024 * 1024, 'smarter-devices/fuse': 3, 'vpc.amazonaws.com/pod-eni': 1 });
    expect(podExtendedResources({ containers: [{ resources: { requests: { cpu: '1', 'example.com/x': '0', 'example.com/bad': 'many' } } }] })).toEqual({});
    expect(podExtendedResources(undefined)).toEqual({});
    expect(podFromSpec('ns', 'p', {}, spec).extendedResources).toEqual(podExtendedResources(spec));
    expect(podFromSpec('ns', 'p', {}, { containers: [{ resources: { requests: { cpu: '1' } } }] })).not.toHaveProperty('extendedResources');
  });

  it('what a node advertises: its extended names only, unreadable ones skipped', () => {
    expect(nodeExtendedResources({ cpu: '4', memory: '16Gi', 'ephemeral-storage': '17Gi', 'hugepages-2Mi': '0', 'vpc.amazonaws.com/pod-eni': '9', 'example.com/x': '?' })).toEqual({ 'hugepages-2Mi': 0, 'vpc.amazonaws.com/pod-eni': 9 });
    expect(nodeExtendedResources(undefined)).toEqual({});
  });
});

describe('extendedLearning: what a new node will offer, learned from the pool’s nodes', () => {
  const newNodeExtended = (nodes: readonly AdvertisingNode[], pool: string, type: string, name: string) => extendedLearning(nodes, [name])(pool, type, name);
  const node = (nodePool: string, instanceType: string, extendedResources?: Record<string, number>): AdvertisingNode => ({ nodePool, instanceType, ...(extendedResources ? { extendedResources } : {}) });
  const ENI = 'vpc.amazonaws.com/pod-eni';

  it('a type with nodes in the pool: the most they advertise (none: 0)', () => {
    const nodes = [node('p', 'm5.large', { [ENI]: 9 }), node('p', 'm5.large', { [ENI]: 7 }), node('p', 'c5.large', {})];
    expect(newNodeExtended(nodes, 'p', 'm5.large', ENI)).toBe(9);
    expect(newNodeExtended(nodes, 'p', 'c5.large', ENI)).toBe(0);
  });

  it('another type: the least when every node of the pool advertises it, else 0', () => {
    expect(newNodeExtended([node('p', 'm5.large', { [ENI]: 9 }), node('p', 'm5.xlarge', { [ENI]: 18 })], 'p', 'r5.large', ENI)).toBe(9);
    expect(newNodeExtended([node('p', 'm5.large', { [ENI]: 9 }), node('p', 'g4dn.xlarge', {})], 'p', 'r5.large', ENI)).toBe(0);
  });

  it('no node of the pool to learn from (or none known yet): not counted; other pools do not count', () => {
    expect(newNodeExtended([], 'p', 'm5.large', ENI)).toBeUndefined();
    expect(newNodeExtended([node('q', 'm5.large', { [ENI]: 9 }), node('p', 'm5.large')], 'p', 'm5.large', ENI)).toBeUndefined();
  });
});

describe('advertisersOf and the index', () => {
  const FUSE = 'smarter-devices/fuse';
  it('a node offers new pods what it advertises less its DaemonSet pods’ requests; a node not known teaches nothing', () => {
    const agent = pod({ name: 'agent', nodeName: 'n1', daemonSet: true, extendedResources: { [FUSE]: 1 } });
    const app = pod({ name: 'app', nodeName: 'n1', extendedResources: { [FUSE]: 1 } });
    const [known, unknown] = advertisersOf([existingNode({ name: 'n1', nodePool: 'p', instanceType: 'm5.large', extendedResources: { [FUSE]: 4 }, pods: [agent, app] }), existingNode({ name: 'n2', nodePool: 'p', instanceType: 'm5.large' })]);
    expect(known.extendedResources).toEqual({ [FUSE]: 3 });
    expect(unknown.extendedResources).toBeUndefined();
  });

  it('one index answers as the rules do, for every pool, type and name', () => {
    const nodes: AdvertisingNode[] = [
      { nodePool: 'p', instanceType: 'a', extendedResources: { x: 2, y: 1 } },
      { nodePool: 'p', instanceType: 'a', extendedResources: { x: 5 } },
      { nodePool: 'p', instanceType: 'b', extendedResources: { x: 3, y: 0 } },
      { nodePool: 'q', instanceType: 'a' },
    ];
    const learned = extendedLearning(nodes, ['x', 'y', 'z']);
    // Pool p — type a: the most its nodes advertise; b: its node's; c (no node): the least over the pool, 0 where one lacks it.
    const expected: Record<string, Record<string, Record<string, number | undefined>>> = {
      p: { a: { x: 5, y: 1, z: 0 }, b: { x: 3, y: 0, z: 0 }, c: { x: 2, y: 0, z: 0 } },
    };
    for (const pool of ['p', 'q', 'r']) for (const type of ['a', 'b', 'c']) for (const name of ['x', 'y', 'z']) expect(learned(pool, type, name)).toBe(expected[pool]?.[type]?.[name]);
    expect([learned('p', 'a', 'x'), learned('p', 'c', 'x'), learned('p', 'c', 'y'), learned('q', 'a', 'x')]).toEqual([5, 2, 0, undefined]);
  });
});
