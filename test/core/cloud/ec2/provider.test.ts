import 'aws-sdk-client-mock-vitest/extend';
import { CreateFleetCommand, CreateLaunchTemplateCommand, DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { isInsufficientCapacityError, isInvalidNodeClaimError, isNodeClaimNotFoundError } from '../../../../core/cloud/errors.js';
import { isEc2AuthorizationError, isEc2ValidationError, isNodeClassResolutionError } from '../../../../core/cloud/ec2/errors.js';
import type { CloudProvider } from '../../../../core/cloud/provider.js';
import { fleetClientToken } from '../../../../core/cloud/ec2/provider.js';
import { parseEC2NodeClass } from '../../../../core/cloud/ec2/node-class.js';
import { launchTemplateName } from '../../../../core/cloud/ec2/launch-templates.js';
import { renderUserData } from '../../../../core/cloud/ec2/user-data.js';
import { Labels } from '../../../../core/model/labels.js';
import { MIB } from '../../../../core/model/quantity.js';
import { awsError } from './fake-ec2.js';
import { claim, CLUSTER, harness, LAUNCH_TAGS as TAGS, nodeClass } from './builders.js';

function templateFor(imageId: string, pinned: Record<string, string> = {}): string {
  const userData = renderUserData({ cluster: CLUSTER, labels: { ...pinned, team: 'platform', [Labels.nodePool]: 'default' }, taints: [] });
  return launchTemplateName({ clusterName: 'demo', nodeClass: nodeClass(), imageId, securityGroupIds: ['sg-0001'], instanceProfileName: 'SmartscaleNodeProfile', userData });
}

async function expectRejection<T>(promise: Promise<T>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Ec2CloudProvider.create', () => {
  it('sends one instant on-demand CreateFleet: cheapest types first, every subnet zone, lowest-price, tags on instance/volume/fleet', async () => {
    const { ec2, provider } = harness();
    const input = claim({ requirements: [{ key: Labels.capacityType, operator: 'In', values: ['on-demand'] }] });
    const launched = await provider.create(input);

    // The capacity type the claim pins is a kubelet label (in the user data, so in the template's name).
    const lt = templateFor('ami-0a1', { [Labels.capacityType]: 'on-demand' });
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 1);
    expect(ec2.mock).toHaveReceivedCommandWith(CreateFleetCommand, {
      Type: 'instant',
      ClientToken: fleetClientToken('demo', claim(), 0),
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: { LaunchTemplateName: lt, Version: '$Latest' },
          // t3.medium ($0.0416) before m6i.large ($0.096); us-east-1c has no free addresses; 1a uses its emptier subnet.
          Overrides: [
            { InstanceType: 't3.medium', SubnetId: 'subnet-0a2', AvailabilityZone: 'us-east-1a' },
            { InstanceType: 't3.medium', SubnetId: 'subnet-0b1', AvailabilityZone: 'us-east-1b' },
            { InstanceType: 'm6i.large', SubnetId: 'subnet-0a2', AvailabilityZone: 'us-east-1a' },
            { InstanceType: 'm6i.large', SubnetId: 'subnet-0b1', AvailabilityZone: 'us-east-1b' },
          ],
        },
      ],
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand' },
      OnDemandOptions: { AllocationStrategy: 'lowest-price' },
      TagSpecifications: [
        { ResourceType: 'instance', Tags: TAGS },
        { ResourceType: 'volume', Tags: TAGS },
        { ResourceType: 'fleet', Tags: TAGS },
      ],
    });
    // Nothing beyond the fields above (toHaveReceivedCommandWith matches a subset at the top level).
    expect(Object.keys(ec2.mock.commandCalls(CreateFleetCommand)[0].args[0].input).sort()).toEqual([
      'ClientToken',
      'LaunchTemplateConfigs',
      'OnDemandOptions',
      'TagSpecifications',
      'TargetCapacitySpecification',
      'Type',
    ]);
    expect(launched.status).toMatchObject({ instanceType: 't3.medium', zone: 'us-east-1a', capacityType: 'on-demand', pricePerHour: 0.0416 });
    expect(launched.status.providerId).toMatch(/^aws:\/\/\/us-east-1a\/i-[0-9a-f]{17}$/);
    expect(launched.status.allocatable).toEqual({ milliCpu: 1930, memoryBytes: 3246 * MIB, pods: 17, gpus: 0 });
    expect(launched.status.conditions).toEqual([{ type: 'Launched', status: 'True', reason: 'Launched', lastTransitionTime: ec2.now }]);
    expect(launched.spec).toEqual(input.spec);
    expect(launched.name).toBe(input.name);
  });
});

