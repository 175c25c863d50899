/**
 * Resolves a node class's selector terms to concrete subnets, security groups and AMIs
 * (DescribeSubnets, DescribeSecurityGroups, DescribeImages; paginated), cached per node class
 * for a TTL on the injected clock. Terms are ORed, the fields of one term ANDed, like Karpenter.
 */
import {
  DescribeImagesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  type Filter,
} from '@aws-sdk/client-ec2';
import type { Clock } from '../../model/clock.js';
import type { Arch } from '../../model/labels.js';
import type { Ec2Api } from './api.js';
import { NodeClassResolutionError } from './errors.js';
import type { AmiSelectorTerm, EC2NodeClass, SelectorTerm } from './node-class.js';

export const DEFAULT_NETWORK_TTL_MS = 60 * 1000;

export interface ResolvedSubnet {
  readonly id: string;
  readonly zone: string;
  readonly availableIps: number;
}

export interface ResolvedAmi {
  readonly id: string;
  readonly arch: Arch;
  readonly createdAt: string;
  readonly name?: string;
}

export interface ResolvedSecurityGroup {
  readonly id: string;
  readonly name?: string;
}

/** A node class with its selectors resolved. */
export interface ResolvedNodeClass {
  /** One subnet per zone: the one with the most free addresses; zones with none free are left out. */
  readonly subnetsByZone: ReadonlyMap<string, ResolvedSubnet>;
  /** Every available subnet the selectors match, full ones included (drift: is an instance's subnet still selected?). */
  readonly subnetIds: ReadonlySet<string>;
  /** The same, with zones and free addresses, by ID (the node class's status). */
  readonly subnets: readonly ResolvedSubnet[];
  readonly securityGroupIds: readonly string[];
  /** The same groups with their names, by ID (the node class's status). */
  readonly securityGroups: readonly ResolvedSecurityGroup[];
  /** Newest matching image per architecture. */
  readonly amis: ReadonlyMap<Arch, ResolvedAmi>;
}

