/** A small in-memory IAM (instance profiles only) behind aws-sdk-client-mock. */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  GetInstanceProfileCommand,
  IAMClient,
  RemoveRoleFromInstanceProfileCommand,
  type Tag,
} from '@aws-sdk/client-iam';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { awsError } from './fake-ec2.js';

export class InMemoryIam {
  readonly client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  readonly mock: AwsClientStub<IAMClient>;
  readonly profiles = new Map<string, { path: string; roles: string[]; tags: Tag[] }>();

  constructor() {
    this.mock = mockClient(this.client);
    this.mock.on(GetInstanceProfileCommand).callsFake(async (input: { InstanceProfileName: string }) => {
      const p = this.profiles.get(input.InstanceProfileName);
      if (!p) throw awsError('NoSuchEntity', 404);
      return { InstanceProfile: { InstanceProfileName: input.InstanceProfileName, Path: p.path, Roles: p.roles.map((RoleName) => ({ RoleName })), Tags: p.tags } };
    });
    this.mock.on(CreateInstanceProfileCommand).callsFake(async (input: { InstanceProfileName: string; Path?: string; Tags?: Tag[] }) => {
      if (this.profiles.has(input.InstanceProfileName)) throw awsError('EntityAlreadyExists', 409);
      this.profiles.set(input.InstanceProfileName, { path: input.Path ?? '/', roles: [], tags: input.Tags ?? [] });
      return { InstanceProfile: { InstanceProfileName: input.InstanceProfileName } };
    });
    this.mock.on(AddRoleToInstanceProfileCommand).callsFake(async (input: { InstanceProfileName: string; RoleName: string }) => {
      const p = this.profiles.get(input.InstanceProfileName);
      if (!p) throw awsError('NoSuchEntity', 404);
      if (p.roles.length > 0) throw awsError('LimitExceeded', 409);
      p.roles.push(input.RoleName);
      return {};
    });
    this.mock.on(RemoveRoleFromInstanceProfileCommand).callsFake(async (input: { InstanceProfileName: string; RoleName: string }) => {
      const p = this.profiles.get(input.InstanceProfileName);
      if (!p || !p.roles.includes(input.RoleName)) throw awsError('NoSuchEntity', 404);
      p.roles = p.roles.filter((r) => r !== input.RoleName);
      return {};
    });
  }
}
