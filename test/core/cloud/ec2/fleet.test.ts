import { describe, expect, it } from 'vitest';
import {
  buildCreateFleetInput,
  chooseCapacityType,
  MAX_FLEET_INSTANCE_TYPES,
  quotaClass,
  readFleetResponse,
  selectOverrides,
  sharesFailure,
  type LaunchCandidate,
} from '../../../../core/cloud/ec2/fleet.js';

function candidate(instanceType: string, zone: string, pricePerHour: number, capacityType: 'spot' | 'on-demand' = 'on-demand', arch: 'amd64' | 'arm64' = 'amd64'): LaunchCandidate {
  return { instanceType, zone, pricePerHour, capacityType, arch, subnetId: `subnet-${zone.slice(-1)}` };
}

describe('fleet overrides', () => {
  it('prefers spot when any spot offering is left, on-demand otherwise', () => {
    expect(chooseCapacityType([candidate('a', 'z1', 1), candidate('a', 'z1', 0.3, 'spot')])).toBe('spot');
    expect(chooseCapacityType([candidate('a', 'z1', 1)])).toBe('on-demand');
    expect(chooseCapacityType([])).toBeUndefined();
  });

  it('orders cheapest first (ties by type, then zone) and keeps only the chosen capacity type', () => {
    const picked = selectOverrides(
      [candidate('m5.large', 'us-east-1b', 0.096), candidate('c5.large', 'us-east-1a', 0.085), candidate('m5.large', 'us-east-1a', 0.096), candidate('m5.large', 'us-east-1a', 0.03, 'spot')],
      'on-demand',
    );
    expect(picked.map((c) => `${c.instanceType}@${c.zone}`)).toEqual(['c5.large@us-east-1a', 'm5.large@us-east-1a', 'm5.large@us-east-1b']);
  });

  it('keeps at most 60 instance types, the cheapest, with all their zones', () => {
    const many = Array.from({ length: 80 }, (_, i) => [candidate(`t${i}.large`, 'z-a', 1 + i), candidate(`t${i}.large`, 'z-b', 1 + i)]).flat();
    const picked = selectOverrides(many.reverse(), 'on-demand');
    expect(new Set(picked.map((c) => c.instanceType)).size).toBe(MAX_FLEET_INSTANCE_TYPES);
    expect(picked).toHaveLength(120);
    expect(picked[0].instanceType).toBe('t0.large');
    expect(picked.at(-1)!.instanceType).toBe('t59.large');
  });

  it('groups overrides by architecture under each launch template and refuses a missing template', () => {
    const overrides = [candidate('c7g.large', 'z-a', 0.07, 'on-demand', 'arm64'), candidate('m5.large', 'z-a', 0.09)];
    const input = buildCreateFleetInput({ overrides, capacityType: 'on-demand', launchTemplates: new Map([['arm64', 'lt-arm'], ['amd64', 'lt-x86']]), tags: [], clientToken: 't' });
    expect(input.LaunchTemplateConfigs?.map((c) => c.LaunchTemplateSpecification?.LaunchTemplateName)).toEqual(['lt-arm', 'lt-x86']);
    expect(() => buildCreateFleetInput({ overrides, capacityType: 'on-demand', launchTemplates: new Map([['amd64', 'lt-x86']]), tags: [], clientToken: 't' })).toThrowError('no launch template for arm64');
  });
});

