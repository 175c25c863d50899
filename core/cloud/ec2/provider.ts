/**
 * The EC2 CloudProvider. Launches one instance per node claim with an instant CreateFleet over
 * the claim's compatible offerings, finds its instances again by tag, and terminates them.
 * Contract: `core/cloud/provider.ts`; design notes: docs/ec2.md and ADRs 060–063.
 */
import { createHash } from 'node:crypto';
import { CreateFleetCommand, DescribeInstancesCommand, TerminateInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import { systemClock, type Clock } from '../../model/clock.js';
import { offeringKey, type InstanceType, type OfferingRef } from '../../model/instance-type.js';
import { Labels, type Arch } from '../../model/labels.js';
import { withCondition, type NodeClaim } from '../../model/node-claim.js';
import type { NodePool } from '../../model/node-pool.js';
import type { MaxPodsPolicy } from '../catalog/instance-types.js';
import { InsufficientCapacityError, InvalidNodeClaimError, NodeClaimNotFoundError } from '../errors.js';
import { launchOptions, satisfiesRequirements } from '../launch-options.js';
import { providerIdOf, type CloudDrift, type CloudProvider, type NodeClassReport } from '../provider.js';
import { UnavailableOfferings } from '../unavailable-offerings.js';
import { AwsApi, defaultEc2Client, defaultIamClient, Ec2Api } from './api.js';
import { awsErrorCode, Ec2AuthorizationError, Ec2ValidationError, isAuthorizationCode, isNodeClassResolutionError, isValidationCode } from './errors.js';
import { instanceDrift, nodeClassHash, securityGroupsHash, type CurrentNodeClass } from './drift.js';
import { buildCreateFleetInput, candidateRef, chooseCapacityType, offeringsRuledOut, readFleetResponse, selectOverrides, type LaunchCandidate } from './fleet.js';
import { claimFromInstance, instanceIdOf, isGone, LIVE_STATES, providerIdFor } from './instances.js';
import { Ec2InstanceTypes } from './instance-types.js';
import { instanceProfileName, InstanceProfiles } from './instance-profiles.js';
import { LaunchTemplates } from './launch-templates.js';
import { NodeClassResolver, type ResolvedNodeClass } from './network.js';
import { NodeClassError, rootVolumeGiB, type EC2NodeClass, type KubeletConfiguration } from './node-class.js';
import { allocatableEphemeralBytes } from './allocatable.js';
import { Ec2Pricing } from './pricing.js';
import { DEFAULT_RETRY, RetryBudget, type RetryPolicy } from './retry.js';
import { Ec2Tags, launchTags, tagValue } from './tags.js';
import { labelsPinnedBy, renderUserData, type ClusterJoin } from './user-data.js';

/** Finds a node class by name (from the API server's EC2NodeClass objects, or a fixed set in tests). */
export type NodeClassSource = (name: string) => EC2NodeClass | undefined | Promise<EC2NodeClass | undefined>;

export interface Ec2ProviderOptions {
  readonly cluster: ClusterJoin;
  readonly nodeClasses: NodeClassSource;
  /** Node class for claims without a `nodeClassRef`; without it such claims are invalid. */
  readonly defaultNodeClass?: string;
  /** Region for the default client; otherwise the SDK's chain (AWS_REGION, profile, IMDS). */
  readonly region?: string;
  /** Creates the EC2 client on first use; default: region above, SDK retries off, standard credential chain. */
  readonly createClient?: () => EC2Client;
  /** Creates the IAM client on first use (only node classes with `spec.role` need it). */
  readonly createIamClient?: () => IAMClient;
  readonly clock?: Clock;
  /** Uniform in [0, 1); for backoff jitter. Default Math.random. */
  readonly random?: () => number;
  /** Overrides for the retry policy; `sleep` defaults to the clock's. */
  readonly retry?: Partial<RetryPolicy>;
  /** Shared with the controller so exclusions show in status; default a fresh one on the clock. */
  readonly unavailableOfferings?: UnavailableOfferings;
  /** Instance type → on-demand USD/hour; default the built-in table. */
  readonly onDemandPrices?: ReadonlyMap<string, number>;
  readonly spotRefreshMs?: number;
  readonly instanceTypesTtlMs?: number;
  readonly nodeClassTtlMs?: number;
  readonly maxPods?: MaxPodsPolicy;
  /** CreateFleet rounds per create (each excludes what failed before). Default 3. */
  readonly maxLaunchAttempts?: number;
}

export function validateClusterJoin(cluster: ClusterJoin): ClusterJoin {
  if (!cluster || typeof cluster.name !== 'string' || !/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(cluster.name)) {
    throw new RangeError('cluster.name must be an EKS cluster name (1–100 of [A-Za-z0-9_-])');
  }
  if (typeof cluster.endpoint !== 'string' || !/^https:\/\/\S+$/.test(cluster.endpoint)) throw new RangeError('cluster.endpoint must be an https:// URL');
  if (typeof cluster.caBundle !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(cluster.caBundle)) throw new RangeError('cluster.caBundle must be base64');
  if (typeof cluster.serviceCidr !== 'string' || !/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cluster.serviceCidr)) throw new RangeError('cluster.serviceCidr must be a CIDR such as 10.100.0.0/16');
  if (cluster.kubernetesVersion !== undefined && !/^1\.\d{1,3}$/.test(cluster.kubernetesVersion)) throw new RangeError('cluster.kubernetesVersion must look like 1.33');
  return cluster;
}

