/**
 * The EC2 provider against answers production accounts give: a launch template deleted by a
 * cleanup script (CreateFleet refuses the whole request, as Karpenter handles it), account-wide
 * quotas and full subnets reported on one override, sustained throttling shared by many callers,
 * instances interrupted or stopped between launch and registration.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { CreateFleetCommand, CreateLaunchTemplateCommand, DescribeInstancesCommand, type CreateFleetError } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { isNodeClaimNotFoundError } from '../../../../core/cloud/errors.js';
import { isEc2ValidationError } from '../../../../core/cloud/ec2/errors.js';
import { MAX_PAGES } from '../../../../core/cloud/ec2/api.js';
import { RetryBudget, withRetry, type RetryPolicy } from '../../../../core/cloud/ec2/retry.js';
import { Labels } from '../../../../core/model/labels.js';
import { awsError } from './fake-ec2.js';
import { claim, harness } from './builders.js';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const onDemand = [{ key: Labels.capacityType, operator: 'In' as const, values: ['on-demand'] }];

/** The overrides (type/zone) of the nth CreateFleet call (1-based). */
function overridesOf(ec2: ReturnType<typeof harness>['ec2'], n: number): string[] {
  const input = ec2.mock.commandCalls(CreateFleetCommand)[n - 1].args[0].input;
  return (input.LaunchTemplateConfigs ?? []).flatMap((c) => (c.Overrides ?? []).map((o) => `${o.InstanceType}/${o.AvailabilityZone}`));
}

function fleetError(code: string, instanceType: string, zone: string, lifecycle: 'spot' | 'on-demand'): CreateFleetError {
  return { ErrorCode: code, ErrorMessage: code, Lifecycle: lifecycle, LaunchTemplateAndOverrides: { Overrides: { InstanceType: instanceType as never, AvailabilityZone: zone } } };
}

describe('a launch template deleted out of band (CreateFleet refuses the request)', () => {
  it('is re-created and the launch succeeds in the same create, not refused as an invalid configuration', async () => {
    const { ec2, provider } = harness();
    await provider.create(claim({ name: 'a', requirements: onDemand }));
    ec2.launchTemplates.clear();
    ec2.fail('CreateFleet', awsError('InvalidLaunchTemplateName.NotFoundException', 400, 'The specified launch template, with template name smartscale/…, does not exist.'));
    const b = await provider.create(claim({ name: 'b', requirements: onDemand }));
    expect(b.status.providerId).toBeDefined();
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateLaunchTemplateCommand, 2);
  });

  it('a template that keeps vanishing ends in a transient failure, never a permanent Ec2ValidationError', async () => {
    const { ec2, provider } = harness({ maxLaunchAttempts: 2 });
    const gone = () => awsError('InvalidLaunchTemplateName.NotFoundException', 400, 'does not exist');
    ec2.fail('CreateFleet', gone(), gone());
    const error = await rejectionOf(provider.create(claim({ requirements: onDemand })));
    expect(isEc2ValidationError(error)).toBe(false);
    expect((error as Error).message).toMatch(/launch template/);
  });
});