describe('Ec2CloudProvider.create: spot, launch templates', () => {
  it('uses spot with price-capacity-optimized when spot is allowed, one launch template per architecture, cheapest spot offering first', async () => {
    const { ec2, provider } = harness();
    ec2.spot('m6i.large', 'us-east-1a', 0.04);
    ec2.spot('m6i.large', 'us-east-1b', 0.03);
    ec2.spot('c7g.large', 'us-east-1b', 0.025);
    const launched = await provider.create(claim({ types: ['c7g.large', 'm6i.large'] }));

    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 1);
    const arm = ec2.mock.commandCalls(CreateFleetCommand)[0].args[0].input;
    expect(arm.SpotOptions).toEqual({ AllocationStrategy: 'price-capacity-optimized' });
    expect(arm.OnDemandOptions).toBeUndefined();
    expect(arm.TagSpecifications?.map((t) => t.ResourceType)).toEqual(['instance', 'volume', 'fleet']);
    expect(arm.TargetCapacitySpecification).toEqual({ TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' });
    // arm64 first: its cheapest override (c7g.large at 0.025) leads; only offerings with a spot price are listed.
    expect(arm.LaunchTemplateConfigs?.map((c) => [c.LaunchTemplateSpecification?.LaunchTemplateName, c.Overrides?.map((o) => `${o.InstanceType}@${o.AvailabilityZone}`)])).toEqual([
      [templateFor('ami-0b1'), ['c7g.large@us-east-1b']],
      [templateFor('ami-0a1'), ['m6i.large@us-east-1b', 'm6i.large@us-east-1a']],
    ]);
    expect(launched.status).toMatchObject({ instanceType: 'c7g.large', capacityType: 'spot', zone: 'us-east-1b', pricePerHour: 0.025 });
    expect(ec2.instances.get(launched.status.providerId!.split('/').pop()!)?.InstanceLifecycle).toBe('spot');
  });

  it('creates the launch template once with AMI, security groups, instance profile, IMDSv2, disks and join user data, then reuses it', async () => {
    const { ec2, provider } = harness();
    await provider.create(claim({ name: 'a' }));
    await provider.create(claim({ name: 'b' }));
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateLaunchTemplateCommand, 1);
    expect(ec2.mock).toHaveReceivedCommandWith(CreateLaunchTemplateCommand, {
      LaunchTemplateName: templateFor('ami-0a1'),
      TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'smartscale.io/cluster', Value: 'demo' }, { Key: 'smartscale.io/nodeclass', Value: 'default' }] }],
    });
    const data = ec2.mock.commandCalls(CreateLaunchTemplateCommand)[0].args[0].input.LaunchTemplateData!;
    expect(data).toMatchObject({
      TagSpecifications: [
        {
          ResourceType: 'network-interface',
          Tags: [{ Key: 'team', Value: 'platform' }, { Key: 'smartscale.io/cluster', Value: 'demo' }, { Key: 'smartscale.io/nodeclass', Value: 'default' }],
        },
      ],
      ImageId: 'ami-0a1',
      SecurityGroupIds: ['sg-0001'],
      IamInstanceProfile: { Name: 'SmartscaleNodeProfile' },
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, HttpProtocolIpv6: 'disabled' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
    });
    const userData = Buffer.from(data.UserData!, 'base64').toString('utf8');
    expect(userData).toContain('apiServerEndpoint: "https://ABCDEF.gr7.us-east-1.eks.amazonaws.com"');
    expect(userData).toContain('"--node-labels=karpenter.sh/nodepool=default,team=platform"');
  });

  it('re-creates a launch template deleted out of band', async () => {
    const { ec2, provider } = harness();
    await provider.create(claim({ name: 'a' }));
    ec2.launchTemplates.clear();
    const b = await provider.create(claim({ name: 'b' }));
    expect(b.status.providerId).toBeDefined();
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateLaunchTemplateCommand, 2);
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 3);
  });
});