describe('fleet response', () => {
  const zoneOf = (id: string | undefined) => (id === 'subnet-a' ? 'z-a' : undefined);

  it('reads the instance and sorts errors into capacity errors (deduplicated) and others', () => {
    const outcome = readFleetResponse(
      {
        Instances: [{ InstanceIds: ['i-1'], InstanceType: 'm5.large', Lifecycle: 'spot', LaunchTemplateAndOverrides: { Overrides: { SubnetId: 'subnet-a' } } }],
        Errors: [
          { ErrorCode: 'InsufficientInstanceCapacity', LaunchTemplateAndOverrides: { Overrides: { InstanceType: 'c5.large', AvailabilityZone: 'z-b' } } },
          { ErrorCode: 'InsufficientInstanceCapacity', LaunchTemplateAndOverrides: { Overrides: { InstanceType: 'c5.large', AvailabilityZone: 'z-b' } } },
          { ErrorCode: 'UnfulfillableCapacity', Lifecycle: 'on-demand', LaunchTemplateAndOverrides: { Overrides: { InstanceType: 'c6i.large', SubnetId: 'subnet-a' } } },
          { ErrorCode: 'InvalidFleetConfiguration', ErrorMessage: 'odd' },
        ],
      },
      'spot',
      zoneOf,
    );
    expect(outcome.instance).toEqual({ instanceId: 'i-1', instanceType: 'm5.large', zone: 'z-a', capacityType: 'spot' });
    expect(outcome.insufficient).toEqual([
      { instanceType: 'c5.large', zone: 'z-b', capacityType: 'spot' },
      { instanceType: 'c6i.large', zone: 'z-a', capacityType: 'on-demand' },
    ]);
    expect(outcome.otherErrors).toEqual([{ code: 'InvalidFleetConfiguration', message: 'odd' }]);
  });

  it('reports no instance for an empty answer', () => {
    expect(readFleetResponse({}, 'on-demand', zoneOf)).toEqual({ instance: undefined, insufficient: [], capacityFailures: [], otherErrors: [] });
  });
});

describe('failures that hold for more than the offering named', () => {
  it.each([
    ['m6i.large', 'standard'],
    ['t3.medium', 'standard'],
    ['im4gn.large', 'standard'],
    ['z1d.large', 'standard'],
    ['g5.xlarge', 'g-vt'],
    ['vt1.3xlarge', 'g-vt'],
    ['p4d.24xlarge', 'p'],
    ['x2iedn.xlarge', 'x'],
    ['inf2.xlarge', 'inf'],
    ['trn1.2xlarge', 'trn'],
    ['dl1.24xlarge', 'dl'],
    ['u-6tb1.metal', 'high-memory'],
    ['f1.2xlarge', 'f'],
  ])('%s draws on the %s vCPU quota', (type, quota) => {
    expect(quotaClass(type)).toBe(quota);
  });

  const ref = (instanceType: string, zone: string, capacityType: 'spot' | 'on-demand') => ({ instanceType, zone, capacityType });
  it.each([
    ['MaxSpotInstanceCountExceeded', ref('m6i.large', 'us-east-1b', 'spot'), true],
    ['MaxSpotInstanceCountExceeded', ref('m6i.large', 'us-east-1b', 'on-demand'), false],
    ['MaxSpotInstanceCountExceeded', ref('g5.xlarge', 'us-east-1a', 'spot'), false],
    ['VcpuLimitExceeded', ref('m6i.large', 'us-east-1b', 'spot'), true],
    ['InsufficientFreeAddressesInSubnet', ref('g5.xlarge', 'us-east-1a', 'on-demand'), true],
    ['InsufficientFreeAddressesInSubnet', ref('t3.medium', 'us-east-1b', 'spot'), false],
    ['InsufficientInstanceCapacity', ref('t3.medium', 'us-east-1b', 'spot'), false],
  ] as const)('%s on t3.medium/us-east-1a/spot rules out %o: %s', (code, other, shared) => {
    expect(sharesFailure(code, ref('t3.medium', 'us-east-1a', 'spot'), other)).toBe(shared);
  });

  it('a vCPU quota error rules out the types at least as large as the refused one, not smaller ones', () => {
    const failed = { ...ref('m6i.4xlarge', 'us-east-1a', 'on-demand'), vcpus: 16 };
    expect(sharesFailure('VcpuLimitExceeded', failed, { ...ref('m6i.large', 'us-east-1b', 'on-demand'), vcpus: 2 })).toBe(false);
    expect(sharesFailure('VcpuLimitExceeded', failed, { ...ref('c6i.4xlarge', 'us-east-1b', 'on-demand'), vcpus: 16 })).toBe(true);
    expect(sharesFailure('VcpuLimitExceeded', failed, { ...ref('r6i.8xlarge', 'us-east-1a', 'on-demand'), vcpus: 32 })).toBe(true);
    expect(sharesFailure('MaxSpotInstanceCountExceeded', { ...failed, capacityType: 'spot' }, { ...ref('m6i.xlarge', 'us-east-1a', 'spot'), vcpus: 4 })).toBe(false);
  });
});