describe('failures wider than the offering EC2 names', () => {
  it('MaxSpotInstanceCountExceeded (the account spot quota) moves the next round to on-demand and excludes every spot offering', async () => {
    const { ec2, provider } = harness();
    for (const type of ['t3.medium', 'm6i.large']) for (const zone of ['us-east-1a', 'us-east-1b']) ec2.spot(type, zone, type === 't3.medium' ? 0.015 : 0.03);
    ec2.fleetResponses.push({ Errors: [fleetError('MaxSpotInstanceCountExceeded', 't3.medium', 'us-east-1a', 'spot')] });
    const launched = await provider.create(claim());
    expect(launched.status.capacityType).toBe('on-demand');
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 2);
    expect(ec2.mock).toHaveReceivedNthCommandWith(CreateFleetCommand, 2, { OnDemandOptions: { AllocationStrategy: 'lowest-price' } });
    for (const type of ['t3.medium', 'm6i.large']) {
      for (const zone of ['us-east-1a', 'us-east-1b']) expect(provider.unavailable.isUnavailable({ instanceType: type, zone, capacityType: 'spot' })).toBe(true);
    }
  });

  it('VcpuLimitExceeded (the on-demand vCPU quota of a family class) excludes that class, not only the type named', async () => {
    const prices = new Map([['t3.medium', 0.0416], ['m6i.large', 0.096], ['g5.xlarge', 1.006]]);
    const { ec2, provider } = harness({ onDemandPrices: prices });
    ec2.types.push({ name: 'g5.xlarge', vcpu: 4, memoryMiB: 16384, arch: 'x86_64', enis: 4, ipsPerEni: 15 });
    ec2.fleetResponses.push({ Errors: [fleetError('VcpuLimitExceeded', 't3.medium', 'us-east-1a', 'on-demand')] });
    const launched = await provider.create(claim({ types: ['t3.medium', 'm6i.large', 'g5.xlarge'], requirements: onDemand }));
    expect(launched.status.instanceType).toBe('g5.xlarge');
    // Round 2 asks only for the G class: t3 and m6i share the "Standard" quota that is used up.
    expect(overridesOf(ec2, 2)).toEqual(['g5.xlarge/us-east-1a', 'g5.xlarge/us-east-1b']);
    expect(provider.unavailable.isUnavailable({ instanceType: 'm6i.large', zone: 'us-east-1b', capacityType: 'on-demand' })).toBe(true);
    expect(provider.unavailable.isUnavailable({ instanceType: 'g5.xlarge', zone: 'us-east-1a', capacityType: 'on-demand' })).toBe(false);
  });

  it('VcpuLimitExceeded leaves the smaller types of the class: the quota is counted in vCPUs, what is left may fit them', async () => {
    const prices = new Map([['m6i.large', 0.096], ['m6i.2xlarge', 0.384]]);
    const { ec2, provider } = harness({ onDemandPrices: prices });
    ec2.types.push({ name: 'm6i.2xlarge', vcpu: 8, memoryMiB: 32768, arch: 'x86_64', enis: 4, ipsPerEni: 15 });
    ec2.fleetResponses.push({ Errors: [fleetError('VcpuLimitExceeded', 'm6i.2xlarge', 'us-east-1a', 'on-demand')] });
    const launched = await provider.create(claim({ types: ['m6i.large', 'm6i.2xlarge'], requirements: onDemand }));
    expect(launched.status.instanceType).toBe('m6i.large');
    expect(overridesOf(ec2, 2)).toEqual(['m6i.large/us-east-1a', 'm6i.large/us-east-1b']);
    expect(provider.unavailable.isUnavailable({ instanceType: 'm6i.2xlarge', zone: 'us-east-1b', capacityType: 'on-demand' })).toBe(true);
    expect(provider.unavailable.isUnavailable({ instanceType: 'm6i.large', zone: 'us-east-1a', capacityType: 'on-demand' })).toBe(false);
  });

  it('InsufficientFreeAddressesInSubnet excludes every type in that zone (its subnet is full)', async () => {
    const { ec2, provider } = harness();
    ec2.fleetResponses.push({ Errors: [fleetError('InsufficientFreeAddressesInSubnet', 't3.medium', 'us-east-1a', 'on-demand')] });
    const launched = await provider.create(claim({ requirements: onDemand }));
    expect(launched.status.zone).toBe('us-east-1b');
    expect(overridesOf(ec2, 2)).toEqual(['t3.medium/us-east-1b', 'm6i.large/us-east-1b']);
  });
});