describe('Ec2CloudProvider.create: insufficient capacity', () => {
  const onDemand = [{ key: Labels.capacityType, operator: 'In' as const, values: ['on-demand'] }];

  it('turns partial fleet errors into excluded offerings (for 3 minutes) while still returning the instance', async () => {
    const { ec2, provider, clock } = harness();
    ec2.insufficient.add('t3.medium/us-east-1a/on-demand');
    const launched = await provider.create(claim({ requirements: onDemand }));
    expect(launched.status).toMatchObject({ instanceType: 't3.medium', zone: 'us-east-1b' });
    const ref = { instanceType: 't3.medium', zone: 'us-east-1a', capacityType: 'on-demand' as const };
    expect(provider.unavailable.isUnavailable(ref)).toBe(true);
    const offering = async () => (await provider.getInstanceTypes()).find((t) => t.name === 't3.medium')!.offerings.find((o) => o.zone === 'us-east-1a' && o.capacityType === 'on-demand');
    expect((await offering())?.available).toBe(false);
    clock.advance(3 * 60 * 1000);
    expect((await offering())?.available).toBe(true);
  });

  it('falls back from spot to on-demand in a second fleet round when every spot offering is out of capacity', async () => {
    const { ec2, provider } = harness();
    ec2.spot('t3.medium', 'us-east-1a', 0.015);
    ec2.spot('t3.medium', 'us-east-1b', 0.016);
    ec2.insufficient.add('t3.medium/us-east-1a/spot');
    ec2.insufficient.add('t3.medium/us-east-1b/spot');
    const c = claim({ types: ['t3.medium'] });
    const launched = await provider.create(c);
    expect(launched.status).toMatchObject({ capacityType: 'on-demand', instanceType: 't3.medium', zone: 'us-east-1a' });
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 2);
    expect(ec2.mock).toHaveReceivedNthCommandWith(CreateFleetCommand, 1, { ClientToken: fleetClientToken('demo', c, 0), SpotOptions: { AllocationStrategy: 'price-capacity-optimized' } });
    expect(ec2.mock).toHaveReceivedNthCommandWith(CreateFleetCommand, 2, { ClientToken: fleetClientToken('demo', c, 1), OnDemandOptions: { AllocationStrategy: 'lowest-price' } });
    expect(provider.unavailable.list().map((e) => e.ref)).toEqual([
      { instanceType: 't3.medium', zone: 'us-east-1a', capacityType: 'spot' },
      { instanceType: 't3.medium', zone: 'us-east-1b', capacityType: 'spot' },
    ]);
  });

  it('throws InsufficientCapacityError naming every failed offering, and the next attempt fails fast without calling EC2', async () => {
    const { ec2, provider } = harness();
    for (const key of ['t3.medium/us-east-1a', 't3.medium/us-east-1b', 'm6i.large/us-east-1a', 'm6i.large/us-east-1b']) ec2.insufficient.add(`${key}/on-demand`);
    const error = await expectRejection(provider.create(claim({ requirements: onDemand })));
    expect(isInsufficientCapacityError(error)).toBe(true);
    expect((error as { offerings: unknown[] }).offerings).toHaveLength(4);
    expect((error as Error).message).toContain('m6i.large/us-east-1b/on-demand');
    const again = await expectRejection(provider.create(claim({ name: 'other', requirements: onDemand })));
    expect(isInsufficientCapacityError(again)).toBe(true);
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 1);
  });
});