/**
 * Idempotency token for one CreateFleet round of one claim. It changes with the claim's
 * creation time (a new claim reusing a name is a new launch) and the round (a fallback round
 * asks for different overrides, which EC2 would reject under the same token).
 */
export function fleetClientToken(clusterName: string, claim: Pick<NodeClaim, 'name' | 'createdAt'>, round: number): string {
  const digest = createHash('sha256').update(`${clusterName}\0${claim.name}\0${claim.createdAt}\0${round}`).digest('hex');
  return `smartscale-${digest.slice(0, 40)}`;
}

export class Ec2CloudProvider implements CloudProvider {
  readonly name = 'aws';
  readonly unavailable: UnavailableOfferings;
  readonly pricing: Ec2Pricing;
  readonly instanceTypes: Ec2InstanceTypes;
  private readonly api: Ec2Api;
  private readonly resolver: NodeClassResolver;
  private readonly templates: LaunchTemplates;
  private readonly profiles: InstanceProfiles;
  private readonly cluster: ClusterJoin;
  private readonly clock: Clock;
  private readonly maxLaunchAttempts: number;
  /** Node classes named by claims and pools this provider has seen (their subnets bound the zones offered). */
  private readonly nodeClassesInUse = new Set<string>();

  constructor(private readonly options: Ec2ProviderOptions) {
    this.cluster = validateClusterJoin(options.cluster);
    this.clock = options.clock ?? systemClock;
    this.maxLaunchAttempts = options.maxLaunchAttempts ?? 3;
    if (!(Number.isInteger(this.maxLaunchAttempts) && this.maxLaunchAttempts >= 1)) throw new RangeError('maxLaunchAttempts must be an integer ≥ 1');
    const retry: RetryPolicy = {
      ...DEFAULT_RETRY,
      sleep: (ms) => this.clock.sleep(ms),
      random: options.random ?? Math.random,
      // One budget for every EC2 and IAM call of this provider (retry.ts).
      budget: new RetryBudget(),
      ...options.retry,
    };
    this.api = new Ec2Api(options.createClient ?? defaultEc2Client(options.region), retry);
    this.unavailable = options.unavailableOfferings ?? new UnavailableOfferings(this.clock);
    this.pricing = new Ec2Pricing(this.api, this.clock, { onDemandPrices: options.onDemandPrices, spotRefreshMs: options.spotRefreshMs });
    this.instanceTypes = new Ec2InstanceTypes(this.api, this.pricing, this.unavailable, this.clock, {
      ttlMs: options.instanceTypesTtlMs,
      maxPods: options.maxPods,
    });
    this.resolver = new NodeClassResolver(this.api, this.clock, { ttlMs: options.nodeClassTtlMs, kubernetesVersion: this.cluster.kubernetesVersion });
    this.templates = new LaunchTemplates(this.api);
    this.profiles = new InstanceProfiles(new AwsApi(options.createIamClient ?? defaultIamClient(options.region), retry), this.cluster.name, this.clock);
  }

