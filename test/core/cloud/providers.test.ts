import { describe, expect, it } from 'vitest';
import { loadCatalogSync } from '../../../core/cloud/catalog/index.js';
import { FakeCloudProvider } from '../../../core/cloud/fake/provider.js';
import { SimulatedCloudProvider, type SimulatedNodeEvent } from '../../../core/cloud/simulated/provider.js';
import { isInvalidNodeClaimError } from '../../../core/cloud/errors.js';
import { ManualClock } from '../../../core/model/clock.js';
import { Labels } from '../../../core/model/labels.js';
import { isConditionTrue } from '../../../core/model/node-claim.js';
import { contractClaim, describeCloudProviderContract } from './contract.js';
import { nodePool } from '../scheduling/builders.js';

const catalog = () => loadCatalogSync('builtin');

describeCloudProviderContract('simulated', () => {
  const provider = new SimulatedCloudProvider({ clock: new ManualClock(1_000), instanceTypes: catalog() });
  return { provider, makeUnavailable: (ref) => provider.injectInsufficientCapacity(ref) };
});

describeCloudProviderContract('fake', () => {
  const provider = new FakeCloudProvider(catalog());
  return { provider, makeUnavailable: (ref) => provider.makeUnavailable(ref) };
});

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('SimulatedCloudProvider', () => {
  it('announces a node ready after the launch delay, on the injected clock', async () => {
    const clock = new ManualClock(0);
    const provider = new SimulatedCloudProvider({ clock, instanceTypes: catalog(), launchDelayMs: 30_000 });
    const events: SimulatedNodeEvent[] = [];
    provider.subscribe((e) => events.push(e));
    const { claim, zone } = contractClaim(catalog());
    const launched = await provider.create(claim);
    clock.advance(29_999);
    await flush();
    expect(events).toEqual([]);
    expect(isConditionTrue(await provider.get(launched.status.providerId!), 'Initialized')).toBe(false);
    clock.advance(1);
    await flush();
    expect(events).toHaveLength(1);
    const ready = events[0];
    expect(ready).toMatchObject({ type: 'NodeReady', providerId: launched.status.providerId, nodeClaimName: claim.name, zone, at: 30_000 });
    if (ready.type === 'NodeReady') {
      expect(ready.labels[Labels.zone]).toBe(zone);
      expect(ready.labels[Labels.instanceType]).toBe(launched.status.instanceType);
      expect(ready.labels.team).toBe('contract');
    }
    const after = await provider.get(launched.status.providerId!);
    expect(isConditionTrue(after, 'Initialized')).toBe(true);
    expect(after.status.nodeName).toBe(ready.nodeName);
  });

  it('announces termination, and a node deleted before ready never becomes ready', async () => {
    const clock = new ManualClock(0);
    const provider = new SimulatedCloudProvider({ clock, instanceTypes: catalog() });
    const events: SimulatedNodeEvent[] = [];
    const unsubscribe = provider.subscribe((e) => events.push(e));
    provider.subscribe(() => {
      throw new Error('a broken listener');
    });
    const launched = await provider.create(contractClaim(catalog()).claim);
    await provider.delete(launched);
    clock.advance(120_000);
    await flush();
    expect(events.map((e) => e.type)).toEqual(['NodeTerminated']);
    unsubscribe();
  });

  it('injected capacity errors can be limited to a number of launches', async () => {
    const provider = new SimulatedCloudProvider({ clock: new ManualClock(0), instanceTypes: catalog() });
    const first = contractClaim(catalog());
    provider.injectInsufficientCapacity({ instanceType: first.options[0], zone: first.zone, capacityType: 'on-demand' }, 1);
    expect((await provider.create(first.claim)).status.instanceType).toBe(first.options[1]);
    expect((await provider.create(contractClaim(catalog()).claim)).status.instanceType).toBe(first.options[0]);
  });

  it('a claim nothing can satisfy is an InvalidNodeClaimError', async () => {
    const provider = new SimulatedCloudProvider({ clock: new ManualClock(0), instanceTypes: catalog() });
    const { claim } = contractClaim(catalog());
    const impossible = { ...claim, spec: { ...claim.spec, requirements: [...claim.spec.requirements, { key: Labels.arch, operator: 'In' as const, values: ['riscv64'] }] } };
    const error = await provider.create(impossible).catch((e: unknown) => e);
    expect(isInvalidNodeClaimError(error)).toBe(true);
  });

  it('getInstanceTypes narrows to what a pool may use', async () => {
    const provider = new SimulatedCloudProvider({ clock: new ManualClock(0), instanceTypes: catalog() });
    const arm = await provider.getInstanceTypes(nodePool({ requirements: [{ key: Labels.arch, operator: 'In', values: ['arm64'] }] }));
    expect(arm.length).toBeGreaterThan(0);
    expect(arm.every((t) => t.arch === 'arm64')).toBe(true);
  });
});

describe('FakeCloudProvider', () => {
  it('records calls, fails the next call on request, and resets', async () => {
    const provider = new FakeCloudProvider(catalog());
    const { claim } = contractClaim(catalog());
    provider.failNext('create', new Error('throttled'));
    await expect(provider.create(claim)).rejects.toThrowError('throttled');
    const launched = await provider.create(claim);
    await provider.list();
    await provider.get(launched.status.providerId!);
    expect(provider.calls.create).toHaveLength(2);
    expect(provider.calls.list).toBe(1);
    expect(provider.calls.get).toEqual([launched.status.providerId]);
    provider.reset();
    expect(provider.calls.create).toEqual([]);
    expect(await provider.list()).toEqual([]);
  });
});