describe('Ec2CloudProvider.create: invalid claims and typed errors', () => {
  it.each([
    ['no node class reference', claim({ nodeClass: null })],
    ['an unknown node class', claim({ nodeClass: 'missing' })],
    ['instance types EC2 does not offer', claim({ types: ['x9.huge'] })],
    ['a zone without subnets', claim({ requirements: [{ key: Labels.zone, operator: 'In', values: ['us-east-1c'] }] })],
    ['no instance type options', claim({ types: [] })],
    ['a node class reference of another kind', { ...claim(), spec: { ...claim().spec, nodeClassRef: { kind: 'AKSNodeClass', name: 'default' } } }],
  ])('rejects %s with InvalidNodeClaimError', async (_, c) => {
    const { ec2, provider } = harness();
    expect(isInvalidNodeClaimError(await expectRejection(provider.create(c)))).toBe(true);
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 0);
  });

  it('rejects a claim whose node class fails validation with InvalidNodeClaimError naming the field', async () => {
    // What main.ts's lookup does with an EC2NodeClass object a user got wrong: parseEC2NodeClass throws.
    const { ec2, provider } = harness({ nodeClasses: () => parseEC2NodeClass({ metadata: { name: 'default' }, spec: { role: 'r', amiSelectorTerms: [], subnetSelectorTerms: [], securityGroupSelectorTerms: [] } }) });
    const error = await expectRejection(provider.create(claim()));
    expect(isInvalidNodeClaimError(error)).toBe(true);
    expect((error as Error).message).toMatch(/EC2NodeClass default: .*(amiSelectorTerms|subnetSelectorTerms|securityGroupSelectorTerms)/);
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 0);
  });

  it('reports a node class whose subnets match nothing as NodeClassResolutionError', async () => {
    const { provider } = harness({ classes: [nodeClass({ subnetSelectorTerms: [{ tags: { nope: 'x' } }] })] });
    const error = await expectRejection(provider.create(claim()));
    expect(isNodeClassResolutionError(error)).toBe(true);
    expect((error as Error).message).toContain('match no available subnet');
  });

  it('surfaces UnauthorizedOperation as Ec2AuthorizationError without retrying', async () => {
    const { ec2, provider, sleeps } = harness();
    ec2.fail('CreateFleet', awsError('UnauthorizedOperation', 403, 'You are not authorized to perform this operation.'));
    const error = await expectRejection(provider.create(claim()));
    expect(isEc2AuthorizationError(error)).toBe(true);
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 1);
    expect(sleeps).toEqual([]);
  });

  it('surfaces a validation error in the fleet Errors as Ec2ValidationError', async () => {
    const { ec2, provider } = harness();
    ec2.fleetResponses.push({ Errors: [{ ErrorCode: 'InvalidParameterValue', ErrorMessage: 'bad block device' }] });
    const error = await expectRejection(provider.create(claim()));
    expect(isEc2ValidationError(error)).toBe(true);
    expect((error as Error).message).toContain('bad block device');
  });

  it('fails transiently when the fleet launches nothing and names no error', async () => {
    const { ec2, provider } = harness();
    ec2.fleetResponses.push({});
    await expect(provider.create(claim())).rejects.toThrowError('launched nothing (no instance and no error)');
  });

  it('treats a launch template created concurrently (AlreadyExists) as found', async () => {
    const { ec2, provider } = harness();
    ec2.fail('CreateLaunchTemplate', awsError('InvalidLaunchTemplateName.AlreadyExistsException'));
    // The fake did not store it, so the fleet reports it missing; the next round creates it.
    const launched = await provider.create(claim());
    expect(launched.status.providerId).toBeDefined();
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateLaunchTemplateCommand, 2);
  });

  it('does not call repeated launch template losses a capacity problem', async () => {
    const { ec2, provider } = harness({ maxLaunchAttempts: 2 });
    const gone = { Errors: [{ ErrorCode: 'InvalidLaunchTemplateName.NotFoundException', ErrorMessage: 'gone' }] };
    ec2.fleetResponses.push(gone, gone);
    const error = await expectRejection(provider.create(claim()));
    expect(isInsufficientCapacityError(error)).toBe(false);
    expect((error as Error).message).toContain('no instance after 2 rounds');
  });

  it('surfaces an authorization error in the fleet Errors as Ec2AuthorizationError', async () => {
    const { ec2, provider } = harness();
    ec2.fleetResponses.push({ Errors: [{ ErrorCode: 'UnauthorizedOperation', ErrorMessage: 'iam:PassRole' }] });
    expect(isEc2AuthorizationError(await expectRejection(provider.create(claim())))).toBe(true);
  });
});

