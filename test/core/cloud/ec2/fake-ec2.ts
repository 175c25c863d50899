/**
 * A small in-memory EC2 behind aws-sdk-client-mock: enough of DescribeInstanceTypes/Offerings,
 * DescribeSpotPriceHistory, DescribeSubnets/SecurityGroups/Images, launch templates, CreateFleet
 * (instant, with client tokens and injectable capacity errors), DescribeInstances and
 * TerminateInstances for the provider to create, find, list and delete instances for real.
 * Every describe pages at `pageSize` so pagination is always exercised.
 *
 * Instance lifecycle as EC2 reports it: `pending` until `bootMs` of the clock has passed since the
 * launch, then `running`; TerminateInstances moves it to `shutting-down` and, `shutdownMs` later,
 * `terminated` (terminated instances stay visible to DescribeInstances, as in EC2 for about an hour).
 * Pass a clock to tie these to a sandbox's time; without one the time is fixed (`now`).
 */
import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSpotPriceHistoryCommand,
  DescribeSubnetsCommand,
  EC2Client,
  TerminateInstancesCommand,
  type _InstanceType,
  type CreateLaunchTemplateCommandInput,
  type CreateFleetCommandInput,
  type CreateFleetError,
  type CreateFleetInstance,
  type Filter,
  type Image,
  type Instance,
  type InstanceTypeInfo,
  type SecurityGroup,
  type SpotPrice,
  type Subnet,
  type Tag,
} from '@aws-sdk/client-ec2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { Clock } from '../../../../core/model/clock.js';