/** EC2 filters for one term (`*` as a tag value means "has the tag"). */
export function termFilters(term: SelectorTerm | AmiSelectorTerm, idFilter: string, nameFilter?: string): Filter[] {
  const filters: Filter[] = [];
  if (term.id) filters.push({ Name: idFilter, Values: [term.id] });
  if (term.name && nameFilter) filters.push({ Name: nameFilter, Values: [term.name] });
  for (const [key, value] of Object.entries(term.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    filters.push(value === '*' ? { Name: 'tag-key', Values: [key] } : { Name: `tag:${key}`, Values: [value] });
  }
  return filters;
}

/**
 * Picks the subnet to use in each zone: the most free addresses wins (ties by ID, so the choice
 * is stable); subnets with no free address are skipped, since a launch there would fail.
 */
export function preferSubnets(subnets: readonly ResolvedSubnet[]): Map<string, ResolvedSubnet> {
  const best = new Map<string, ResolvedSubnet>();
  for (const s of subnets) {
    if (s.availableIps <= 0) continue;
    const seen = best.get(s.zone);
    if (!seen || s.availableIps > seen.availableIps || (s.availableIps === seen.availableIps && s.id < seen.id)) best.set(s.zone, s);
  }
  return new Map([...best].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const IMAGE_ARCHES: Readonly<Record<string, Arch>> = { x86_64: 'amd64', arm64: 'arm64' };

export class NodeClassResolver {
  private readonly cache = new Map<string, { at: number; value: ResolvedNodeClass }>();
  private readonly ttlMs: number;

  private readonly kubernetesVersion: string | undefined;

  constructor(
    private readonly api: Ec2Api,
    private readonly clock: Pick<Clock, 'now'>,
    options: { ttlMs?: number; kubernetesVersion?: string } = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_NETWORK_TTL_MS;
    this.kubernetesVersion = options.kubernetesVersion;
  }

  /** Throws NodeClassResolutionError when a selector matches nothing usable. */
  async resolve(nodeClass: EC2NodeClass): Promise<ResolvedNodeClass> {
    const key = JSON.stringify([nodeClass.name, nodeClass.subnetSelectorTerms, nodeClass.securityGroupSelectorTerms, nodeClass.amiSelectorTerms]);
    const hit = this.cache.get(key);
    if (hit && this.clock.now() - hit.at < this.ttlMs) return hit.value;
    const [subnets, securityGroups, amis] = await Promise.all([this.subnets(nodeClass), this.securityGroups(nodeClass), this.amis(nodeClass)]);
    const securityGroupIds = securityGroups.map((g) => g.id);
    const subnetsByZone = preferSubnets(subnets);
    if (subnetsByZone.size === 0) {
      throw new NodeClassResolutionError(
        nodeClass.name,
        subnets.length === 0 ? 'subnetSelectorTerms match no available subnet' : 'every selected subnet is out of free IP addresses',
      );
    }
    if (securityGroupIds.length === 0) throw new NodeClassResolutionError(nodeClass.name, 'securityGroupSelectorTerms match no security group');
    if (amis.size === 0) throw new NodeClassResolutionError(nodeClass.name, 'amiSelectorTerms match no available x86_64 or arm64 image');
    const byId = <T extends { id: string }>(items: readonly T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const value: ResolvedNodeClass = { subnetsByZone, subnetIds: new Set(subnets.map((s) => s.id)), subnets: byId(subnets), securityGroupIds, securityGroups: byId(securityGroups), amis };
    this.cache.set(key, { at: this.clock.now(), value });
    return value;
  }

  invalidate(): void {
    this.cache.clear();
  }

  private async subnets(nodeClass: EC2NodeClass): Promise<ResolvedSubnet[]> {
    const byId = new Map<string, ResolvedSubnet>();
    for (const term of nodeClass.subnetSelectorTerms) {
      const Filters = [...termFilters(term, 'subnet-id'), { Name: 'state', Values: ['available'] }];
      const found = await this.api.paginate(
        'DescribeSubnets',
        (client, NextToken) => client.send(new DescribeSubnetsCommand({ Filters, NextToken, MaxResults: 1000 })),
        (page) => page.Subnets,
      );
      for (const s of found) {
        if (s.SubnetId && s.AvailabilityZone) byId.set(s.SubnetId, { id: s.SubnetId, zone: s.AvailabilityZone, availableIps: s.AvailableIpAddressCount ?? 0 });
      }
    }
    return [...byId.values()];
  }

  private async securityGroups(nodeClass: EC2NodeClass): Promise<ResolvedSecurityGroup[]> {
    const ids = new Map<string, ResolvedSecurityGroup>();
    for (const term of nodeClass.securityGroupSelectorTerms) {
      const Filters = termFilters(term, 'group-id', 'group-name');
      const found = await this.api.paginate(
        'DescribeSecurityGroups',
        (client, NextToken) => client.send(new DescribeSecurityGroupsCommand({ Filters, NextToken, MaxResults: 1000 })),
        (page) => page.SecurityGroups,
      );
      for (const g of found) if (g.GroupId) ids.set(g.GroupId, { id: g.GroupId, ...(g.GroupName ? { name: g.GroupName } : {}) });
    }
    return [...ids.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private async amis(nodeClass: EC2NodeClass): Promise<Map<Arch, ResolvedAmi>> {
    const newest = new Map<Arch, ResolvedAmi>();
    for (const term of nodeClass.amiSelectorTerms) {
      let Filters = [...termFilters(term, 'image-id', 'name'), { Name: 'state', Values: ['available'] }];
      // Selecting by name without an owner would match anyone's public images: default to own + Amazon's.
      let Owners = term.id ? undefined : term.owner ? [term.owner] : term.name ? ['self', 'amazon'] : undefined;
      if (term.alias) {
        Filters = [{ Name: 'name', Values: [this.aliasImageName(nodeClass.name, term.alias)] }, { Name: 'state', Values: ['available'] }];
        Owners = ['amazon'];
      }
      const found = await this.api.paginate(
        'DescribeImages',
        (client, NextToken) => client.send(new DescribeImagesCommand({ Filters, Owners, NextToken, MaxResults: 1000 })),
        (page) => page.Images,
      );
      for (const image of found) {
        const arch = IMAGE_ARCHES[image.Architecture ?? ''];
        if (!image.ImageId || !arch) continue;
        const createdAt = image.CreationDate ?? '';
        const seen = newest.get(arch);
        if (!seen || createdAt > seen.createdAt || (createdAt === seen.createdAt && image.ImageId < seen.id)) {
          newest.set(arch, { id: image.ImageId, arch, createdAt, ...(image.Name ? { name: image.Name } : {}) });
        }
      }
    }
    return newest;
  }

  /**
   * EKS-optimized AL2023 images are named `amazon-eks-node-al2023-<arch>-standard-<k8s>-v<date>`;
   * the kubelet must not be newer than the control plane, so the cluster's version is required.
   */
  private aliasImageName(nodeClass: string, alias: string): string {
    if (!this.kubernetesVersion) {
      throw new NodeClassResolutionError(nodeClass, `amiSelectorTerms alias ${alias} needs the cluster's Kubernetes version (cluster.kubernetesVersion)`);
    }
    const version = alias.slice(alias.indexOf('@') + 1);
    return `amazon-eks-node-al2023-*-standard-${this.kubernetesVersion}-${version === 'latest' ? '*' : version}`;
  }
}
