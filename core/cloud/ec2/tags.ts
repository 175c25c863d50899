/**
 * The tags smartscale puts on everything it launches. They are how instances are found again
 * (list, idempotent relaunch, garbage collection) and what the IAM policy is conditioned on
 * (`manifests/iam/`), so they are written on the instance, its volumes and the fleet.
 */
import type { Tag } from '@aws-sdk/client-ec2';
import type { NodeClaim } from '../../model/node-claim.js';
import { launchHash } from './drift.js';
import type { EC2NodeClass } from './node-class.js';

export const Ec2Tags = {
  nodeClaim: 'smartscale.io/nodeclaim',
  nodePool: 'smartscale.io/nodepool',
  cluster: 'smartscale.io/cluster',
  nodeClass: 'smartscale.io/nodeclass',
  /** The node class's launch settings and security groups, hashed at launch (drift.ts). */
  launchHash: 'smartscale.io/launch-hash',
} as const;

/** How many tags `launchTags` adds to the node class's — every key above (EC2 allows 50 per resource). */
export const OWN_TAG_COUNT = Object.keys(Ec2Tags).length;

/**
 * The node class's tags (sorted by key), then smartscale's own, which cannot be overridden.
 * `securityGroupIds`: the groups the launch uses (recorded in the launch hash).
 */
export function launchTags(clusterName: string, claim: NodeClaim, nodeClass: EC2NodeClass, securityGroupIds: readonly string[]): Tag[] {
  const own: Record<string, string> = {
    [Ec2Tags.nodeClaim]: claim.name,
    [Ec2Tags.nodePool]: claim.spec.nodePool,
    [Ec2Tags.cluster]: clusterName,
    [Ec2Tags.nodeClass]: nodeClass.name,
    [Ec2Tags.launchHash]: launchHash(nodeClass, securityGroupIds),
  };
  const user = Object.keys(nodeClass.tags)
    .filter((k) => !(k in own))
    .sort()
    .map((Key) => ({ Key, Value: nodeClass.tags[Key] }));
  return [...user, ...Object.entries(own).map(([Key, Value]) => ({ Key, Value }))];
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
