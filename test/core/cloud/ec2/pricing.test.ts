import 'aws-sdk-client-mock-vitest/extend';
import { DescribeInstanceTypeOfferingsCommand, DescribeInstanceTypesCommand, DescribeSpotPriceHistoryCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { Ec2Api } from '../../../../core/cloud/ec2/api.js';
import { Ec2InstanceTypes } from '../../../../core/cloud/ec2/instance-types.js';
import { builtinCatalogEntries, loadCatalogEntriesSync } from '../../../../core/cloud/catalog/index.js';
import { Ec2Pricing, latestSpotPrices, onDemandPricesFromCatalog } from '../../../../core/cloud/ec2/pricing.js';
import { UnavailableOfferings } from '../../../../core/cloud/unavailable-offerings.js';
import { ManualClock } from '../../../../core/model/clock.js';
import { catalogPath } from '../../../support/shared.js';
import { harness } from './builders.js';
import { awsError, InMemoryEc2 } from './fake-ec2.js';

function setup(ec2 = new InMemoryEc2()) {
  const clock = new ManualClock(ec2.now);
  const api = new Ec2Api(() => ec2.client, { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10, random: () => 0, sleep: async () => {} });
  const pricing = new Ec2Pricing(api, clock, { spotRefreshMs: 5 * 60_000, spotRetryAfterFailureMs: 30_000 });
  const unavailable = new UnavailableOfferings(clock);
  const types = new Ec2InstanceTypes(api, pricing, unavailable, clock, { ttlMs: 10 * 60_000 });
  return { ec2, clock, pricing, types, unavailable };
}

describe('spot prices', () => {
  it('reads every page of DescribeSpotPriceHistory for Linux at the current time', async () => {
    const { ec2, pricing } = setup();
    ec2.spot('m6i.large', 'us-east-1a', 0.031);
    ec2.spot('m6i.large', 'us-east-1b', 0.032);
    ec2.spot('t3.medium', 'us-east-1a', 0.012);
    expect(await pricing.refreshSpot()).toBe(true);
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeSpotPriceHistoryCommand, 2);
    expect(ec2.mock).toHaveReceivedCommandWith(DescribeSpotPriceHistoryCommand, {
      ProductDescriptions: ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'],
      StartTime: new Date(ec2.now),
      EndTime: new Date(ec2.now),
    });
    expect([pricing.spotPrice('m6i.large', 'us-east-1b'), pricing.spotPrice('t3.medium', 'us-east-1a'), pricing.spotPrice('t3.medium', 'us-east-1b')]).toEqual([0.032, 0.012, undefined]);
  });

  it('keeps the last good prices when a refresh fails, and retries after the failure interval', async () => {
    const { ec2, pricing, clock } = setup();
    ec2.spot('m6i.large', 'us-east-1a', 0.031);
    await pricing.refreshSpotIfDue();
    ec2.spotPrices = [];
    ec2.spot('m6i.large', 'us-east-1a', 0.05);
    clock.advance(5 * 60_000);
    ec2.fail('DescribeSpotPriceHistory', awsError('UnauthorizedOperation', 403));
    await pricing.refreshSpotIfDue();
    expect(pricing.spotPrice('m6i.large', 'us-east-1a')).toBe(0.031);
    expect(pricing.status()).toMatchObject({ lastSuccessAt: ec2.now, lastError: expect.stringContaining('UnauthorizedOperation') });
    clock.advance(29_999);
    await pricing.refreshSpotIfDue();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeSpotPriceHistoryCommand, 2);
    clock.advance(1);
    await pricing.refreshSpotIfDue();
    expect(pricing.spotPrice('m6i.large', 'us-east-1a')).toBe(0.05);
    expect(pricing.status().lastError).toBeUndefined();
  });

  it('does not refresh before the interval', async () => {
    const { ec2, pricing, clock } = setup();
    await pricing.refreshSpotIfDue();
    clock.advance(5 * 60_000 - 1);
    await pricing.refreshSpotIfDue();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeSpotPriceHistoryCommand, 1);
    clock.advance(1);
    await pricing.refreshSpotIfDue();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeSpotPriceHistoryCommand, 2);
  });

  it('takes the newest record per type and zone and ignores bad prices', () => {
    const prices = latestSpotPrices([
      { InstanceType: 'm5.large', AvailabilityZone: 'a', SpotPrice: '0.03', Timestamp: new Date(1000) },
      { InstanceType: 'm5.large', AvailabilityZone: 'a', SpotPrice: '0.04', Timestamp: new Date(2000) },
      { InstanceType: 'm5.large', AvailabilityZone: 'b', SpotPrice: 'NaN', Timestamp: new Date(2000) },
      { InstanceType: 'm5.large', AvailabilityZone: 'c', SpotPrice: '-1' },
    ]);
    expect([...prices]).toEqual([['m5.large/a', 0.04]]);
  });
});