  async create(claim: NodeClaim): Promise<NodeClaim> {
    const nodeClass = await this.nodeClassOf(claim);
    if (claim.spec.instanceTypeOptions.length === 0) throw new InvalidNodeClaimError(claim.name, 'no instance type options');
    // A retry after a timeout or a crash: the instance may already exist.
    const existing = await this.findByClaimName(claim.name);
    if (existing) return this.launched(claim, existing, nodeClass);

    const resolved = await this.resolver.resolve(nodeClass);
    // Allocatable as the node class's kubelet gives it (the claim's status records it).
    const types = await this.instanceTypes.list(nodeClass.kubelet);
    const { candidates: initial, excluded } = this.candidates(claim, types, resolved);
    if (initial.length === 0) {
      if (excluded.length > 0) throw new InsufficientCapacityError(excluded, `every compatible offering is excluded after recent capacity errors: ${excluded.map(offeringKey).join(', ')}`);
      throw new InvalidNodeClaimError(claim.name, `no offering of [${claim.spec.instanceTypeOptions.join(', ')}] satisfies the requirements in the zones of EC2NodeClass ${nodeClass.name}'s subnets`);
    }
    const instanceProfile = nodeClass.instanceProfile ?? (await this.profiles.ensure(nodeClass.role!, nodeClass.name));
    let candidates = initial;
    const failed = new Map<string, OfferingRef>();
    let templateLosses = 0;
    const zoneOfSubnet = (id: string | undefined) => [...resolved.subnetsByZone.values()].find((s) => s.id === id)?.zone;
    for (let round = 0; round < this.maxLaunchAttempts; round++) {
      const capacityType = chooseCapacityType(candidates);
      if (!capacityType) break;
      const overrides = selectOverrides(candidates, capacityType);
      const launchTemplates = await this.launchTemplatesFor(claim, nodeClass, resolved, instanceProfile, new Set(overrides.map((c) => c.arch)));
      const input = buildCreateFleetInput({
        overrides,
        capacityType,
        launchTemplates,
        tags: launchTags(this.cluster.name, claim, nodeClass, resolved.securityGroupIds),
        clientToken: fleetClientToken(this.cluster.name, claim, round),
      });
      let output;
      try {
        output = await this.api.call('CreateFleet', (client) => client.send(new CreateFleetCommand(input)));
      } catch (error) {
        const code = awsErrorCode(error);
        if (code === 'IdempotentParameterMismatch') return this.adoptAfterTokenReuse(claim, error, nodeClass);
        if (isLaunchTemplateMissing(code)) {
          // Deleted out of band (a cleanup script): EC2 refuses the whole request. Not a bad
          // configuration: forget the template so the next round re-creates it (Karpenter does the same).
          for (const name of launchTemplates.values()) this.templates.forget(name);
          templateLosses++;
          continue;
        }
        this.throwIfProfilePropagating(instanceProfile, code, (error as Error).message);
        throw error;
      }
      const outcome = readFleetResponse(output, capacityType, zoneOfSubnet);
      if (outcome.capacityFailures.length > 0) {
        // A quota or a full subnet named on one override rules out its siblings too (fleet.ts).
        for (const { code, ref } of outcome.capacityFailures) {
          const ruledOut = offeringsRuledOut([{ code, ref }], candidates);
          this.unavailable.markUnavailable(ruledOut, code === 'InsufficientInstanceCapacity' ? 'InsufficientCapacity' : code);
          for (const r of ruledOut) failed.set(offeringKey(r), r);
        }
      }
      if (outcome.instance) {
        const type = types.find((t) => t.name === outcome.instance!.instanceType);
        const offering = type?.offerings.find((o) => o.zone === outcome.instance!.zone && o.capacityType === outcome.instance!.capacityType);
        return this.withLaunchStatus(claim, {
          providerId: providerIdFor(outcome.instance.zone, outcome.instance.instanceId),
          instanceType: outcome.instance.instanceType,
          zone: outcome.instance.zone,
          capacityType: outcome.instance.capacityType,
          pricePerHour: offering?.pricePerHour,
          type,
        });
      }
      for (const e of outcome.otherErrors) this.throwIfProfilePropagating(instanceProfile, e.code, e.message);
      const fatal = outcome.otherErrors.find((e) => isAuthorizationCode(e.code) || (isValidationCode(e.code) && !e.code.startsWith('InvalidLaunchTemplate')));
      if (fatal) {
        throw isAuthorizationCode(fatal.code) ? new Ec2AuthorizationError('CreateFleet', fatal.code, fatal.message) : new Ec2ValidationError('CreateFleet', fatal.code, fatal.message);
      }
      if (outcome.otherErrors.some((e) => e.code.startsWith('InvalidLaunchTemplate'))) {
        // Deleted out of band: forget it so the next round re-creates it.
        for (const name of launchTemplates.values()) this.templates.forget(name);
        templateLosses++;
        continue;
      }
      if (outcome.insufficient.length === 0) {
        const detail = outcome.otherErrors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'no instance and no error';
        throw new Error(`CreateFleet for ${claim.name} launched nothing (${detail})`);
      }
      candidates = candidates.filter((c) => !failed.has(offeringKey(candidateRef(c))));
    }
    // Rounds spent re-creating vanished launch templates are not a capacity problem.
    if (failed.size === 0) {
      const why = templateLosses > 0 ? `: its launch template vanished ${templateLosses} time(s) (deleted out of band?)` : '';
      throw new Error(`CreateFleet for ${claim.name}: no instance after ${this.maxLaunchAttempts} rounds${why}`);
    }
    throw new InsufficientCapacityError([...failed.values()]);
  }