/** An SDK-shaped service error (`name` is the AWS error code). */
export function awsError(code: string, status = 400, message = code): Error {
  return Object.assign(new Error(message), { name: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

export interface FakeType {
  readonly name: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
  readonly arch: 'x86_64' | 'arm64';
  readonly enis: number;
  readonly ipsPerEni: number;
  readonly usage?: readonly ('on-demand' | 'spot')[];
  readonly zones?: readonly string[];
}

export function typeInfo(t: FakeType): InstanceTypeInfo {
  return {
    InstanceType: t.name as _InstanceType,
    VCpuInfo: { DefaultVCpus: t.vcpu },
    MemoryInfo: { SizeInMiB: t.memoryMiB },
    ProcessorInfo: { SupportedArchitectures: [t.arch], Manufacturer: t.arch === 'arm64' ? 'AWS' : 'Intel' },
    NetworkInfo: { MaximumNetworkInterfaces: t.enis, Ipv4AddressesPerInterface: t.ipsPerEni, NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: t.enis }] },
    SupportedUsageClasses: [...(t.usage ?? ['on-demand', 'spot'])],
    Hypervisor: 'nitro',
    BareMetal: false,
  };
}

export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** A few real types (ENI limits as published) whose on-demand prices are in the built-in table. */
export const DEFAULT_TYPES: readonly FakeType[] = [
  { name: 't3.medium', vcpu: 2, memoryMiB: 4096, arch: 'x86_64', enis: 3, ipsPerEni: 6 },
  { name: 'm6i.large', vcpu: 2, memoryMiB: 8192, arch: 'x86_64', enis: 3, ipsPerEni: 10 },
  { name: 'c7g.large', vcpu: 2, memoryMiB: 4096, arch: 'arm64', enis: 3, ipsPerEni: 10 },
  { name: 'm6i.xlarge', vcpu: 4, memoryMiB: 16384, arch: 'x86_64', enis: 4, ipsPerEni: 15 },
  { name: 'r6i.large', vcpu: 2, memoryMiB: 16384, arch: 'x86_64', enis: 3, ipsPerEni: 10, zones: ['us-east-1a', 'us-east-1b'] },
];

type Handler = (input: any) => unknown;

export class InMemoryEc2 {
  readonly client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  readonly mock: AwsClientStub<EC2Client>;
  pageSize = 2;
  types: FakeType[] = [...DEFAULT_TYPES];
  spotPrices: SpotPrice[] = [];
  subnets: Subnet[] = [
    subnet('subnet-0a1', 'us-east-1a', 200),
    subnet('subnet-0a2', 'us-east-1a', 4000),
    subnet('subnet-0b1', 'us-east-1b', 100),
    subnet('subnet-0c1', 'us-east-1c', 0),
    { SubnetId: 'subnet-0ff', AvailabilityZone: 'us-east-1a', AvailableIpAddressCount: 9000, State: 'available', Tags: [{ Key: 'other', Value: 'x' }] },
  ];
  securityGroups: SecurityGroup[] = [
    { GroupId: 'sg-0001', GroupName: 'nodes', Tags: [{ Key: 'smartscale.io/discovery', Value: 'demo' }] },
    { GroupId: 'sg-0002', GroupName: 'other', Tags: [] },
  ];
  images: Image[] = [
    { ImageId: 'ami-0a0', Architecture: 'x86_64', CreationDate: '2026-01-01T00:00:00.000Z', State: 'available', Name: 'al2023-x86', Tags: [{ Key: 'smartscale.io/discovery', Value: 'demo' }] },
    { ImageId: 'ami-0a1', Architecture: 'x86_64', CreationDate: '2026-03-01T00:00:00.000Z', State: 'available', Name: 'al2023-x86', Tags: [{ Key: 'smartscale.io/discovery', Value: 'demo' }] },
    { ImageId: 'ami-0b1', Architecture: 'arm64', CreationDate: '2026-02-01T00:00:00.000Z', State: 'available', Name: 'al2023-arm', Tags: [{ Key: 'smartscale.io/discovery', Value: 'demo' }] },
  ];
  readonly launchTemplates = new Map<string, { id: string; data: CreateLaunchTemplateCommandInput['LaunchTemplateData']; tags: Tag[] }>();
  /** The launch template each instance was launched from (what its user data came from). */
  readonly templateOf = new Map<string, string>();
  /** Launch to `running`, clock ms; default never (instances stay `pending`). */
  bootMs = Infinity;
  /** TerminateInstances to `terminated`, clock ms. */
  shutdownMs = 0;
  /**
   * Runs after CreateFleet launched, before it answers: a test can make the answer never arrive
   * (the caller "dies" with the instance already running, as after a crash or a lost response).
   */
  afterLaunch?: (output: { Instances: CreateFleetInstance[]; Errors: CreateFleetError[] }) => Promise<void>;
  /** When TerminateInstances first took each instance down (clock ms). */
  readonly terminatedAt = new Map<string, number>();
  readonly instances = new Map<string, Instance>();
  /** Offerings (`type/zone/capacity-type`) CreateFleet reports as InsufficientInstanceCapacity. */
  readonly insufficient = new Set<string>();
  /** Errors to throw, per command name, before handling (one per call, in order). */
  readonly failures = new Map<string, unknown[]>();
  /** Client tokens seen, with the request they came with and the answer given. */
  readonly fleetTokens = new Map<string, { request: string; output: { Instances: CreateFleetInstance[]; Errors: CreateFleetError[] } }>();
  /** Canned CreateFleet answers, used (in order) instead of launching. */
  readonly fleetResponses: Array<{ Instances?: CreateFleetInstance[]; Errors?: CreateFleetError[] }> = [];
  /** When true, DescribeInstances does not show instances launched after this was set (eventual consistency). */
  hideNewInstances = false;
  private readonly hidden = new Set<string>();
  private nextId = 1;
  private fixedNow = Date.parse('2026-06-01T00:00:00Z');

  constructor(private readonly clock?: Pick<Clock, 'now'>) {
    this.mock = mockClient(this.client);
    const on = (command: any, name: string, handler: Handler) =>
      this.mock.on(command).callsFake(async (input: unknown) => {
        const queued = this.failures.get(name);
        if (queued && queued.length > 0) throw queued.shift();
        return handler(input);
      });
    on(DescribeInstanceTypesCommand, 'DescribeInstanceTypes', (input) => this.page(this.types.map(typeInfo), input, 'InstanceTypes'));
    on(DescribeInstanceTypeOfferingsCommand, 'DescribeInstanceTypeOfferings', (input) =>
      this.page(
        this.types.flatMap((t) => (t.zones ?? ZONES).map((zone) => ({ InstanceType: t.name, Location: zone, LocationType: 'availability-zone' }))),
        input,
        'InstanceTypeOfferings',
      ),
    );
    on(DescribeSpotPriceHistoryCommand, 'DescribeSpotPriceHistory', (input) => this.page(this.spotPrices, input, 'SpotPriceHistory'));
    on(DescribeSubnetsCommand, 'DescribeSubnets', (input) => this.page(this.subnets.filter((s) => matches(s, input.Filters, subnetField)), input, 'Subnets'));
    on(DescribeSecurityGroupsCommand, 'DescribeSecurityGroups', (input) =>
      this.page(this.securityGroups.filter((g) => matches(g, input.Filters, groupField)), input, 'SecurityGroups'),
    );
    on(DescribeImagesCommand, 'DescribeImages', (input) => this.page(this.images.filter((i) => matches(i, input.Filters, imageField)), input, 'Images'));
    on(DescribeLaunchTemplatesCommand, 'DescribeLaunchTemplates', (input) => {
      const names: string[] = input.Filters?.find((f: Filter) => f.Name === 'launch-template-name')?.Values ?? [...this.launchTemplates.keys()];
      return { LaunchTemplates: names.filter((n) => this.launchTemplates.has(n)).map((n) => ({ LaunchTemplateName: n, LaunchTemplateId: this.launchTemplates.get(n)!.id })) };
    });
    on(CreateLaunchTemplateCommand, 'CreateLaunchTemplate', (input) => {
      if (this.launchTemplates.has(input.LaunchTemplateName)) throw awsError('InvalidLaunchTemplateName.AlreadyExistsException');
      const id = `lt-${String(this.nextId++).padStart(8, '0')}`;
      this.launchTemplates.set(input.LaunchTemplateName, { id, data: input.LaunchTemplateData, tags: input.TagSpecifications?.[0]?.Tags ?? [] });
      return { LaunchTemplate: { LaunchTemplateName: input.LaunchTemplateName, LaunchTemplateId: id } };
    });
    on(CreateFleetCommand, 'CreateFleet', async (input) => {
      const output = this.createFleet(input);
      if (this.afterLaunch && (output.Instances ?? []).length > 0) await this.afterLaunch({ Instances: output.Instances ?? [], Errors: output.Errors ?? [] });
      return output;
    });
    on(DescribeInstancesCommand, 'DescribeInstances', (input) => this.describeInstances(input));
    on(TerminateInstancesCommand, 'TerminateInstances', (input) => {
      const ids: string[] = input.InstanceIds ?? [];
      // EC2 rejects the whole call when any ID is unknown.
      for (const id of ids) if (!this.instances.has(id)) throw awsError('InvalidInstanceID.NotFound', 400, `The instance ID '${id}' does not exist`);
      this.advance();
      return {
        TerminatingInstances: ids.map((id) => {
          const instance = this.instances.get(id)!;
          const previous = instance.State!.Name!;
          if (previous !== 'terminated' && previous !== 'shutting-down') {
            instance.State = { Name: 'shutting-down', Code: 32 };
            this.terminatedAt.set(id, this.now);
          }
          this.advance();
          return { InstanceId: id, PreviousState: { Name: previous }, CurrentState: { Name: instance.State!.Name } };
        }),
      };
    });
  }

  get now(): number {
    return this.clock ? this.clock.now() : this.fixedNow;
  }

  set now(ms: number) {
    this.fixedNow = ms;
  }

  /** Moves instances along their lifecycle to the current time (every call does this first). */
  advance(): void {
    const now = this.now;
    for (const instance of this.instances.values()) {
      const id = instance.InstanceId!;
      if (instance.State?.Name === 'pending' && now - new Date(instance.LaunchTime!).getTime() >= this.bootMs) instance.State = { Name: 'running', Code: 16 };
      const since = this.terminatedAt.get(id);
      if (instance.State?.Name === 'shutting-down' && since !== undefined && now - since >= this.shutdownMs) instance.State = { Name: 'terminated', Code: 48 };
    }
  }

  fail(command: string, ...errors: unknown[]): void {
    this.failures.set(command, [...(this.failures.get(command) ?? []), ...errors]);
  }

  spot(type: string, zone: string, price: number): void {
    this.spotPrices.push({ InstanceType: type as _InstanceType, AvailabilityZone: zone, SpotPrice: String(price), ProductDescription: 'Linux/UNIX', Timestamp: new Date(this.now) });
  }

  liveInstances(): Instance[] {
    return [...this.instances.values()].filter((i) => i.State?.Name !== 'terminated');
  }

  /** Makes hidden instances visible to DescribeInstances. */
  reveal(): void {
    this.hidden.clear();
  }

  private page<T>(all: readonly T[], input: { NextToken?: string; MaxResults?: number }, key: string): Record<string, unknown> {
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const size = Math.min(this.pageSize, input.MaxResults ?? this.pageSize);
    const end = start + size;
    return { [key]: all.slice(start, end), NextToken: end < all.length ? String(end) : undefined };
  }

  private createFleet(input: CreateFleetCommandInput): { FleetId?: string; Instances?: CreateFleetInstance[]; Errors?: CreateFleetError[] } {
    const canned = this.fleetResponses.shift();
    if (canned) return canned;
    const request = JSON.stringify({ ...input, ClientToken: undefined });
    if (input.ClientToken) {
      const seen = this.fleetTokens.get(input.ClientToken);
      if (seen && seen.request !== request) throw awsError('IdempotentParameterMismatch');
      if (seen) return { FleetId: 'fleet-replayed', ...seen.output };
    }
    // Instant fleets tag the fleet and what they launch; maintain/request fleets only the fleet: the
    // resource types the CreateFleet API reference lists for TagSpecifications (docs/ec2.md).
    const taggable = input.Type === 'instant' ? ['fleet', 'instance', 'volume', 'network-interface'] : ['fleet'];
    for (const spec of input.TagSpecifications ?? []) {
      if (!taggable.includes(spec.ResourceType ?? '')) throw awsError('InvalidParameterValue', 400, `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`);
    }
    const capacityType = input.TargetCapacitySpecification?.DefaultTargetCapacityType ?? 'on-demand';
    const tags = input.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags ?? [];
    const errors: CreateFleetError[] = [];
    const instances: CreateFleetInstance[] = [];
    outer: for (const config of input.LaunchTemplateConfigs ?? []) {
      const name = config.LaunchTemplateSpecification?.LaunchTemplateName ?? '';
      // EC2 refuses the whole request when a template does not exist (Karpenter handles it as the
      // CreateFleet error, not as an entry of Errors); a canned answer can still put it in Errors.
      if (!this.launchTemplates.has(name)) {
        throw awsError('InvalidLaunchTemplateName.NotFoundException', 400, `The specified launch template, with template name ${name}, does not exist.`);
      }
      for (const o of config.Overrides ?? []) {
        const key = `${o.InstanceType}/${o.AvailabilityZone}/${capacityType}`;
        if (this.insufficient.has(key)) {
          errors.push({
            ErrorCode: 'InsufficientInstanceCapacity',
            ErrorMessage: `We currently do not have sufficient ${o.InstanceType} capacity in the Availability Zone you requested (${o.AvailabilityZone}).`,
            Lifecycle: capacityType as 'spot',
            LaunchTemplateAndOverrides: { LaunchTemplateSpecification: { ...config.LaunchTemplateSpecification }, Overrides: { ...o } },
          });
          continue;
        }
        const serial = this.nextId++;
        const id = `i-${serial.toString(16).padStart(17, '0')}`;
        const ip = `10.0.${(serial >> 8) & 255}.${serial & 255}`;
        this.templateOf.set(id, name);
        // What the instance runs comes from its launch template, as in EC2.
        const template = this.launchTemplates.get(name)!.data;
        this.instances.set(id, {
          Architecture: this.types.find((t) => t.name === o.InstanceType)?.arch,
          ImageId: template?.ImageId,
          SecurityGroups: (template?.SecurityGroupIds ?? []).map((GroupId) => ({ GroupId, GroupName: this.securityGroups.find((g) => g.GroupId === GroupId)?.GroupName })),
          PrivateIpAddress: ip,
          PrivateDnsName: `ip-${ip.replace(/\./g, '-')}.ec2.internal`,
          InstanceId: id,
          InstanceType: o.InstanceType,
          Placement: { AvailabilityZone: o.AvailabilityZone },
          SubnetId: o.SubnetId,
          State: { Name: 'pending', Code: 0 },
          InstanceLifecycle: capacityType === 'spot' ? 'spot' : undefined,
          LaunchTime: new Date(this.now),
          Tags: tags.map((t) => ({ ...t })),
        });
        if (this.hideNewInstances) this.hidden.add(id);
        instances.push({
          InstanceIds: [id],
          InstanceType: o.InstanceType,
          Lifecycle: capacityType as 'spot',
          LaunchTemplateAndOverrides: { LaunchTemplateSpecification: { ...config.LaunchTemplateSpecification }, Overrides: { ...o } },
        });
        break outer;
      }
    }
    const output = { Instances: instances, Errors: errors };
    if (input.ClientToken) this.fleetTokens.set(input.ClientToken, { request, output });
    return { FleetId: `fleet-${this.nextId++}`, ...output };
  }

  private describeInstances(input: { InstanceIds?: string[]; Filters?: Filter[]; NextToken?: string; MaxResults?: number }): unknown {
    this.advance();
    if (input.InstanceIds && input.MaxResults !== undefined) throw awsError('InvalidParameterCombination', 400, 'The parameter instancesSet cannot be used with the parameter maxResults');
    if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) throw awsError('InvalidParameterValue', 400, `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
    let found = [...this.instances.values()].filter((i) => !this.hidden.has(i.InstanceId!));
    if (input.InstanceIds) {
      for (const id of input.InstanceIds) {
        if (!/^i-[0-9a-f]+$/.test(id)) throw awsError('InvalidInstanceID.Malformed');
        if (!this.instances.has(id)) throw awsError('InvalidInstanceID.NotFound', 400, `The instance ID '${id}' does not exist`);
      }
      found = found.filter((i) => input.InstanceIds!.includes(i.InstanceId!));
    }
    found = found.filter((i) => matches(i, input.Filters, instanceField));
    const page = this.page(found, input, 'Instances') as { Instances: Instance[]; NextToken?: string };
    return { Reservations: page.Instances.map((i) => ({ Instances: [i] })), NextToken: page.NextToken };
  }
}

function subnet(id: string, zone: string, free: number): Subnet {
  return { SubnetId: id, AvailabilityZone: zone, AvailableIpAddressCount: free, State: 'available', Tags: [{ Key: 'smartscale.io/discovery', Value: 'demo' }] };
}

type Tagged = { Tags?: Tag[] };

function matches<T extends Tagged>(item: T, filters: Filter[] | undefined, field: (item: T, name: string) => string | undefined): boolean {
  for (const f of filters ?? []) {
    const values = f.Values ?? [];
    const name = f.Name ?? '';
    if (name === 'tag-key') {
      if (!item.Tags?.some((t) => values.includes(t.Key ?? ''))) return false;
    } else if (name.startsWith('tag:')) {
      const v = item.Tags?.find((t) => t.Key === name.slice(4))?.Value;
      if (v === undefined || !values.some((pattern) => glob(pattern, v))) return false;
    } else {
      const v = field(item, name);
      if (v === undefined || !values.some((pattern) => glob(pattern, v))) return false;
    }
  }
  return true;
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(value);
}

function subnetField(s: Subnet, name: string): string | undefined {
  return name === 'subnet-id' ? s.SubnetId : name === 'state' ? s.State : undefined;
}

function groupField(g: SecurityGroup, name: string): string | undefined {
  return name === 'group-id' ? g.GroupId : name === 'group-name' ? g.GroupName : undefined;
}

function imageField(i: Image, name: string): string | undefined {
  return name === 'image-id' ? i.ImageId : name === 'name' ? i.Name : name === 'state' ? i.State : undefined;
}

function instanceField(i: Instance, name: string): string | undefined {
  return name === 'instance-state-name' ? i.State?.Name : name === 'instance-id' ? i.InstanceId : name === 'availability-zone' ? i.Placement?.AvailabilityZone : undefined;
}
