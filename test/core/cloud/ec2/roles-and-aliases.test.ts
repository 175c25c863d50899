import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateLaunchTemplateCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, GetInstanceProfileCommand, RemoveRoleFromInstanceProfileCommand } from '@aws-sdk/client-iam';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { isEc2ValidationError, isNodeClassResolutionError } from '../../../../core/cloud/ec2/errors.js';
import { instanceProfileName, roleName } from '../../../../core/cloud/ec2/instance-profiles.js';
import { parseEC2NodeClass } from '../../../../core/cloud/ec2/node-class.js';
import { repoRoot } from '../../../support/shared.js';
import { claim, CLUSTER, harness, nodeClass } from './builders.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/SmartscaleNodeRole';
const withRole = () => nodeClass({ instanceProfile: undefined, role: ROLE_ARN });

describe('node classes that name a role', () => {
  it('names the profile after cluster and role', () => {
    expect(roleName(ROLE_ARN)).toBe('SmartscaleNodeRole');
    expect(roleName('plain')).toBe('plain');
    expect(instanceProfileName('demo', ROLE_ARN)).toBe(instanceProfileName('demo', 'SmartscaleNodeRole'));
    expect(instanceProfileName('demo', ROLE_ARN)).not.toBe(instanceProfileName('other', ROLE_ARN));
    expect(instanceProfileName('demo', ROLE_ARN)).toMatch(/^smartscale_[0-9a-f]{24}$/);
  });

  it('creates a tagged instance profile under /smartscale/ holding the role, once, and launches with it', async () => {
    const { iam, ec2, provider } = harness({ classes: [withRole()] });
    await provider.create(claim({ name: 'a' }));
    await provider.create(claim({ name: 'b' }));
    const name = instanceProfileName('demo', ROLE_ARN);
    expect(iam.mock).toHaveReceivedCommandTimes(GetInstanceProfileCommand, 1);
    expect(iam.mock).toHaveReceivedCommandExactlyOnceWith(CreateInstanceProfileCommand, {
      InstanceProfileName: name,
      Path: '/smartscale/',
      Tags: [{ Key: 'smartscale.io/cluster', Value: 'demo' }, { Key: 'smartscale.io/nodeclass', Value: 'default' }],
    });
    expect(iam.mock).toHaveReceivedCommandExactlyOnceWith(AddRoleToInstanceProfileCommand, { InstanceProfileName: name, RoleName: 'SmartscaleNodeRole' });
    expect(ec2.mock.commandCalls(CreateLaunchTemplateCommand)[0].args[0].input.LaunchTemplateData?.IamInstanceProfile).toEqual({ Name: name });
  });

  it('reuses an existing profile and replaces a stale role in it', async () => {
    const { iam, provider } = harness({ classes: [withRole()] });
    iam.profiles.set(instanceProfileName('demo', ROLE_ARN), { path: '/smartscale/', roles: ['OldRole'], tags: [] });
    await provider.create(claim());
    expect(iam.mock).toHaveReceivedCommandTimes(CreateInstanceProfileCommand, 0);
    expect(iam.mock).toHaveReceivedCommandWith(RemoveRoleFromInstanceProfileCommand, { RoleName: 'OldRole' });
    expect([...iam.profiles.values()][0].roles).toEqual(['SmartscaleNodeRole']);
  });

  it('needs no IAM call when the profile already holds the role', async () => {
    const { iam, provider } = harness({ classes: [withRole()] });
    iam.profiles.set(instanceProfileName('demo', ROLE_ARN), { path: '/smartscale/', roles: ['SmartscaleNodeRole'], tags: [] });
    await provider.create(claim());
    expect(iam.mock).toHaveReceivedCommandTimes(AddRoleToInstanceProfileCommand, 0);
    expect(iam.mock).toHaveReceivedCommandTimes(CreateInstanceProfileCommand, 0);
  });

  it('treats EC2 not yet seeing a just-created profile as transient, and later as a validation error', async () => {
    const { ec2, provider, clock } = harness({ classes: [withRole()] });
    const rejection = { Errors: [{ ErrorCode: 'InvalidParameterValue', ErrorMessage: 'Value (smartscale_x) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name' }] };
    ec2.fleetResponses.push(rejection);
    const early = await provider.create(claim()).catch((e: unknown) => e);
    expect(isEc2ValidationError(early)).toBe(false);
    expect((early as Error).message).toContain('EC2 does not see it yet');
    clock.advance(2 * 60 * 1000);
    ec2.fleetResponses.push(rejection);
    expect(isEc2ValidationError(await provider.create(claim()).catch((e: unknown) => e))).toBe(true);
  });
});