describe('on-demand prices', () => {
  it('come from the built-in table and keep the last good value when an update is invalid', () => {
    const { pricing } = setup();
    expect(pricing.onDemandPrice('m6i.large')).toBe(0.096);
    expect(pricing.onDemandPrice('x9.unknown')).toBeUndefined();
    const rejected = pricing.updateOnDemandPrices(new Map([['m6i.large', Number.NaN], ['t3.medium', 0.05], ['c7g.large', -1]]));
    expect(rejected).toBe(2);
    expect([pricing.onDemandPrice('m6i.large'), pricing.onDemandPrice('t3.medium'), pricing.onDemandPrice('c7g.large')]).toEqual([0.096, 0.05, 0.0725]);
  });
});

describe('on-demand prices from a catalog file (the controller\'s --catalog with --cloud aws)', () => {
  const shared = loadCatalogEntriesSync(catalogPath());

  it('price types the built-in table lacks, which then get on-demand offerings at the catalog price', async () => {
    const c6a = shared.find((e) => e.name === 'c6a.large')!;
    expect(builtinCatalogEntries().some((e) => e.name === 'c6a.large')).toBe(false);
    const withType = () => {
      const ec2 = new InMemoryEc2();
      ec2.types.push({ name: 'c6a.large', vcpu: 2, memoryMiB: 4096, arch: 'x86_64', enis: 3, ipsPerEni: 10, usage: ['on-demand'] });
      return ec2;
    };
    const builtin = await harness({ ec2: withType() }).provider.getInstanceTypes();
    expect(builtin.map((t) => t.name)).not.toContain('c6a.large');
    const fromCatalog = await harness({ ec2: withType(), onDemandPrices: onDemandPricesFromCatalog(shared) }).provider.getInstanceTypes();
    const offered = fromCatalog.find((t) => t.name === 'c6a.large')!;
    expect(offered.offerings.map((o) => [o.zone, o.capacityType, o.pricePerHour])).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c'].map((z) => [z, 'on-demand', c6a.onDemandUsdPerHour]));
  });

  it('a catalog replaces the built-in table: a type it does not price has no on-demand offering', async () => {
    const onlyM6i = onDemandPricesFromCatalog(shared.filter((e) => e.name === 'm6i.large'));
    const types = await harness({ onDemandPrices: onlyM6i }).provider.getInstanceTypes();
    expect(types.map((t) => t.name)).toEqual(['m6i.large']);
  });
});

