/**
 * The tags smartscale puts on everything it launches. They are how instances are found again
 * (list, idempotent relaunch, garbage collection) and what the IAM policy is conditioned on
 * (`manifests/iam/`), so they are written on the instance, its volumes and the fleet.
 */
import type { Tag } from '@aws-sdk/client-ec2';
import type { NodeClaim } from '../../model/node-claim.js';
import { nodeClassHash } from './drift.js';
import type { EC2NodeClass } from './node-class.js';

export const Ec2Tags = {
  nodeClaim: 'smartscale.io/nodeclaim',
  nodePool: 'smartscale.io/nodepool',
  cluster: 'smartscale.io/cluster',
  nodeClass: 'smartscale.io/nodeclass',
  /** The node class's launch settings other than selectors, hashed at launch (drift.ts). */
  nodeClassHash: 'smartscale.io/nodeclass-hash',
} as const;

/** The node class's tags (sorted by key), then smartscale's own, which cannot be overridden. */
export function launchTags(clusterName: string, claim: NodeClaim, nodeClass: EC2NodeClass): Tag[] {
  const own: Record<string, string> = {
    [Ec2Tags.nodeClaim]: claim.name,
    [Ec2Tags.nodePool]: claim.spec.nodePool,
    [Ec2Tags.cluster]: clusterName,
    [Ec2Tags.nodeClass]: nodeClass.name,
    [Ec2Tags.nodeClassHash]: nodeClassHash(nodeClass),
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
