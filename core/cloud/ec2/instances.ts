/**
 * EC2 instances as node claims: provider IDs (`aws:///<zone>/<instance-id>`, the form the AWS
 * cloud controller writes on Nodes) and the claim that `get`/`list` return for an instance.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import type { InstanceType } from '../../model/instance-type.js';
import { Labels, type CapacityType } from '../../model/labels.js';
import type { NodeClaim } from '../../model/node-claim.js';
import { ZERO_RESOURCES } from '../../model/resources.js';
import { Ec2Tags, tagValue } from './tags.js';

export function providerIdFor(zone: string, instanceId: string): string {
  return `aws:///${zone}/${instanceId}`;
}

/** The instance ID in a provider ID (`aws:///us-east-1a/i-0abc`, or `aws:///i-0abc`), or undefined. */
export function instanceIdOf(providerId: string): string | undefined {
  const m = /^aws:\/\/\/(?:[a-z0-9-]+\/)?(i-[0-9a-f]{8,17})$/.exec(providerId);
  return m ? m[1] : undefined;
}

/** States in which an instance counts as gone. */
export const GONE_STATES: ReadonlySet<string> = new Set(['shutting-down', 'terminated']);
/** States `list` reports (everything not gone). */
export const LIVE_STATES: readonly string[] = ['pending', 'running', 'stopping', 'stopped'];

export function isGone(instance: Instance): boolean {
  return GONE_STATES.has(instance.State?.Name ?? '');
}

export function capacityTypeOf(instance: Instance): CapacityType {
  return instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
}

/**
 * The claim for an instance: name, pool and class from its tags; type, zone, capacity type and
 * price from EC2 and the current offerings (`type`, when known).
 */
export function claimFromInstance(instance: Instance, type: InstanceType | undefined): NodeClaim {
  const instanceId = instance.InstanceId ?? '';
  const zone = instance.Placement?.AvailabilityZone ?? '';
  const instanceType = String(instance.InstanceType ?? '');
  const capacityType = capacityTypeOf(instance);
  const launchedAt = instance.LaunchTime ? new Date(instance.LaunchTime).getTime() : 0;
  const nodeClass = tagValue(instance.Tags, Ec2Tags.nodeClass);
  const price = type?.offerings.find((o) => o.zone === zone && o.capacityType === capacityType)?.pricePerHour;
  return {
    name: tagValue(instance.Tags, Ec2Tags.nodeClaim) ?? instanceId,
    createdAt: launchedAt,
    spec: {
      nodePool: tagValue(instance.Tags, Ec2Tags.nodePool) ?? '',
      nodeClassRef: nodeClass ? { group: 'smartscale.io', kind: 'EC2NodeClass', name: nodeClass } : undefined,
      requirements: [
        { key: Labels.instanceType, operator: 'In', values: [instanceType] },
        { key: Labels.zone, operator: 'In', values: [zone] },
        { key: Labels.capacityType, operator: 'In', values: [capacityType] },
      ],
      requests: ZERO_RESOURCES,
      instanceTypeOptions: [instanceType],
      taints: [],
      labels: {},
    },
    status: {
      providerId: providerIdFor(zone, instanceId),
      instanceType,
      zone,
      capacityType,
      pricePerHour: price,
      capacity: type?.capacity,
      allocatable: type?.allocatable,
      conditions: [{ type: 'Launched', status: 'True', reason: 'Launched', lastTransitionTime: launchedAt }],
    },
  };
}
