/**
 * The exact CreateFleet requests smartscale sends, field by field, for a spot launch, an
 * on-demand launch, and a NodePool allowing both. Each field was checked against the EC2 API
 * reference (docs/ec2.md, "CreateFleet request, verified"): instant fleet, target 1 of one
 * capacity type, price-capacity-optimized for spot and lowest-price for on-demand (what Karpenter
 * documents), one subnet per override, a launch template version, and only the resource types the
 * reference lists for an instant fleet's TagSpecifications.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { CreateFleetCommand, CreateLaunchTemplateCommand, type CreateFleetCommandInput } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { fleetClientToken } from '../../../../core/cloud/ec2/provider.js';
import { Labels } from '../../../../core/model/labels.js';
import { claim, harness, LAUNCH_TAGS as TAGS } from './builders.js';

/** CreateFleet API reference, TagSpecifications: what an instant fleet may tag. */
const INSTANT_FLEET_TAG_TYPES = ['fleet', 'instance', 'volume', 'network-interface'];

const TAG_SPECIFICATIONS = [
  { ResourceType: 'instance', Tags: TAGS },
  { ResourceType: 'volume', Tags: TAGS },
  { ResourceType: 'fleet', Tags: TAGS },
];

const capacityTypes = (...values: string[]) => [{ key: Labels.capacityType, operator: 'In' as const, values }];

function fleetRequests(ec2: ReturnType<typeof harness>['ec2']): CreateFleetCommandInput[] {
  return ec2.mock.commandCalls(CreateFleetCommand).map((c) => c.args[0].input);
}

const SUBNETS: Record<string, string> = { 'us-east-1a': 'subnet-0a2', 'us-east-1b': 'subnet-0b1' };

/**
 * The whole request, written out: `overrides` as type@zone in the order sent. What changes with
 * the capacity type is spelled here, so a test reads as the table in docs/ec2.md.
 */
function fleet(capacityType: 'spot' | 'on-demand', template: string, overrides: string[], clientToken: string): CreateFleetCommandInput {
  return {
    Type: 'instant',
    ClientToken: clientToken,
    LaunchTemplateConfigs: [
      {
        LaunchTemplateSpecification: { LaunchTemplateName: template, Version: '$Latest' },
        Overrides: overrides.map((o) => {
          const [type, zone] = o.split('@');
          return { InstanceType: type as never, SubnetId: SUBNETS[zone], AvailabilityZone: zone };
        }),
      },
    ],
    TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: capacityType },
    ...(capacityType === 'spot' ? { SpotOptions: { AllocationStrategy: 'price-capacity-optimized' } } : { OnDemandOptions: { AllocationStrategy: 'lowest-price' } }),
    TagSpecifications: TAG_SPECIFICATIONS as CreateFleetCommandInput['TagSpecifications'],
  };
}

function templateName(ec2: ReturnType<typeof harness>['ec2'], i = 0): string {
  return ec2.mock.commandCalls(CreateLaunchTemplateCommand)[i].args[0].input.LaunchTemplateName!;
}