describe('Ec2CloudProvider: throttling', () => {
  it('retries RequestLimitExceeded and 5xx with jittered exponential backoff, then succeeds', async () => {
    const { ec2, provider, sleeps } = harness();
    ec2.fail('CreateFleet', awsError('RequestLimitExceeded', 503), awsError('RequestLimitExceeded', 503), awsError('InternalError', 500));
    const launched = await provider.create(claim());
    expect(launched.status.providerId).toBeDefined();
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 4);
    // random() = 0.5 → half of each window: 250, 500, 1000 ms.
    expect(sleeps).toEqual([125, 250, 500]);
    expect(ec2.liveInstances()).toHaveLength(1);
  });

  it('gives up after the attempt limit with the throttling error', async () => {
    const { ec2, provider, sleeps } = harness({ retry: { maxAttempts: 3 } });
    ec2.fail('DescribeInstances', ...Array.from({ length: 5 }, () => awsError('RequestLimitExceeded', 503)));
    const error = await expectRejection(provider.list());
    expect((error as Error).name).toBe('RequestLimitExceeded');
    expect(sleeps).toEqual([125, 250]);
    expect(ec2.mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
  });
});

describe('Ec2CloudProvider: idempotent launch', () => {
  it('a controller restarted after a launch finds the instance by tag instead of launching again', async () => {
    const { ec2, provider, restart } = harness();
    const first = await provider.create(claim());
    const again = await restart().create(claim());
    expect(again.status.providerId).toBe(first.status.providerId);
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 1);
    expect(ec2.liveInstances()).toHaveLength(1);
  });

  it('when the tag lookup lags, the same client token makes EC2 return the same instance', async () => {
    const { ec2, provider, restart } = harness();
    ec2.hideNewInstances = true;
    const first = await provider.create(claim());
    const again = await restart().create(claim());
    expect(again.status.providerId).toBe(first.status.providerId);
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateFleetCommand, 2);
    expect(ec2.liveInstances()).toHaveLength(1);
  });

  it('when the token was used for a different request, waits for the earlier instance to show up rather than launching a second', async () => {
    const { ec2, provider, restart, sleeps } = harness();
    ec2.hideNewInstances = true;
    await provider.create(claim());
    const restarted = restart();
    restarted.unavailable.markUnavailable({ instanceType: 't3.medium', zone: 'us-east-1b', capacityType: 'on-demand' });
    const error = await expectRejection(restarted.create(claim()));
    expect((error as Error).message).toContain('not visible yet');
    expect(sleeps).toEqual([1000, 2000, 4000]);
    ec2.reveal();
    const adopted = await restarted.create(claim());
    expect(adopted.status.instanceType).toBe('t3.medium');
    expect(ec2.liveInstances()).toHaveLength(1);
  });
});