  async delete(target: NodeClaim | string): Promise<void> {
    const providerId = providerIdOf(target);
    let instance: Instance | undefined;
    if (providerId) instance = await this.describeLive(providerId);
    else if (typeof target !== 'string') instance = await this.findByClaimName(target.name);
    const label = providerId ?? (typeof target === 'string' ? target : target.name);
    if (!instance?.InstanceId) throw new NodeClaimNotFoundError(label);
    try {
      const out = await this.api.call('TerminateInstances', (client) => client.send(new TerminateInstancesCommand({ InstanceIds: [instance.InstanceId!] })));
      const previous = out.TerminatingInstances?.[0]?.PreviousState?.Name;
      if (previous === 'shutting-down' || previous === 'terminated') throw new NodeClaimNotFoundError(label);
    } catch (error) {
      if (isInstanceNotFound(error)) throw new NodeClaimNotFoundError(label);
      throw error;
    }
  }

  async get(providerId: string): Promise<NodeClaim> {
    const instance = await this.describeLive(providerId);
    if (!instance) throw new NodeClaimNotFoundError(providerId);
    return claimFromInstance(instance, await this.typeNamed(String(instance.InstanceType ?? '')));
  }

  async list(): Promise<NodeClaim[]> {
    const instances = await this.clusterInstances();
    const types = await this.typesOrNothing();
    return instances
      .map((i) => claimFromInstance(i, types.find((t) => t.name === i.InstanceType)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Drift of the claims' instances (drift.ts): one paginated DescribeInstances for the cluster, and
   * each node class resolved once (cached for its TTL, as launches use it). A claim whose instance is
   * not found, or whose node class is missing, invalid or resolves to nothing, is not judged.
   */
  async driftOf(claims: readonly NodeClaim[]): Promise<ReadonlyMap<string, CloudDrift | undefined>> {
    const out = new Map<string, CloudDrift | undefined>();
    const byInstance = new Map<string, NodeClaim>();
    for (const c of claims) {
      const id = c.status.providerId ? instanceIdOf(c.status.providerId) : undefined;
      if (id) byInstance.set(id, c);
    }
    if (byInstance.size === 0) return out;
    const classes = new Map<string, CurrentNodeClass | undefined>();
    for (const instance of await this.clusterInstances()) {
      const claim = instance.InstanceId ? byInstance.get(instance.InstanceId) : undefined;
      if (!claim) continue;
      const ref = claim.spec.nodeClassRef;
      if (ref && ref.kind !== 'EC2NodeClass') continue;
      const name = ref?.name ?? tagValue(instance.Tags, Ec2Tags.nodeClass) ?? this.options.defaultNodeClass;
      if (!name) continue;
      if (!classes.has(name)) classes.set(name, await this.judgeableClass(name));
      const current = classes.get(name);
      if (!current) continue;
      out.set(claim.name, instanceDrift(instance, current, tagValue(instance.Tags, Ec2Tags.launchHash)));
    }
    return out;
  }

  /**
   * The EC2NodeClass's status: its selectors resolved (every matched subnet with its zone, the
   * security groups, the newest image per architecture) and the instance profile launches use.
   * Not ready when the spec is invalid or a selector matches nothing usable.
   */
  async nodeClassStatus(name: string): Promise<NodeClassReport | undefined> {
    const nodeClass = await this.readNodeClass(name);
    if (nodeClass instanceof NodeClassError) return { ready: false, reason: 'InvalidSpec', message: nodeClass.message, fields: {} };
    if (!nodeClass) return undefined;
    let resolved: ResolvedNodeClass;
    try {
      resolved = await this.resolver.resolve(nodeClass);
    } catch (error) {
      if (isNodeClassResolutionError(error)) return { ready: false, reason: 'ResolutionFailed', message: error.message, fields: {} };
      throw error;
    }
    const amis = [...resolved.amis.values()].sort((a, b) => (a.arch < b.arch ? -1 : 1));
    const instanceProfile = nodeClass.instanceProfile ?? instanceProfileName(this.cluster.name, nodeClass.role!);
    const zones = [...new Set(resolved.subnets.map((s) => s.zone))].sort();
    return {
      ready: true,
      reason: 'Ready',
      message: `${resolved.subnets.length} subnet(s) in ${zones.join(', ')}; ${resolved.securityGroups.length} security group(s); images ${amis.map((a) => `${a.id} (${a.arch})`).join(', ')}`,
      fields: {
        subnets: resolved.subnets.map((s) => ({ id: s.id, zone: s.zone })),
        securityGroups: resolved.securityGroups.map((g) => ({ id: g.id, ...(g.name ? { name: g.name } : {}) })),
        amis: amis.map((a) => ({ id: a.id, ...(a.name ? { name: a.name } : {}), architecture: a.arch })),
        instanceProfile,
      },
    };
  }

  /** The named node class, or the validation error that makes it unusable (undefined: no such class). */
  private async readNodeClass(name: string): Promise<EC2NodeClass | NodeClassError | undefined> {
    try {
      return await this.options.nodeClasses(name);
    } catch (error) {
      if (error instanceof NodeClassError) return error;
      throw error;
    }
  }

  /** The node class resolved now, or undefined when it cannot say what an instance should be. */
  private async judgeableClass(name: string): Promise<CurrentNodeClass | undefined> {
    const nodeClass = await this.readNodeClass(name);
    if (!nodeClass || nodeClass instanceof NodeClassError) return undefined;
    try {
      const resolved = await this.resolver.resolve(nodeClass);
      return { resolved, settingsHash: nodeClassHash(nodeClass), securityGroupsHash: securityGroupsHash(resolved.securityGroupIds) };
    } catch (error) {
      if (isNodeClassResolutionError(error)) return undefined;
      throw error;
    }
  }

  /** Every live instance tagged for this cluster (paginated). */
  private async clusterInstances(): Promise<Instance[]> {
    const reservations = await this.api.paginate(
      'DescribeInstances',
      (client, NextToken) =>
        client.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: `tag:${Ec2Tags.cluster}`, Values: [this.cluster.name] },
              { Name: 'instance-state-name', Values: [...LIVE_STATES] },
            ],
            MaxResults: 1000,
            NextToken,
          }),
        ),
      (page) => page.Reservations,
    );
    return reservations.flatMap((r) => r.Instances ?? []).filter((i) => !isGone(i));
  }

  /**
   * With a pool: its offerings in the zones of its node class's subnets. Without one: every type,
   * with offerings in zones where no node class in use (the default one, and those of pools and
   * claims seen) has a subnet marked unavailable — a plan over all pools must not choose a zone
   * nothing can launch into (the claim would be refused, re-planned into the same zone, forever).
   */
  async getInstanceTypes(nodePool?: NodePool): Promise<InstanceType[]> {
    const types = await this.instanceTypes.list();
    if (!nodePool) {
      const launchable = await this.launchableZones();
      if (!launchable) return types;
      return types.map((t) => ({ ...t, offerings: t.offerings.map((o) => (o.available && !launchable.has(o.zone) ? { ...o, available: false } : o)) }));
    }
    let zones: ReadonlySet<string> | undefined;
    let poolTypes = types;
    const nodeClassName = nodePool.nodeClassRef?.name ?? this.options.defaultNodeClass;
    if (nodeClassName) {
      this.nodeClassesInUse.add(nodeClassName);
      const nodeClass = await this.options.nodeClasses(nodeClassName);
      if (nodeClass) zones = new Set((await this.resolver.resolve(nodeClass)).subnetsByZone.keys());
      // The pool's nodes offer what their kubelet settings leave to pods.
      if (nodeClass?.kubelet) poolTypes = await this.instanceTypes.list(nodeClass.kubelet);
      // And the ephemeral storage its root volume gives them.
      const root = nodeClass ? rootVolumeGiB(nodeClass) : undefined;
      if (root !== undefined) {
        const ephemeralStorage = allocatableEphemeralBytes(root, nodeClass!.kubelet);
        poolTypes = poolTypes.map((t) => ({ ...t, ephemeralStorage }));
      }
    }
    const out: InstanceType[] = [];
    for (const type of poolTypes) {
      const offerings = type.offerings.filter((o) => (!zones || zones.has(o.zone)) && satisfiesRequirements(nodePool.requirements, type, o, nodePool.name));
      if (offerings.length > 0) out.push({ ...type, offerings });
    }
    return out;
  }

  /**
   * The types as the pool's nodes offer them: with the capacity and allocatable its node class's
   * kubelet settings give, and the ephemeral storage its root volume gives (less kube-reserved and
   * the `nodefs.available` eviction threshold). Undefined when the class says neither (the pool sees
   * `getInstanceTypes()`'s), or cannot be read now (its launches report that).
   */
  async instanceTypesForPool(nodePool: NodePool, shared: readonly InstanceType[]): Promise<InstanceType[] | undefined> {
    const name = nodePool.nodeClassRef?.name ?? this.options.defaultNodeClass;
    if (!name) return undefined;
    const nodeClass = await this.readNodeClass(name);
    if (!nodeClass || nodeClass instanceof NodeClassError) return undefined;
    const root = rootVolumeGiB(nodeClass);
    if (!nodeClass.kubelet && root === undefined) return undefined;
    const types = nodeClass.kubelet ? await this.withKubelet(shared, nodeClass.kubelet) : shared;
    if (root === undefined) return [...types];
    const ephemeralStorage = allocatableEphemeralBytes(root, nodeClass.kubelet);
    return types.map((t) => ({ ...t, ephemeralStorage }));
  }

  /** `types` (offerings as given) with capacity and allocatable as the kubelet settings give them. */
  private async withKubelet(types: readonly InstanceType[], kubelet: KubeletConfiguration): Promise<InstanceType[]> {
    const adjusted = new Map((await this.instanceTypes.list(kubelet)).map((t) => [t.name, t]));
    return types.map((t) => {
      const a = adjusted.get(t.name);
      return a ? { ...t, capacity: a.capacity, allocatable: a.allocatable } : t;
    });
  }

  private async nodeClassOf(claim: NodeClaim): Promise<EC2NodeClass> {
    const ref = claim.spec.nodeClassRef ?? (this.options.defaultNodeClass ? { kind: 'EC2NodeClass', name: this.options.defaultNodeClass } : undefined);
    if (!ref) throw new InvalidNodeClaimError(claim.name, 'spec.nodeClassRef is required by the EC2 provider (or set a default node class)');
    if (ref.kind !== 'EC2NodeClass') throw new InvalidNodeClaimError(claim.name, `nodeClassRef kind ${ref.kind} is not EC2NodeClass`);
    const nodeClass = await this.readNodeClass(ref.name);
    // A class that fails validation makes the claim unlaunchable until it is fixed: reported as
    // an invalid claim (backoff and an Event on the pool), not as a failure of the whole pass.
    if (nodeClass instanceof NodeClassError) throw new InvalidNodeClaimError(claim.name, nodeClass.message);
    if (!nodeClass) throw new InvalidNodeClaimError(claim.name, `EC2NodeClass ${ref.name} not found`);
    this.nodeClassesInUse.add(nodeClass.name);
    return nodeClass;
  }

  /**
   * Zones where some node class in use has a subnet; undefined when none is known yet (nothing to
   * restrict by). A class that cannot be resolved right now contributes no zone.
   */
  private async launchableZones(): Promise<ReadonlySet<string> | undefined> {
    const names = new Set(this.nodeClassesInUse);
    if (this.options.defaultNodeClass) names.add(this.options.defaultNodeClass);
    if (names.size === 0) return undefined;
    const zones = new Set<string>();
    let resolved = 0;
    for (const name of [...names].sort()) {
      try {
        const nodeClass = await this.options.nodeClasses(name);
        if (!nodeClass) continue;
        for (const zone of (await this.resolver.resolve(nodeClass)).subnetsByZone.keys()) zones.add(zone);
        resolved++;
      } catch {
        // Unresolvable (deleted subnets, EC2 unreachable): its launches fail on their own, with the reason.
      }
    }
    return resolved > 0 ? zones : undefined;
  }

  /**
   * Offerings the claim may launch into now, and those it could use but that are excluded after
   * capacity errors. Claim matching is the shared `launchOptions` (every provider reads a claim
   * the same way); EC2 adds: a subnet in the zone and an AMI for the architecture.
   */
  private candidates(claim: NodeClaim, types: readonly InstanceType[], resolved: ResolvedNodeClass): { candidates: LaunchCandidate[]; excluded: OfferingRef[] } {
    // Judge every offering as if available, then split, so excluded ones can be named.
    const everyOffering = types.map((t) => ({ ...t, offerings: t.offerings.map((o) => ({ ...o, available: true })) }));
    const candidates: LaunchCandidate[] = [];
    const excluded: OfferingRef[] = [];
    for (const { type, offering, ref } of launchOptions(claim, everyOffering)) {
      const subnet = resolved.subnetsByZone.get(ref.zone);
      if (!subnet || !resolved.amis.has(type.arch)) continue;
      if (this.unavailable.isUnavailable(ref)) excluded.push(ref);
      else candidates.push({ ...ref, arch: type.arch, subnetId: subnet.id, pricePerHour: offering.pricePerHour, vcpus: type.capacity.milliCpu / 1000 });
    }
    return { candidates, excluded };
  }

  /**
   * EC2 rejects an instance profile created seconds ago ("Invalid IAM Instance Profile"); for a
   * profile this process just made, that is a transient state, not a bad node class.
   */
  private throwIfProfilePropagating(profile: string, code: string | undefined, message: string): void {
    if (this.profiles.isFresh(profile) && code !== undefined && /^Invalid/.test(code) && /instance ?profile/i.test(message)) {
      throw new Error(`instance profile ${profile} was just created and EC2 does not see it yet; retry shortly (${code}: ${message})`);
    }
  }

  private async launchTemplatesFor(
    claim: NodeClaim,
    nodeClass: EC2NodeClass,
    resolved: ResolvedNodeClass,
    instanceProfileName: string,
    arches: ReadonlySet<Arch>,
  ): Promise<Map<Arch, string>> {
    const userData = renderUserData({
      cluster: this.cluster,
      labels: { ...labelsPinnedBy(claim.spec.requirements), ...claim.spec.labels, [Labels.nodePool]: claim.spec.nodePool },
      taints: [...claim.spec.taints, ...(claim.spec.startupTaints ?? [])],
      extra: nodeClass.userData,
      kubelet: nodeClass.kubelet,
    });
    const tags = [
      { Key: Ec2Tags.cluster, Value: this.cluster.name },
      { Key: Ec2Tags.nodeClass, Value: nodeClass.name },
    ];
    const out = new Map<Arch, string>();
    for (const arch of [...arches].sort()) {
      const ami = resolved.amis.get(arch)!;
      out.set(
        arch,
        await this.templates.ensure({ clusterName: this.cluster.name, nodeClass, imageId: ami.id, securityGroupIds: resolved.securityGroupIds, instanceProfileName, userData }, tags),
      );
    }
    return out;
  }

  private withLaunchStatus(
    claim: NodeClaim,
    launched: Pick<NodeClaim['status'], 'providerId' | 'instanceType' | 'zone' | 'capacityType' | 'pricePerHour'> & { type?: InstanceType },
  ): NodeClaim {
    const { type, ...fields } = launched;
    return {
      ...claim,
      status: {
        ...claim.status,
        ...fields,
        capacity: type?.capacity,
        allocatable: type?.allocatable,
        conditions: withCondition(claim.status.conditions, { type: 'Launched', status: 'True', reason: 'Launched', lastTransitionTime: this.clock.now() }),
      },
    };
  }

  /** The claim for an instance found by tag (a relaunch after a crash or timeout). */
  private async launched(claim: NodeClaim, instance: Instance, nodeClass?: EC2NodeClass): Promise<NodeClaim> {
    const type = await this.typeNamed(String(instance.InstanceType ?? ''), nodeClass?.kubelet);
    const { providerId, instanceType, zone, capacityType, pricePerHour } = claimFromInstance(instance, type).status;
    return this.withLaunchStatus(claim, { providerId, instanceType, zone, capacityType, pricePerHour, type });
  }

  /**
   * EC2 saw this token with a different request: an earlier run of this round launched (or is
   * launching) already. Its instance is found by tag; DescribeInstances can lag a launch by a few
   * seconds, so look a few times before calling it transient.
   */
  private async adoptAfterTokenReuse(claim: NodeClaim, cause: unknown, nodeClass: EC2NodeClass): Promise<NodeClaim> {
    for (let look = 0; look < 3; look++) {
      await this.api.retry.sleep(1000 * 2 ** look);
      const existing = await this.findByClaimName(claim.name);
      if (existing) return this.launched(claim, existing, nodeClass);
    }
    throw new Error(`CreateFleet for ${claim.name}: an earlier launch with this client token is not visible yet; retry later (${(cause as Error).message})`);
  }

  private async findByClaimName(name: string): Promise<Instance | undefined> {
    const reservations = await this.api.paginate(
      'DescribeInstances',
      (client, NextToken) =>
        client.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: `tag:${Ec2Tags.nodeClaim}`, Values: [name] },
              { Name: `tag:${Ec2Tags.cluster}`, Values: [this.cluster.name] },
              { Name: 'instance-state-name', Values: [...LIVE_STATES] },
            ],
            NextToken,
          }),
        ),
      (page) => page.Reservations,
    );
    const live = reservations.flatMap((r) => r.Instances ?? []).filter((i) => !isGone(i));
    live.sort((a, b) => new Date(a.LaunchTime ?? 0).getTime() - new Date(b.LaunchTime ?? 0).getTime());
    return live[0];
  }

  /** The instance if it exists, is not terminating or terminated, and belongs to this cluster. */
  private async describeLive(providerId: string): Promise<Instance | undefined> {
    const id = instanceIdOf(providerId);
    if (!id) return undefined;
    try {
      const out = await this.api.call('DescribeInstances', (client) => client.send(new DescribeInstancesCommand({ InstanceIds: [id] })));
      const instance = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id);
      if (!instance || isGone(instance)) return undefined;
      if (instance.Tags?.find((t) => t.Key === Ec2Tags.cluster)?.Value !== this.cluster.name) return undefined;
      return instance;
    } catch (error) {
      if (isInstanceNotFound(error)) return undefined;
      throw error;
    }
  }

  private async typesOrNothing(kubelet?: KubeletConfiguration): Promise<InstanceType[]> {
    // Listing must not fail (garbage collection depends on it) just because prices could not load.
    try {
      return await this.instanceTypes.list(kubelet);
    } catch {
      return [];
    }
  }

  private async typeNamed(name: string, kubelet?: KubeletConfiguration): Promise<InstanceType | undefined> {
    return (await this.typesOrNothing(kubelet)).find((t) => t.name === name);
  }
}

/** CreateFleet refused the request because a launch template (or its version) does not exist. */
function isLaunchTemplateMissing(code: string | undefined): boolean {
  return code !== undefined && /^InvalidLaunchTemplate(Name|Id)\.(NotFound|VersionNotFound)/.test(code);
}

function isInstanceNotFound(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code === 'InvalidInstanceID.NotFound' || code === 'InvalidInstanceID.Malformed';
}