describe('CreateFleet request shapes', () => {
  it('spot: price-capacity-optimized, DefaultTargetCapacityType spot, spot-priced offerings cheapest first, no spot-instances-request tags', async () => {
    const { ec2, provider } = harness();
    ec2.spot('t3.medium', 'us-east-1a', 0.0151);
    ec2.spot('t3.medium', 'us-east-1b', 0.0142);
    ec2.spot('m6i.large', 'us-east-1a', 0.035);
    const launched = await provider.create(claim({ requirements: capacityTypes('spot') }));

    // m6i.large has no spot price in us-east-1b: not an override.
    expect(fleetRequests(ec2)).toEqual([fleet('spot', templateName(ec2), ['t3.medium@us-east-1b', 't3.medium@us-east-1a', 'm6i.large@us-east-1a'], fleetClientToken('demo', claim(), 0))]);
    expect(launched.status).toMatchObject({ capacityType: 'spot', instanceType: 't3.medium' });
  });

  it('on-demand: lowest-price, DefaultTargetCapacityType on-demand, every subnet zone, no SpotOptions', async () => {
    const { ec2, provider } = harness();
    ec2.spot('t3.medium', 'us-east-1a', 0.0151);
    const launched = await provider.create(claim({ requirements: capacityTypes('on-demand') }));

    expect(fleetRequests(ec2)).toEqual([
      fleet('on-demand', templateName(ec2), ['t3.medium@us-east-1a', 't3.medium@us-east-1b', 'm6i.large@us-east-1a', 'm6i.large@us-east-1b'], fleetClientToken('demo', claim(), 0)),
    ]);
    expect(Object.keys(fleetRequests(ec2)[0]).sort()).toEqual(['ClientToken', 'LaunchTemplateConfigs', 'OnDemandOptions', 'TagSpecifications', 'TargetCapacitySpecification', 'Type']);
    expect(launched.status).toMatchObject({ capacityType: 'on-demand', instanceType: 't3.medium', zone: 'us-east-1a', pricePerHour: 0.0416 });
  });

  it('both allowed: one spot fleet while a spot offering is left; its capacity errors → an on-demand fleet in the next round', async () => {
    const { ec2, provider } = harness();
    ec2.spot('t3.medium', 'us-east-1a', 0.0151);
    ec2.spot('t3.medium', 'us-east-1b', 0.0142);
    ec2.insufficient.add('t3.medium/us-east-1a/spot');
    ec2.insufficient.add('t3.medium/us-east-1b/spot');
    const both = claim({ requirements: capacityTypes('spot', 'on-demand') });
    const launched = await provider.create(both);

    const [spot, onDemand, ...rest] = fleetRequests(ec2);
    expect(rest).toEqual([]);
    // The capacity type is not pinned: one launch template for both rounds (the kubelet's label comes at registration).
    expect(spot).toEqual(fleet('spot', templateName(ec2), ['t3.medium@us-east-1b', 't3.medium@us-east-1a'], fleetClientToken('demo', both, 0)));
    expect(onDemand).toEqual(fleet('on-demand', templateName(ec2), ['t3.medium@us-east-1a', 't3.medium@us-east-1b', 'm6i.large@us-east-1a', 'm6i.large@us-east-1b'], fleetClientToken('demo', both, 1)));
    expect(ec2.mock).toHaveReceivedCommandTimes(CreateLaunchTemplateCommand, 1);
    expect(fleetClientToken('demo', both, 1)).not.toBe(fleetClientToken('demo', both, 0));
    expect(launched.status).toMatchObject({ capacityType: 'on-demand', instanceType: 't3.medium', zone: 'us-east-1a' });
    expect(provider.unavailable.list().map((e) => `${e.ref.instanceType}/${e.ref.zone}/${e.ref.capacityType}`)).toEqual(['t3.medium/us-east-1a/spot', 't3.medium/us-east-1b/spot']);
  });

  it('both allowed, spot available: a single spot fleet', async () => {
    const { ec2, provider } = harness();
    ec2.spot('m6i.large', 'us-east-1b', 0.03);
    const launched = await provider.create(claim({ requirements: capacityTypes('spot', 'on-demand') }));
    const requests = fleetRequests(ec2);
    expect(requests.map((r) => [r.TargetCapacitySpecification?.DefaultTargetCapacityType, r.SpotOptions, r.OnDemandOptions])).toEqual([['spot', { AllocationStrategy: 'price-capacity-optimized' }, undefined]]);
    expect(launched.status).toMatchObject({ capacityType: 'spot', instanceType: 'm6i.large', zone: 'us-east-1b', pricePerHour: 0.03 });
  });

  it('tags only resource types the reference lists for an instant fleet, whatever the capacity type', async () => {
    for (const values of [['spot'], ['on-demand'], ['spot', 'on-demand']]) {
      const { ec2, provider } = harness();
      ec2.spot('t3.medium', 'us-east-1a', 0.0151);
      await provider.create(claim({ requirements: capacityTypes(...values) }));
      for (const request of fleetRequests(ec2)) {
        expect(request.Type).toBe('instant');
        for (const spec of request.TagSpecifications ?? []) expect(INSTANT_FLEET_TAG_TYPES).toContain(spec.ResourceType);
        // An instant fleet's override takes one subnet; the zone alone (not AvailabilityZoneId too).
        for (const config of request.LaunchTemplateConfigs ?? []) {
          for (const o of config.Overrides ?? []) {
            expect(o.SubnetId).toMatch(/^subnet-[0-9a-z]+$/);
            expect(o).not.toHaveProperty('AvailabilityZoneId');
          }
        }
      }
    }
  });
});