describe('Ec2CloudProvider get/list/delete', () => {
  it('gets an instance as a claim and says not found for unknown, malformed, foreign and terminated instances', async () => {
    const { ec2, provider } = harness();
    const launched = await provider.create(claim());
    const got = await provider.get(launched.status.providerId!);
    expect(got.name).toBe('default-abc12');
    expect(got.spec.nodePool).toBe('default');
    expect(got.spec.nodeClassRef).toEqual({ group: 'smartscale.io', kind: 'EC2NodeClass', name: 'default' });
    expect(got.status).toMatchObject({ providerId: launched.status.providerId, instanceType: 't3.medium', capacityType: 'on-demand', pricePerHour: 0.0416 });

    for (const id of ['aws:///us-east-1a/i-00000000000000fff', 'not-a-provider-id', 'aws:///us-east-1a/i-XYZ']) {
      expect(isNodeClaimNotFoundError(await expectRejection(provider.get(id)))).toBe(true);
    }
    const instance = [...ec2.instances.values()][0];
    instance.Tags = instance.Tags!.map((t) => (t.Key === 'smartscale.io/cluster' ? { ...t, Value: 'someone-else' } : t));
    expect(isNodeClaimNotFoundError(await expectRejection(provider.get(launched.status.providerId!)))).toBe(true);
  });

  it('lists every live instance of this cluster across pages, sorted by claim name', async () => {
    const { ec2, provider } = harness();
    for (const name of ['c', 'a', 'b']) await provider.create(claim({ name }));
    await provider.delete((await provider.list()).find((c) => c.name === 'b')!);
    ec2.instances.set('i-0000000000000beef', { InstanceId: 'i-0000000000000beef', State: { Name: 'running' }, Tags: [{ Key: 'Name', Value: 'not ours' }] });
    const listed = await provider.list();
    expect(listed.map((c) => c.name)).toEqual(['a', 'c']);
    expect(ec2.mock.commandCalls(DescribeInstancesCommand).length).toBeGreaterThan(2);
  });

  it('still lists instances when instance types cannot be described (prices left empty)', async () => {
    const { ec2, provider, restart } = harness();
    await provider.create(claim());
    const fresh = restart();
    ec2.fail('DescribeInstanceTypes', awsError('UnauthorizedOperation', 403));
    const listed = await fresh.list();
    expect(listed.map((c) => [c.name, c.status.instanceType, c.status.pricePerHour])).toEqual([['default-abc12', 't3.medium', undefined]]);
  });

  it('deletes idempotently: terminates once, then says not found', async () => {
    const { ec2, provider } = harness();
    const launched = await provider.create(claim());
    await provider.delete(launched);
    expect(ec2.mock).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: [launched.status.providerId!.split('/').pop()!] });
    expect(isNodeClaimNotFoundError(await expectRejection(provider.delete(launched)))).toBe(true);
    expect(isNodeClaimNotFoundError(await expectRejection(provider.delete(launched.status.providerId!)))).toBe(true);
    expect(isNodeClaimNotFoundError(await expectRejection(provider.get(launched.status.providerId!)))).toBe(true);
    expect(ec2.mock).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
  });

  it('deletes the instance of a claim that never recorded its provider ID (crash after launch)', async () => {
    const { ec2, provider } = harness();
    await provider.create(claim());
    await provider.delete(claim());
    expect(ec2.liveInstances()).toHaveLength(0);
    expect(isNodeClaimNotFoundError(await expectRejection(provider.delete(claim())))).toBe(true);
  });

  it('treats an instance that vanished between lookup and terminate as not found', async () => {
    const { ec2, provider } = harness();
    const launched = await provider.create(claim());
    ec2.fail('TerminateInstances', awsError('InvalidInstanceID.NotFound'));
    expect(isNodeClaimNotFoundError(await expectRejection(provider.delete(launched)))).toBe(true);
  });
});

