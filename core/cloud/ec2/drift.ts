/**
 * Cloud-side drift on EC2: an instance launched before its node class changed under it. Pure.
 *
 * - Image: the node class now selects another AMI for the instance's architecture — a newer image
 *   matches the selector (`al2023@latest` after a release, a new tagged build), or the selector was
 *   edited. As in Karpenter, the instance's image must be the one the node class resolves to now
 *   for its architecture (the newest match); with no image selected for its architecture at the
 *   moment, it is not judged.
 * - Subnet: the instance's subnet is no longer among the subnets the selectors match.
 * - Security groups: the groups selected now differ from those it was launched with (a hash in its
 *   launch tag). Groups attached afterwards by someone else are not drift — Karpenter compares the
 *   instance's current groups and replaces such nodes for ever (aws/karpenter-provider-aws#6211).
 * - Node class: a launch setting that is not a selector (role or instance profile, tags, user data,
 *   metadata options, disks) was edited: a hash of them in the same tag.
 * The tag is `smartscale.io/launch-hash` = `v1.<settings>.<security groups>` (`launchHash`).
 * Instances without it (launched before it existed) or with another version are not judged on
 * settings, and on security groups only when a selected group is missing from them.
 */
import { createHash } from 'node:crypto';
import type { Instance } from '@aws-sdk/client-ec2';
import { canonicalJson } from '../../model/canonical-json.js';
import type { Arch } from '../../model/labels.js';
import type { CloudDrift } from '../provider.js';
import type { ResolvedNodeClass } from './network.js';
import type { EC2NodeClass } from './node-class.js';

/**
 * Version of what the launch hash covers. A release that changes it (a new hashed field, another
 * default) bumps it; instances tagged with another version are then not judged on the hashed parts
 * instead of all drifting at once (the tag cannot be rewritten: the IAM policy allows tagging only
 * at creation).
 */
export const LAUNCH_HASH_VERSION = 'v1';

const hex = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A short hash of the node class's launch settings other than its selectors (selectors are judged
 * by what they resolve to). Key order and the order of disks do not matter; a field left at its
 * default hashes as the default, so spelling the default out is no edit.
 */
export function nodeClassHash(nodeClass: EC2NodeClass): string {
  const settings = {
    role: nodeClass.role ?? null,
    instanceProfile: nodeClass.instanceProfile ?? null,
    tags: Object.fromEntries(Object.entries(nodeClass.tags).sort(([a], [b]) => byString(a, b))),
    userData: nodeClass.userData ?? null,
    metadataOptions: nodeClass.metadataOptions,
    // `rootVolume` only says which disk the planner counts ephemeral storage on (ADR 115): it changes
    // no launch, so it is no drift (and classes that set it hash as before it was kept).
    blockDeviceMappings: nodeClass.blockDeviceMappings.map(({ rootVolume: _planningOnly, ...launched }) => launched).sort((a, b) => byString(a.deviceName, b.deviceName)),
    // Absent (undefined) leaves the hash of classes without it as it was.
    kubelet: nodeClass.kubelet,
  };
  return hex(canonicalJson(settings), 16);
}

/** A short hash of a set of security group IDs (order does not matter). */
export function securityGroupsHash(ids: readonly string[]): string {
  return hex([...new Set(ids)].sort().join(','), 12);
}

/**
 * The instance tag `smartscale.io/launch-hash`: `v1.<node class settings>.<security groups>` as
 * launched. Security groups are compared with what was launched, not with what the instance has
 * now: groups attached later by someone else (AWS Firewall Manager, an org policy) are no drift.
 */
export function launchHash(nodeClass: EC2NodeClass, securityGroupIds: readonly string[]): string {
  return `${LAUNCH_HASH_VERSION}.${nodeClassHash(nodeClass)}.${securityGroupsHash(securityGroupIds)}`;
}

/** The parts of a launch hash tag of the current version; undefined for none, another version, or garbage. */
export function parseLaunchHash(tag: string | undefined): { settings: string; securityGroups: string } | undefined {
  const m = tag === undefined ? null : /^([a-z0-9]+)\.([0-9a-f]{16})\.([0-9a-f]{12})$/.exec(tag);
  if (!m || m[1] !== LAUNCH_HASH_VERSION) return undefined;
  return { settings: m[2], securityGroups: m[3] };
}

const list = (ids: Iterable<string>) => [...ids].sort().join(', ') || 'none';

const INSTANCE_ARCHES: Readonly<Record<string, Arch>> = { x86_64: 'amd64', arm64: 'arm64' };

/** What the node class is now, to judge instances against (`instanceDrift`). */
export interface CurrentNodeClass {
  readonly resolved: ResolvedNodeClass;
  readonly settingsHash: string;
  readonly securityGroupsHash: string;
}

/**
 * Why the instance no longer matches its node class as resolved now, or undefined. `launchTag` is
 * the instance's `smartscale.io/launch-hash` (absent or of another version: settings not judged,
 * security groups only for a selected group the instance lacks).
 */
export function instanceDrift(instance: Instance, current: CurrentNodeClass, launchTag: string | undefined): CloudDrift | undefined {
  const { resolved } = current;
  const image = instance.ImageId;
  const arch = INSTANCE_ARCHES[String(instance.Architecture ?? '')];
  // No image selected for its architecture right now (one build published before the other, a tag
  // moved): nothing to judge it against — not "drifted", or a whole architecture would be replaced
  // by nodes that cannot launch.
  const selected = arch ? (resolved.amis.has(arch) ? [resolved.amis.get(arch)!.id] : undefined) : [...resolved.amis.values()].map((a) => a.id);
  if (image && selected && !selected.includes(image)) {
    return { reason: 'ImageDrift', message: `runs ${image}; the node class now selects ${list(selected)}` };
  }
  const subnet = instance.SubnetId;
  if (subnet && !resolved.subnetIds.has(subnet)) {
    return { reason: 'SubnetDrift', message: `is in ${subnet}, which the node class's subnetSelectorTerms no longer select` };
  }
  const launched = parseLaunchHash(launchTag);
  if (launched) {
    if (launched.securityGroups !== current.securityGroupsHash) {
      return { reason: 'SecurityGroupDrift', message: `was launched with other security groups than the node class selects now (${list(resolved.securityGroupIds)})` };
    }
  } else {
    const have = new Set((instance.SecurityGroups ?? []).map((g) => g.GroupId).filter((id): id is string => typeof id === 'string'));
    const missing = resolved.securityGroupIds.filter((g) => !have.has(g));
    if (have.size > 0 && missing.length > 0) {
      return { reason: 'SecurityGroupDrift', message: `lacks security group(s) ${list(missing)} that the node class selects now` };
    }
  }
  if (launched && launched.settings !== current.settingsHash) {
    return { reason: 'NodeClassDrift', message: 'was launched before its EC2NodeClass was edited (role or instance profile, tags, user data, metadata options or disks)' };
  }
  return undefined;
}