describe('retry budget: sustained throttling is not multiplied by every caller', () => {
  const throttled = () => Promise.reject(awsError('RequestLimitExceeded', 503));
  const policy = (budget?: RetryBudget): RetryPolicy => ({ maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 1, random: () => 0, sleep: async () => undefined, budget });

  it('with a budget, 200 throttled calls make at most 200 + capacity/cost attempts (without: 6 each)', async () => {
    let attempts = 0;
    const run = () => {
      attempts++;
      return throttled();
    };
    const budget = new RetryBudget({ capacity: 500, retryCost: 5 });
    await Promise.all(Array.from({ length: 200 }, () => withRetry('DescribeInstances', policy(budget), run).catch(() => undefined)));
    expect(attempts).toBe(200 + 500 / 5);
    attempts = 0;
    await Promise.all(Array.from({ length: 200 }, () => withRetry('DescribeInstances', policy(), run).catch(() => undefined)));
    expect(attempts).toBe(200 * 6);
  });

  it('successes refill the budget', async () => {
    const budget = new RetryBudget({ capacity: 10, retryCost: 5 });
    let calls = 0;
    const flaky = () => (++calls % 2 === 1 ? Promise.reject(awsError('RequestLimitExceeded', 503)) : Promise.resolve('ok'));
    for (let i = 0; i < 50; i++) expect(await withRetry('DescribeInstances', policy(budget), flaky)).toBe('ok');
    expect(budget.available).toBe(10);
  });

  it('the provider shares one budget across its calls', async () => {
    const { ec2, provider } = harness();
    const errors = Array.from({ length: 2000 }, () => awsError('RequestLimitExceeded', 503));
    ec2.fail('DescribeInstances', ...errors);
    await Promise.all(Array.from({ length: 100 }, () => provider.list().catch(() => undefined)));
    // 100 first attempts plus at most 500 / 5 retries, instead of 600.
    expect(ec2.mock.commandCalls(DescribeInstancesCommand).length).toBeLessThanOrEqual(200);
  });
});

describe('instances that die or stop between launch and registration', () => {
  it('a spot instance interrupted after launch is not found by get, and a new claim launches a new instance', async () => {
    const { ec2, provider } = harness();
    ec2.spot('t3.medium', 'us-east-1a', 0.015);
    const launched = await provider.create(claim({ types: ['t3.medium'] }));
    const id = launched.status.providerId!.split('/').pop()!;
    ec2.instances.get(id)!.State = { Name: 'shutting-down', Code: 32 };
    expect(isNodeClaimNotFoundError(await rejectionOf(provider.get(launched.status.providerId!)))).toBe(true);
    const replacement = await provider.create(claim({ name: 'replacement', types: ['t3.medium'], createdAt: 1_780_000_100_000 }));
    expect(replacement.status.providerId).not.toBe(launched.status.providerId);
  });
});

describe('DescribeInstances answers to distrust', () => {
  it('a NextToken that never ends stops after MAX_PAGES pages with an error, not a hang', async () => {
    const { ec2, provider } = harness();
    ec2.mock.on(DescribeInstancesCommand).resolves({ Reservations: [], NextToken: 'same-token-again' });
    const error = await rejectionOf(provider.list());
    expect((error as Error).message).toMatch(new RegExp(`more than ${MAX_PAGES} pages`));
    expect(ec2.mock.commandCalls(DescribeInstancesCommand)).toHaveLength(MAX_PAGES);
  });

  it('an instance of this cluster without its claim and pool tags is listed under its instance ID (so garbage collection can judge it)', async () => {
    const { ec2, provider } = harness();
    const launched = await provider.create(claim({ requirements: onDemand }));
    const id = launched.status.providerId!.split('/').pop()!;
    const instance = ec2.instances.get(id)!;
    instance.Tags = instance.Tags!.filter((t) => t.Key === 'smartscale.io/cluster');
    const [listed] = await provider.list();
    expect(listed).toMatchObject({ name: id, spec: { nodePool: '', nodeClassRef: undefined }, status: { providerId: launched.status.providerId } });
  });
});
