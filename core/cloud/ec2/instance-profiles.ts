/**
 * Instance profiles for node classes that name a role (`spec.role`), like Karpenter: one profile
 * per (cluster, role), named by a hash, under the path `/smartscale/`, tagged with the cluster so
 * the IAM policy can limit the controller to its own profiles. Created on first use and reused.
 *
 * IAM is eventually consistent: EC2 may reject a profile for a few seconds after it was created.
 * `isFresh` lets the launch path treat that rejection as transient instead of as a bad node class.
 */
import { createHash } from 'node:crypto';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  GetInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { Clock } from '../../model/clock.js';
import type { AwsApi } from './api.js';
import { awsErrorCode } from './errors.js';
import { Ec2Tags } from './tags.js';

export const INSTANCE_PROFILE_PATH = '/smartscale/';
/** How long after creating a profile EC2 may still not know it. */
export const INSTANCE_PROFILE_PROPAGATION_MS = 2 * 60 * 1000;

/** The role name in a role name or ARN (`arn:aws:iam::123456789012:role/path/Name` → `Name`). */
export function roleName(role: string): string {
  return role.slice(role.lastIndexOf('/') + 1);
}

export function instanceProfileName(clusterName: string, role: string): string {
  return `smartscale_${createHash('sha256').update(`${clusterName}/${roleName(role)}`).digest('hex').slice(0, 24)}`;
}

export class InstanceProfiles {
  private readonly known = new Set<string>();
  private readonly createdAt = new Map<string, number>();

  constructor(
    private readonly api: AwsApi<IAMClient>,
    private readonly clusterName: string,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** The profile for the role, created (and the role added to it) if needed. */
  async ensure(role: string, nodeClass: string): Promise<string> {
    const name = instanceProfileName(this.clusterName, role);
    if (this.known.has(name)) return name;
    const wanted = roleName(role);
    let roles: string[] | undefined;
    try {
      const got = await this.api.call('GetInstanceProfile', (iam) => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name })));
      roles = (got.InstanceProfile?.Roles ?? []).map((r) => r.RoleName ?? '');
    } catch (error) {
      if (awsErrorCode(error) !== 'NoSuchEntity') throw error;
    }
    if (roles === undefined) {
      try {
        await this.api.call('CreateInstanceProfile', (iam) =>
          iam.send(
            new CreateInstanceProfileCommand({
              InstanceProfileName: name,
              Path: INSTANCE_PROFILE_PATH,
              Tags: [
                { Key: Ec2Tags.cluster, Value: this.clusterName },
                { Key: Ec2Tags.nodeClass, Value: nodeClass },
              ],
            }),
          ),
        );
        this.createdAt.set(name, this.clock.now());
      } catch (error) {
        // Another replica got there first.
        if (awsErrorCode(error) !== 'EntityAlreadyExists') throw error;
      }
      roles = [];
    }
    // A profile holds at most one role; one left over from a changed name is replaced.
    for (const other of roles.filter((r) => r !== wanted)) {
      await this.api.call('RemoveRoleFromInstanceProfile', (iam) => iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: other })));
    }
    if (!roles.includes(wanted)) {
      await this.api.call('AddRoleToInstanceProfile', (iam) => iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: wanted })));
      this.createdAt.set(name, this.createdAt.get(name) ?? this.clock.now());
    }
    this.known.add(name);
    return name;
  }

  /** True when this process created or changed the profile recently enough that EC2 may not see it yet. */
  isFresh(name: string): boolean {
    const at = this.createdAt.get(name);
    return at !== undefined && this.clock.now() - at < INSTANCE_PROFILE_PROPAGATION_MS;
  }
}