describe('instance types', () => {
  it('pages through DescribeInstanceTypes and DescribeInstanceTypeOfferings and builds priced offerings', async () => {
    const { ec2, types } = setup();
    ec2.spot('r6i.large', 'us-east-1a', 0.04);
    const list = await types.list();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeInstanceTypesCommand, 3);
    expect(ec2.mock.commandCalls(DescribeInstanceTypeOfferingsCommand).length).toBe(7);
    expect(ec2.mock).toHaveReceivedCommandWith(DescribeInstanceTypeOfferingsCommand, { LocationType: 'availability-zone' });
    const r6i = list.find((t) => t.name === 'r6i.large')!;
    expect(r6i.offerings).toEqual([
      { zone: 'us-east-1a', capacityType: 'on-demand', pricePerHour: 0.126, available: true },
      { zone: 'us-east-1b', capacityType: 'on-demand', pricePerHour: 0.126, available: true },
      { zone: 'us-east-1a', capacityType: 'spot', pricePerHour: 0.04, available: true },
    ]);
    expect(r6i.labels).toMatchObject({ 'karpenter.k8s.aws/instance-family': 'r6i', 'karpenter.k8s.aws/instance-cpu': '2', 'kubernetes.io/arch': 'amd64' });
  });

  it('labels a type the same way as the catalog does', async () => {
    const { types } = setup();
    const { instanceTypeFromEntry, builtinCatalogEntries } = await import('../../../../core/cloud/catalog/index.js');
    const fromCatalog = instanceTypeFromEntry(builtinCatalogEntries().find((e) => e.name === 'c7g.large')!);
    const fromEc2 = (await types.list()).find((t) => t.name === 'c7g.large')!;
    expect(fromEc2.labels).toEqual(fromCatalog.labels);
    expect(fromEc2.allocatable).toEqual(fromCatalog.allocatable);
    expect(fromEc2.capacity).toEqual(fromCatalog.capacity);
  });

  it('caches for the TTL, then describes again; a failed refresh serves the previous result', async () => {
    const { ec2, types, clock } = setup();
    await types.list();
    await types.list();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeInstanceTypesCommand, 3);
    clock.advance(10 * 60_000);
    ec2.types = ec2.types.filter((t) => t.name !== 'm6i.xlarge');
    await types.list();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeInstanceTypesCommand, 5); // 4 types left: 2 pages
    clock.advance(10 * 60_000);
    ec2.fail('DescribeInstanceTypes', awsError('InternalError', 500), awsError('InternalError', 500));
    const stale = await types.list();
    expect(stale.map((t) => t.name)).not.toContain('m6i.xlarge');
    expect(stale.length).toBe(4);
    expect(types.staleReason).toBeDefined();
  });

  it('fails when nothing was ever described', async () => {
    const { ec2, types } = setup();
    ec2.fail('DescribeInstanceTypes', awsError('UnauthorizedOperation', 403));
    await expect(types.list()).rejects.toMatchObject({ kind: 'Ec2Authorization' });
  });

  it('marks offerings in the exclusion cache unavailable and leaves out types with no priced offering', async () => {
    const { ec2, types, unavailable } = setup();
    ec2.types.push({ name: 'zz1.large', vcpu: 2, memoryMiB: 8192, arch: 'x86_64', enis: 3, ipsPerEni: 10 });
    ec2.types.push({ name: 'mac2.metal', vcpu: 12, memoryMiB: 16384, arch: 'x86_64_mac' as never, enis: 8, ipsPerEni: 30 });
    unavailable.markUnavailable({ instanceType: 'm6i.large', zone: 'us-east-1b', capacityType: 'on-demand' });
    const list = await types.list();
    expect(list.map((t) => t.name)).not.toContain('zz1.large');
    expect(list.map((t) => t.name)).not.toContain('mac2.metal');
    const m6i = list.find((t) => t.name === 'm6i.large')!;
    expect(m6i.offerings.filter((o) => !o.available).map((o) => o.zone)).toEqual(['us-east-1b']);
  });
});

describe('spot refresh loop', () => {
  it('refreshes every interval on the clock, sooner after a failure, and stops when aborted', async () => {
    const { ec2, pricing, clock } = setup();
    const flush = () => new Promise((resolve) => setImmediate(resolve));
    const stop = new AbortController();
    ec2.spot('m6i.large', 'us-east-1a', 0.031);
    const loop = pricing.runSpotRefreshLoop(clock, stop.signal);
    await flush();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeSpotPriceHistoryCommand, 1);
    ec2.fail('DescribeSpotPriceHistory', awsError('UnauthorizedOperation', 403));
    clock.advance(5 * 60_000);
    await flush();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeSpotPriceHistoryCommand, 2);
    expect(pricing.spotPrice('m6i.large', 'us-east-1a')).toBe(0.031);
    clock.advance(30_000);
    await flush();
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeSpotPriceHistoryCommand, 3);
    stop.abort();
    clock.advance(5 * 60_000);
    await loop;
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeSpotPriceHistoryCommand, 3);
  });
});
