/**
 * The CloudProvider contract, as a suite every implementation runs:
 *   describeCloudProviderContract('simulated', () => ({ provider, makeUnavailable }))
 * `makeUnavailable(ref)` must make every later launch of that offering fail with insufficient
 * capacity (for EC2 with mocks: the mocked fleet call answers InsufficientInstanceCapacity).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { isInsufficientCapacityError, isNodeClaimNotFoundError } from '../../../core/cloud/errors.js';
import type { CloudProvider } from '../../../core/cloud/provider.js';
import { offeringKey, type InstanceType, type OfferingRef } from '../../../core/model/instance-type.js';
import { Labels } from '../../../core/model/labels.js';
import { isConditionTrue, type NodeClaim } from '../../../core/model/node-claim.js';

export interface ContractSubject {
  readonly provider: CloudProvider;
  makeUnavailable(ref: OfferingRef): void;
}

let claimCounter = 0;

/** A claim for the two cheapest on-demand types that share a zone, pinned to that zone. */
export function contractClaim(types: readonly InstanceType[], name = `contract-${++claimCounter}`): { claim: NodeClaim; zone: string; options: string[] } {
  const onDemand = types
    .map((t) => ({ t, o: t.offerings.filter((o) => o.available && o.capacityType === 'on-demand').sort((a, b) => a.pricePerHour - b.pricePerHour || (a.zone < b.zone ? -1 : 1))[0] }))
    .filter((x) => x.o !== undefined)
    .sort((a, b) => a.o.pricePerHour - b.o.pricePerHour || (a.t.name < b.t.name ? -1 : 1));
  const zone = onDemand[0].o.zone;
  const options = onDemand.filter((x) => x.t.offerings.some((o) => o.zone === zone && o.capacityType === 'on-demand' && o.available)).slice(0, 2).map((x) => x.t.name);
  const claim: NodeClaim = {
    name,
    createdAt: 0,
    spec: {
      nodePool: 'default',
      requirements: [
        { key: Labels.instanceType, operator: 'In', values: options },
        { key: Labels.zone, operator: 'In', values: [zone] },
        { key: Labels.capacityType, operator: 'In', values: ['on-demand'] },
      ],
      requests: { milliCpu: 100, memoryBytes: 64 * 1024 * 1024, pods: 1, gpus: 0 },
      instanceTypeOptions: options,
      taints: [],
      labels: { team: 'contract' },
    },
    status: { conditions: [] },
  };
  return { claim, zone, options };
}

async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isNodeClaimNotFoundError(error), `expected NodeClaimNotFoundError, got ${String(error)}`).toBe(true);
}

export function describeCloudProviderContract(name: string, factory: () => ContractSubject | Promise<ContractSubject>): void {
  describe(`CloudProvider contract: ${name}`, () => {
    let subject: ContractSubject;
    let types: InstanceType[];

    beforeEach(async () => {
      subject = await factory();
      types = await subject.provider.getInstanceTypes();
    });

    it('lists instance types, each with at least one offering', () => {
      expect(types.length).toBeGreaterThan(1);
      for (const t of types) expect(t.offerings.length).toBeGreaterThan(0);
    });

    it('create launches the cheapest acceptable offering and fills in the status', async () => {
      const { claim, zone, options } = contractClaim(types);
      const launched = await subject.provider.create(claim);
      expect(launched.name).toBe(claim.name);
      expect(launched.status.providerId).toBeTruthy();
      expect(launched.status.instanceType).toBe(options[0]);
      expect(launched.status.zone).toBe(zone);
      expect(launched.status.capacityType).toBe('on-demand');
      expect(launched.status.pricePerHour).toBeGreaterThan(0);
      expect(launched.status.allocatable?.milliCpu).toBeGreaterThan(0);
      expect(isConditionTrue(launched, 'Launched')).toBe(true);
    });

    it('get and list see a launched instance', async () => {
      const launched = await subject.provider.create(contractClaim(types).claim);
      const got = await subject.provider.get(launched.status.providerId!);
      expect(got.status.providerId).toBe(launched.status.providerId);
      expect(got.name).toBe(launched.name);
      const listed = await subject.provider.list();
      expect(listed.map((c) => c.status.providerId)).toContain(launched.status.providerId);
    });

    it('create is idempotent for the same node claim', async () => {
      const { claim } = contractClaim(types);
      const first = await subject.provider.create(claim);
      const second = await subject.provider.create(claim);
      expect(second.status.providerId).toBe(first.status.providerId);
      const listed = (await subject.provider.list()).filter((c) => c.name === claim.name);
      expect(listed).toHaveLength(1);
    });

    it('delete terminates; afterwards get, list and delete say not found', async () => {
      const launched = await subject.provider.create(contractClaim(types).claim);
      const providerId = launched.status.providerId!;
      await subject.provider.delete(launched);
      await expectNotFound(subject.provider.get(providerId));
      expect((await subject.provider.list()).map((c) => c.status.providerId)).not.toContain(providerId);
      await expectNotFound(subject.provider.delete(providerId));
    });

    it('delete accepts a provider ID', async () => {
      const launched = await subject.provider.create(contractClaim(types).claim);
      await subject.provider.delete(launched.status.providerId!);
      await expectNotFound(subject.provider.get(launched.status.providerId!));
    });

    it('unknown instances are not found', async () => {
      await expectNotFound(subject.provider.get('nowhere:///zone/i-does-not-exist'));
      await expectNotFound(subject.provider.delete('nowhere:///zone/i-does-not-exist'));
    });

    it('falls back to the next option when the cheapest offering has no capacity', async () => {
      const { claim, zone, options } = contractClaim(types);
      subject.makeUnavailable({ instanceType: options[0], zone, capacityType: 'on-demand' });
      const launched = await subject.provider.create(claim);
      expect(launched.status.instanceType).toBe(options[1]);
    });

    it('insufficient capacity everywhere is an InsufficientCapacityError naming the offerings', async () => {
      const { claim, zone, options } = contractClaim(types);
      const refs = options.map((instanceType) => ({ instanceType, zone, capacityType: 'on-demand' as const }));
      for (const ref of refs) subject.makeUnavailable(ref);
      const error = await subject.provider.create(claim).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isInsufficientCapacityError(error), `expected InsufficientCapacityError, got ${String(error)}`).toBe(true);
      if (isInsufficientCapacityError(error)) {
        expect(error.offerings.map(offeringKey).sort()).toEqual(refs.map(offeringKey).sort());
      }
      expect((await subject.provider.list()).filter((c) => c.name === claim.name)).toEqual([]);
    });
  });
}
