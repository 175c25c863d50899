/**
 * One launch template per distinct launch configuration of a node class (AMI, security groups,
 * instance profile, user data, metadata options, disks). The name is a hash of that
 * configuration, so a template is created once and reused by every launch with the same inputs,
 * and a changed node class gets a new template instead of mutating one in use.
 */
import { createHash } from 'node:crypto';
import {
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  type RequestLaunchTemplateData,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { Ec2Api } from './api.js';
import { awsErrorCode } from './errors.js';
import type { EC2NodeClass } from './node-class.js';
import { Ec2Tags } from './tags.js';

export const LAUNCH_TEMPLATE_PREFIX = 'smartscale/';

export interface LaunchConfig {
  readonly clusterName: string;
  readonly nodeClass: EC2NodeClass;
  readonly imageId: string;
  readonly securityGroupIds: readonly string[];
  /** The node class's instance profile, or the one managed for its role. */
  readonly instanceProfileName: string;
  /** Rendered user data, plain text (encoded here). */
  readonly userData: string;
}

export function launchTemplateData(config: LaunchConfig): RequestLaunchTemplateData {
  const { nodeClass } = config;
  const md = nodeClass.metadataOptions;
  // CreateFleet cannot tag network interfaces; the template does, so the IAM policy's
  // "request carries the cluster tag" condition holds for every resource a launch creates.
  const interfaceTags = [
    ...Object.keys(nodeClass.tags)
      .sort()
      .map((Key) => ({ Key, Value: nodeClass.tags[Key] })),
    { Key: Ec2Tags.cluster, Value: config.clusterName },
    { Key: Ec2Tags.nodeClass, Value: nodeClass.name },
  ];
  return {
    TagSpecifications: [{ ResourceType: 'network-interface', Tags: interfaceTags }],
    ImageId: config.imageId,
    SecurityGroupIds: [...config.securityGroupIds],
    IamInstanceProfile: { Name: config.instanceProfileName },
    UserData: Buffer.from(config.userData, 'utf8').toString('base64'),
    MetadataOptions: {
      HttpTokens: md.httpTokens,
      HttpEndpoint: md.httpEndpoint,
      HttpProtocolIpv6: md.httpProtocolIPv6,
      HttpPutResponseHopLimit: md.httpPutResponseHopLimit,
    },
    BlockDeviceMappings: nodeClass.blockDeviceMappings.map((m) => ({
      DeviceName: m.deviceName,
      Ebs: {
        VolumeSize: m.ebs.volumeSizeGiB,
        VolumeType: m.ebs.volumeType,
        Encrypted: m.ebs.encrypted,
        DeleteOnTermination: m.ebs.deleteOnTermination,
        Iops: m.ebs.iops,
        Throughput: m.ebs.throughput,
        KmsKeyId: m.ebs.kmsKeyId,
        SnapshotId: m.ebs.snapshotId,
      },
    })),
  };
}

/** `smartscale/<hash>`: the hash covers the cluster, the node class and the template data. */
export function launchTemplateName(config: LaunchConfig): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([config.clusterName, config.nodeClass.name, launchTemplateData(config)]))
    .digest('hex')
    .slice(0, 24);
  return `${LAUNCH_TEMPLATE_PREFIX}${hash}`;
}

export class LaunchTemplates {
  /** Names known to exist (created or found), so steady-state launches make no extra call. */
  private readonly known = new Set<string>();

  constructor(private readonly api: Ec2Api) {}

  /** Returns the name of a launch template for the config, creating it if it does not exist. */
  async ensure(config: LaunchConfig, tags: readonly Tag[]): Promise<string> {
    const name = launchTemplateName(config);
    if (this.known.has(name)) return name;
    const found = await this.api.call('DescribeLaunchTemplates', (client) =>
      client.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'launch-template-name', Values: [name] }] })),
    );
    if ((found.LaunchTemplates ?? []).some((t) => t.LaunchTemplateName === name)) {
      this.known.add(name);
      return name;
    }
    try {
      await this.api.call('CreateLaunchTemplate', (client) =>
        client.send(
          new CreateLaunchTemplateCommand({
            LaunchTemplateName: name,
            LaunchTemplateData: launchTemplateData(config),
            TagSpecifications: [{ ResourceType: 'launch-template', Tags: [...tags] }],
          }),
        ),
      );
    } catch (error) {
      // Another replica (or an earlier crashed run) created it first: same name, same content.
      if (awsErrorCode(error) !== 'InvalidLaunchTemplateName.AlreadyExistsException') throw error;
    }
    this.known.add(name);
    return name;
  }

  /** Forgets a template (deleted out of band), so the next launch re-creates it. */
  forget(name: string): void {
    this.known.delete(name);
  }
}
