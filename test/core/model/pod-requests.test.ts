import { describe, expect, it } from 'vitest';
import { containerRequestList, podEphemeralStorage, podSpecRequests } from '../../../core/model/pod-requests.js';
import { resources, resourcesFromList } from '../../../core/model/resources.js';

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const c = (requests?: Record<string, string>, limits?: Record<string, string>, extra: Record<string, unknown> = {}) => ({ name: 'c', ...extra, resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

describe('a container: a missing request takes the limit, per resource (SetDefaults_Pod)', () => {
  it.each([
    ['limits only', c(undefined, { cpu: '2', memory: '4Gi' }), { cpu: '2', memory: '4Gi' }],
    ['request for cpu, limit for memory', c({ cpu: '500m' }, { cpu: '2', memory: '4Gi' }), { cpu: '500m', memory: '4Gi' }],
    ['both set: the request wins', c({ cpu: '500m', memory: '1Gi' }, { cpu: '2', memory: '4Gi' }), { cpu: '500m', memory: '1Gi' }],
    ['a GPU written as a limit only (the usual way)', c({ cpu: '1' }, { 'nvidia.com/gpu': '1' }), { cpu: '1', 'nvidia.com/gpu': '1' }],
    ['requests only', c({ cpu: '1' }), { cpu: '1' }],
    ['nothing', c(), undefined],
  ])('%s', (_name, container, expected) => {
    expect(containerRequestList(container)).toEqual(expected);
  });

  it('does not change the container it reads', () => {
    const container = c({ cpu: '500m' }, { memory: '1Gi' });
    containerRequestList(container);
    expect(container.resources).toEqual({ requests: { cpu: '500m' }, limits: { memory: '1Gi' } });
  });
});

describe('a pod spec', () => {
  it('the audit case: limits only plan as their limits, not as zero', () => {
    expect(podSpecRequests({ containers: [c(undefined, { cpu: '2', memory: '4Gi' })] })).toEqual(resources({ milliCpu: 2000, memoryBytes: 4 * GIB, pods: 1 }));
  });

  it('applying it to a pod the API server already defaulted changes nothing', () => {
    const defaulted = { containers: [c({ cpu: '2', memory: '4Gi' }, { cpu: '2', memory: '4Gi' })] };
    const template = { containers: [c(undefined, { cpu: '2', memory: '4Gi' })] };
    expect(podSpecRequests(defaulted)).toEqual(podSpecRequests(template));
  });

  it('sums containers, takes the largest init container (limits standing in too), adds overhead and one slot', () => {
    const spec = {
      containers: [c({ cpu: '250m', memory: '256Mi' }), c(undefined, { cpu: '250m', memory: '256Mi' })],
      initContainers: [c(undefined, { cpu: '2', memory: '64Mi' })],
      overhead: { cpu: '10m' },
    };
    expect(podSpecRequests(spec)).toEqual(resources({ milliCpu: 2010, memoryBytes: 512 * MIB, pods: 1 }));
  });

  it('sidecars (restartPolicy: Always) run with the containers and with every later init container', () => {
    const spec = {
      initContainers: [
        c({ cpu: '1', memory: '100Mi' }), // alone: 1 cpu, 100Mi
        c({ cpu: '100m', memory: '1Gi' }, undefined, { restartPolicy: 'Always' }), // sidecar from here on
        c({ cpu: '1', memory: '100Mi' }), // with the sidecar: 1.1 cpu, 1Gi+100Mi
      ],
      containers: [c({ cpu: '500m', memory: '200Mi' })], // with the sidecar: 600m, 1Gi+200Mi
    };
    expect(podSpecRequests(spec)).toEqual(resources({ milliCpu: 1100, memoryBytes: GIB + 200 * MIB, pods: 1 }));
  });

  it('hands every list to the reader, which decides what a bad quantity does', () => {
    const spec = { containers: [c({ cpu: 'lots' }), c(undefined, { cpu: '1' })] };
    expect(() => podSpecRequests(spec)).toThrow(/quantity/);
    const tolerant = (list: Parameters<typeof resourcesFromList>[0]) => {
      try {
        return resourcesFromList(list);
      } catch {
        return resources();
      }
    };
    expect(podSpecRequests(spec, tolerant)).toEqual(resources({ milliCpu: 1000, pods: 1 }));
  });

  it('no spec: one pod slot', () => {
    expect(podSpecRequests(undefined)).toEqual(resources({ pods: 1 }));
  });
});

describe('pod-level spec.resources (KEP-2837: CPU and memory only)', () => {
  const containers = [c({ cpu: '250m', memory: '256Mi' }), c({ cpu: '250m' })];

  it('a pod-level request is what the pod reserves, whatever its containers ask; overhead and the slot still come on top', () => {
    const spec = { resources: { requests: { cpu: '2', memory: '1Gi' } }, containers, overhead: { cpu: '10m', memory: '1Mi' } };
    expect(podSpecRequests(spec)).toEqual(resources({ milliCpu: 2010, memoryBytes: GIB + MIB, pods: 1 }));
  });

  it('per resource: a pod-level cpu request leaves memory to the containers', () => {
    expect(podSpecRequests({ resources: { requests: { cpu: '3' } }, containers })).toEqual(resources({ milliCpu: 3000, memoryBytes: 256 * MIB, pods: 1 }));
  });

  it('a pod-level limit stands in for the request only when no container requests that resource', () => {
    const noRequests = { resources: { limits: { cpu: '4', memory: '2Gi' } }, containers: [c(), c()] };
    expect(podSpecRequests(noRequests)).toEqual(resources({ milliCpu: 4000, memoryBytes: 2 * GIB, pods: 1 }));
    // cpu is requested by a container (so the aggregate is derived: 500m); memory by one too (256Mi).
    expect(podSpecRequests({ resources: { limits: { cpu: '4', memory: '2Gi' } }, containers })).toEqual(resources({ milliCpu: 500, memoryBytes: 256 * MIB, pods: 1 }));
    // a container limit defaults that container's request, so it counts as a request too.
    expect(podSpecRequests({ resources: { limits: { memory: '2Gi' } }, containers: [c(undefined, { memory: '512Mi' }), c()] })).toEqual(resources({ memoryBytes: 512 * MIB, pods: 1 }));
    // an init container's request counts as well.
    expect(podSpecRequests({ resources: { limits: { cpu: '4' } }, initContainers: [c({ cpu: '1' })], containers: [c()] })).toEqual(resources({ milliCpu: 1000, pods: 1 }));
  });

  it('GPUs still come from the containers; unsupported pod-level names are not read', () => {
    const spec = { resources: { requests: { cpu: '1', 'nvidia.com/gpu': '4' } }, containers: [c({ cpu: '100m' }, { 'nvidia.com/gpu': '1' })] };
    expect(podSpecRequests(spec)).toEqual(resources({ milliCpu: 1000, gpus: 1, pods: 1 }));
  });

  it('a bad pod-level quantity goes to the reader like any other list', () => {
    const spec = { resources: { requests: { memory: 'plenty' } }, containers };
    expect(() => podSpecRequests(spec)).toThrow(/quantity/);
  });

  it('an empty or malformed spec.resources changes nothing', () => {
    for (const r of [{}, { requests: {} }, { requests: null }, 'oops', []]) {
      expect(podSpecRequests({ resources: r, containers })).toEqual(podSpecRequests({ containers }));
    }
  });
});

describe('podEphemeralStorage: local ephemeral storage a pod requests', () => {
  const GI = 1024 ** 3;
  const c = (requests?: Record<string, string>, limits?: Record<string, string>, extra: Record<string, unknown> = {}) => ({ name: 'c', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) }, ...extra });

  it('adds containers and sidecars, takes the largest init moment, a limit standing in for a missing request, and overhead', () => {
    expect(podEphemeralStorage({ containers: [c({ 'ephemeral-storage': '2Gi' }), c(undefined, { 'ephemeral-storage': '3Gi' })] })).toBe(5 * GI);
    const spec = {
      initContainers: [c({ 'ephemeral-storage': '1Gi' }, undefined, { restartPolicy: 'Always' }), c({ 'ephemeral-storage': '10Gi' })],
      containers: [c({ 'ephemeral-storage': '2Gi' })],
      overhead: { 'ephemeral-storage': '512Mi' },
    };
    // Running: sidecar 1 + main 2 = 3; the plain init container's moment: 10 + sidecar 1 = 11; + overhead.
    expect(podEphemeralStorage(spec)).toBe(11 * GI + 512 * 1024 ** 2);
  });

  it('is not covered by pod-level resources; none asked, or an unreadable quantity, is zero', () => {
    expect(podEphemeralStorage({ resources: { requests: { cpu: '1', memory: '1Gi' } }, containers: [c({ 'ephemeral-storage': '4Gi', memory: '2Gi' })] })).toBe(4 * GI);
    expect(podEphemeralStorage({ containers: [c({ cpu: '1' })] })).toBe(0);
    expect(podEphemeralStorage({ containers: [c({ 'ephemeral-storage': 'lots' })] })).toBe(0);
    expect(podEphemeralStorage(undefined)).toBe(0);
  });
});
