import 'aws-sdk-client-mock-vitest/extend';
import { DescribeImagesCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { Ec2Api } from '../../../../core/cloud/ec2/api.js';
import { NodeClassResolver, preferSubnets, termFilters } from '../../../../core/cloud/ec2/network.js';
import { ManualClock } from '../../../../core/model/clock.js';
import { InMemoryEc2 } from './fake-ec2.js';
import { nodeClass } from './builders.js';

function resolver(ec2: InMemoryEc2, clock = new ManualClock(0)) {
  return new NodeClassResolver(new Ec2Api(() => ec2.client, { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, random: () => 0, sleep: async () => {} }), clock, { ttlMs: 60_000 });
}

describe('node class resolution', () => {
  it('turns selector terms into EC2 filters (tag, tag-key for *, id, name)', () => {
    expect(termFilters({ tags: { b: '*', a: 'x' } }, 'subnet-id')).toEqual([{ Name: 'tag:a', Values: ['x'] }, { Name: 'tag-key', Values: ['b'] }]);
    expect(termFilters({ id: 'sg-1' }, 'group-id', 'group-name')).toEqual([{ Name: 'group-id', Values: ['sg-1'] }]);
    expect(termFilters({ name: 'nodes' }, 'group-id', 'group-name')).toEqual([{ Name: 'group-name', Values: ['nodes'] }]);
  });

  it('prefers, per zone, the subnet with the most free addresses and drops full ones', () => {
    const picked = preferSubnets([
      { id: 'subnet-2', zone: 'a', availableIps: 10 },
      { id: 'subnet-1', zone: 'a', availableIps: 10 },
      { id: 'subnet-3', zone: 'a', availableIps: 5 },
      { id: 'subnet-4', zone: 'b', availableIps: 0 },
    ]);
    expect([...picked.values()].map((s) => s.id)).toEqual(['subnet-1']);
  });

  it('resolves subnets (paged, ORed terms), security groups and the newest AMI per architecture, cached for the TTL', async () => {
    const ec2 = new InMemoryEc2();
    const clock = new ManualClock(0);
    const r = resolver(ec2, clock);
    const c = nodeClass({ subnetSelectorTerms: [{ tags: { 'smartscale.io/discovery': 'demo' } }, { id: 'subnet-0ff' }] });
    const resolved = await r.resolve(c);
    expect(Object.fromEntries([...resolved.subnetsByZone].map(([z, s]) => [z, s.id]))).toEqual({ 'us-east-1a': 'subnet-0ff', 'us-east-1b': 'subnet-0b1' });
    expect(resolved.securityGroupIds).toEqual(['sg-0001']);
    expect(Object.fromEntries([...resolved.amis].map(([a, i]) => [a, i.id]))).toEqual({ amd64: 'ami-0a1', arm64: 'ami-0b1' });
    expect(ec2.mock).toHaveReceivedCommandWith(DescribeSubnetsCommand, { Filters: [{ Name: 'subnet-id', Values: ['subnet-0ff'] }, { Name: 'state', Values: ['available'] }] });
    const calls = ec2.mock.commandCalls(DescribeSubnetsCommand).length;
    await r.resolve(c);
    expect(ec2.mock.commandCalls(DescribeSubnetsCommand).length).toBe(calls);
    clock.advance(60_000);
    await r.resolve(c);
    expect(ec2.mock.commandCalls(DescribeSubnetsCommand).length).toBe(calls * 2);
  });

  it('selects AMIs by name from own and Amazon images unless an owner is given', async () => {
    const ec2 = new InMemoryEc2();
    await resolver(ec2).resolve(nodeClass({ amiSelectorTerms: [{ name: 'al2023-*' }, { name: 'al2023-arm', owner: '123456789012' }] }));
    expect(ec2.mock).toHaveReceivedCommandWith(DescribeImagesCommand, { Owners: ['self', 'amazon'] });
    expect(ec2.mock).toHaveReceivedCommandWith(DescribeImagesCommand, { Owners: ['123456789012'] });
  });

  it.each([
    [{ securityGroupSelectorTerms: [{ tags: { none: 'x' } }] }, 'securityGroupSelectorTerms match no security group'],
    [{ amiSelectorTerms: [{ tags: { none: 'x' } }] }, 'amiSelectorTerms match no available'],
    [{ subnetSelectorTerms: [{ id: 'subnet-0c1' }] }, 'every selected subnet is out of free IP addresses'],
  ])('says which selector matches nothing: %j', async (spec, message) => {
    await expect(resolver(new InMemoryEc2()).resolve(nodeClass(spec))).rejects.toThrowError(message);
  });
});