describe('Ec2CloudProvider.getInstanceTypes', () => {
  it('filters by the pool requirements and the node class subnet zones', async () => {
    const { provider } = harness();
    const pool = {
      name: 'arm',
      weight: 0,
      requirements: [{ key: Labels.arch, operator: 'In' as const, values: ['arm64'] }],
      taints: [],
      labels: {},
      limits: {},
      disruption: { consolidationPolicy: 'WhenEmpty' as const, consolidateAfterMs: 0, expireAfterMs: null, budgets: [] },
      nodeClassRef: { kind: 'EC2NodeClass', name: 'default' },
    };
    const types = await provider.getInstanceTypes(pool);
    expect(types.map((t) => t.name)).toEqual(['c7g.large']);
    // us-east-1c's only subnet has no free address; no spot prices known → on-demand only.
    expect(types[0].offerings.map((o) => `${o.zone}/${o.capacityType}`)).toEqual(['us-east-1a/on-demand', 'us-east-1b/on-demand']);
    const all = await provider.getInstanceTypes();
    expect(all.map((t) => t.name).sort()).toEqual(['c7g.large', 'm6i.large', 'm6i.xlarge', 'r6i.large', 't3.medium']);
  });

  it('without a pool: offerings in zones where no node class in use has a subnet are unavailable (a plan must not pick them)', async () => {
    const zonesAvailable = async (p: Pick<CloudProvider, 'getInstanceTypes'>) =>
      (await p.getInstanceTypes()).find((t) => t.name === 't3.medium')!.offerings.filter((o) => o.available).map((o) => o.zone);
    // No node class known yet: nothing to restrict by.
    const fresh = harness();
    expect(new Set(await zonesAvailable(fresh.provider))).toEqual(new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']));
    // After a claim of the class "default" (subnets in 1a and 1b; 1c's subnet is out of addresses).
    await fresh.provider.create(claim({ types: ['t3.medium'] }));
    expect(new Set(await zonesAvailable(fresh.provider))).toEqual(new Set(['us-east-1a', 'us-east-1b']));
    // A configured default node class counts from the start.
    const withDefault = harness({ defaultNodeClass: 'default' });
    expect(new Set(await zonesAvailable(withDefault.provider))).toEqual(new Set(['us-east-1a', 'us-east-1b']));
  });

  it('keeps offering spot at the last good price when a spot price refresh fails', async () => {
    const { ec2, provider, clock } = harness({ spotRefreshMs: 60_000 });
    ec2.spot('m6i.large', 'us-east-1a', 0.031);
    const spotPrice = async () => (await provider.getInstanceTypes()).find((t) => t.name === 'm6i.large')!.offerings.find((o) => o.capacityType === 'spot')?.pricePerHour;
    expect(await spotPrice()).toBe(0.031);
    clock.advance(60_000);
    ec2.fail('DescribeSpotPriceHistory', ...Array.from({ length: 6 }, () => awsError('RequestLimitExceeded', 503)));
    expect(await spotPrice()).toBe(0.031);
    expect(provider.pricing.status().lastError).toContain('RequestLimitExceeded');
  });

  it('uses the default node class for a pool without a reference', async () => {
    const { provider } = harness({ defaultNodeClass: 'default' });
    const pool = { name: 'p', weight: 0, requirements: [], taints: [], labels: {}, limits: {}, disruption: { consolidationPolicy: 'WhenEmpty' as const, consolidateAfterMs: 0, expireAfterMs: null, budgets: [] } };
    const zones = new Set((await provider.getInstanceTypes(pool)).flatMap((t) => t.offerings.map((o) => o.zone)));
    expect([...zones].sort()).toEqual(['us-east-1a', 'us-east-1b']);
  });

  it('creates no client (and so looks for no credentials) until the first call', async () => {
    const { ec2 } = harness();
    let created = 0;
    const { provider } = harness({
      ec2,
      createClient: () => {
        created++;
        return ec2.client;
      },
    });
    expect(created).toBe(0);
    await provider.getInstanceTypes();
    expect(created).toBe(1);
  });
});