describe('AMI aliases', () => {
  const images = [
    { ImageId: 'ami-0e1', Architecture: 'x86_64' as const, CreationDate: '2026-05-01T00:00:00.000Z', State: 'available' as const, Name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20260501' },
    { ImageId: 'ami-0e2', Architecture: 'x86_64' as const, CreationDate: '2026-06-01T00:00:00.000Z', State: 'available' as const, Name: 'amazon-eks-node-al2023-x86_64-standard-1.33-v20260601' },
    { ImageId: 'ami-0e3', Architecture: 'x86_64' as const, CreationDate: '2026-07-01T00:00:00.000Z', State: 'available' as const, Name: 'amazon-eks-node-al2023-x86_64-standard-1.34-v20260701' },
    { ImageId: 'ami-0e4', Architecture: 'arm64' as const, CreationDate: '2026-06-01T00:00:00.000Z', State: 'available' as const, Name: 'amazon-eks-node-al2023-arm64-standard-1.33-v20260601' },
  ];

  it('resolves al2023@latest to the newest EKS AL2023 image of the cluster version, per architecture', async () => {
    const { ec2, provider } = harness({ cluster: { ...CLUSTER, kubernetesVersion: '1.33' }, classes: [nodeClass({ amiSelectorTerms: [{ alias: 'al2023@latest' }] })] });
    ec2.images.push(...images);
    await provider.create(claim({ types: ['c7g.large', 'm6i.large'] }));
    expect(ec2.mock).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['amazon'],
      Filters: [{ Name: 'name', Values: ['amazon-eks-node-al2023-*-standard-1.33-*'] }, { Name: 'state', Values: ['available'] }],
    });
    const used = ec2.mock.commandCalls(CreateLaunchTemplateCommand).map((c) => c.args[0].input.LaunchTemplateData?.ImageId);
    expect(used.sort()).toEqual(['ami-0e2', 'ami-0e4']);
  });

  it('pins a dated alias', async () => {
    const { ec2, provider } = harness({ cluster: { ...CLUSTER, kubernetesVersion: '1.33' }, classes: [nodeClass({ amiSelectorTerms: [{ alias: 'al2023@v20260501' }] })] });
    ec2.images.push(...images);
    await provider.create(claim({ types: ['m6i.large'] }));
    expect(ec2.mock.commandCalls(CreateLaunchTemplateCommand)[0].args[0].input.LaunchTemplateData?.ImageId).toBe('ami-0e1');
  });

  it('needs the cluster Kubernetes version', async () => {
    const { provider } = harness({ classes: [nodeClass({ amiSelectorTerms: [{ alias: 'al2023@latest' }] })] });
    const error = await provider.create(claim()).catch((e: unknown) => e);
    expect(isNodeClassResolutionError(error)).toBe(true);
    expect((error as Error).message).toContain('cluster.kubernetesVersion');
  });
});

describe('the repository example EC2NodeClass', () => {
  it('parses (manifests/examples/ec2nodeclass.yaml)', () => {
    const example = load(readFileSync(join(repoRoot, 'manifests/examples/ec2nodeclass.yaml'), 'utf8'));
    const parsed = parseEC2NodeClass(example);
    expect(parsed.name).toBe('default');
    expect(parsed.role ?? parsed.instanceProfile).toBeTruthy();
  });
});
