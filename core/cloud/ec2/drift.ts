/**
 * Cloud-side drift on EC2: an instance launched before its node class changed under it. Pure.
 *
 * - Image: the node class now selects another AMI for the instance's architecture — a newer image
 *   matches the selector (`al2023@latest` after a release, a new tagged build), or the selector was
 *   edited. As in Karpenter, the instance's image must be one the node class resolves to now (the
 *   newest match per architecture).
 * - Subnet: the instance's subnet is no longer among the subnets the selectors match.
 * - Security groups: the instance's groups are not exactly the selected ones.
 * - Node class: a launch setting that is not a selector (role or instance profile, tags, user data,
 *   metadata options, disks) was edited. Instances carry a hash of those settings as a tag
 *   (`smartscale.io/nodeclass-hash`, `nodeClassHash`); instances launched before the tag existed
 *   are not judged on it (they would all drift on upgrade).
 */
import { createHash } from 'node:crypto';
import type { Instance } from '@aws-sdk/client-ec2';
import type { CloudDrift } from '../provider.js';
import type { ResolvedNodeClass } from './network.js';
import type { EC2NodeClass } from './node-class.js';

/**
 * A short hash of the node class's launch settings other than its selectors (selectors are judged
 * by what they resolve to). Key order does not matter; a field left at its default hashes as the
 * default, so spelling the default out is no edit.
 */
export function nodeClassHash(nodeClass: EC2NodeClass): string {
  const settings = {
    role: nodeClass.role ?? null,
    instanceProfile: nodeClass.instanceProfile ?? null,
    tags: Object.fromEntries(Object.entries(nodeClass.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    userData: nodeClass.userData ?? null,
    metadataOptions: nodeClass.metadataOptions,
    blockDeviceMappings: nodeClass.blockDeviceMappings,
  };
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const list = (ids: Iterable<string>) => [...ids].sort().join(', ') || 'none';

/**
 * Why the instance no longer matches its node class as resolved now, or undefined. `launchedHash`
 * is the instance's `smartscale.io/nodeclass-hash` tag (undefined: launched before hashes, not judged).
 */
export function instanceDrift(instance: Instance, resolved: ResolvedNodeClass, currentHash: string, launchedHash: string | undefined): CloudDrift | undefined {
  const image = instance.ImageId;
  if (image) {
    const selected = [...resolved.amis.values()].map((a) => a.id);
    if (!selected.includes(image)) return { reason: 'ImageDrift', message: `runs ${image}; the node class now selects ${list(selected)}` };
  }
  const subnet = instance.SubnetId;
  if (subnet && !resolved.subnetIds.has(subnet)) {
    return { reason: 'SubnetDrift', message: `is in ${subnet}, which the node class's subnetSelectorTerms no longer select` };
  }
  const groups = (instance.SecurityGroups ?? []).map((g) => g.GroupId).filter((id): id is string => typeof id === 'string');
  if (groups.length > 0) {
    const have = new Set(groups);
    const want = new Set(resolved.securityGroupIds);
    if (have.size !== want.size || [...have].some((g) => !want.has(g))) {
      return { reason: 'SecurityGroupDrift', message: `has security groups ${list(have)}; the node class now selects ${list(want)}` };
    }
  }
  if (launchedHash !== undefined && launchedHash !== currentHash) {
    return { reason: 'NodeClassDrift', message: 'was launched before its EC2NodeClass was edited (role or instance profile, tags, user data, metadata options or disks)' };
  }
  return undefined;
}
