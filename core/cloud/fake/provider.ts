/**
 * A recording fake for tests: it records every call, can fail the next call of a method with an
 * injected error, launches instantly (Launched and Initialized at once), and `reset()` forgets all.
 */
import { offeringKey, type InstanceType, type OfferingRef } from '../../model/instance-type.js';
import { withCondition, type NodeClaim } from '../../model/node-claim.js';
import type { NodePool } from '../../model/node-pool.js';
import { InsufficientCapacityError, InvalidNodeClaimError, NodeClaimNotFoundError } from '../errors.js';
import { launchOptions, typesForPool } from '../launch-options.js';
import { providerIdOf, type CloudProvider } from '../provider.js';

export type CloudMethod = 'create' | 'delete' | 'get' | 'list' | 'getInstanceTypes';

export interface RecordedCalls {
  create: NodeClaim[];
  delete: Array<NodeClaim | string>;
  get: string[];
  list: number;
  getInstanceTypes: Array<NodePool | undefined>;
}

function emptyCalls(): RecordedCalls {
  return { create: [], delete: [], get: [], list: 0, getInstanceTypes: [] };
}

export class FakeCloudProvider implements CloudProvider {
  readonly name = 'fake';
  calls: RecordedCalls = emptyCalls();
  private nextErrors = new Map<CloudMethod, Error>();
  private unavailable = new Set<string>();
  private instances = new Map<string, NodeClaim>();
  private byClaimName = new Map<string, string>();
  private sequence = 0;

  constructor(
    private readonly instanceTypes: readonly InstanceType[],
    private readonly now: () => number = () => 0,
  ) {}

  /** The next call of `method` throws `error` (once). */
  failNext(method: CloudMethod, error: Error): void {
    this.nextErrors.set(method, error);
  }

  /** Every launch of this offering fails with insufficient capacity until `reset()`. */
  makeUnavailable(ref: OfferingRef): void {
    this.unavailable.add(offeringKey(ref));
  }

  reset(): void {
    this.calls = emptyCalls();
    this.nextErrors.clear();
    this.unavailable.clear();
    this.instances.clear();
    this.byClaimName.clear();
  }

  private injected(method: CloudMethod): void {
    const error = this.nextErrors.get(method);
    if (error) {
      this.nextErrors.delete(method);
      throw error;
    }
  }

  async create(claim: NodeClaim): Promise<NodeClaim> {
    this.calls.create.push(claim);
    this.injected('create');
    const existing = this.byClaimName.get(claim.name);
    if (existing) return this.instances.get(existing)!;
    const options = launchOptions(claim, this.instanceTypes);
    if (options.length === 0) throw new InvalidNodeClaimError(claim.name, 'no instance type offering satisfies its requirements');
    const option = options.find((o) => !this.unavailable.has(offeringKey(o.ref)));
    if (!option) throw new InsufficientCapacityError(options.map((o) => o.ref));
    const now = this.now();
    const providerId = `fake:///${option.ref.zone}/i-${(++this.sequence).toString(16)}`;
    let conditions = withCondition(claim.status.conditions, { type: 'Launched', status: 'True', lastTransitionTime: now });
    conditions = withCondition(conditions, { type: 'Registered', status: 'True', lastTransitionTime: now });
    conditions = withCondition(conditions, { type: 'Initialized', status: 'True', lastTransitionTime: now });
    const launched: NodeClaim = {
      ...claim,
      status: {
        ...claim.status,
        providerId,
        instanceType: option.type.name,
        zone: option.ref.zone,
        capacityType: option.ref.capacityType,
        pricePerHour: option.offering.pricePerHour,
        capacity: option.type.capacity,
        allocatable: option.type.allocatable,
        nodeName: `fake-${this.sequence}`,
        conditions,
      },
    };
    this.instances.set(providerId, launched);
    this.byClaimName.set(claim.name, providerId);
    return launched;
  }

  async delete(target: NodeClaim | string): Promise<void> {
    this.calls.delete.push(target);
    this.injected('delete');
    const providerId = providerIdOf(target) ?? (typeof target === 'string' ? target : this.byClaimName.get(target.name));
    const claim = providerId ? this.instances.get(providerId) : undefined;
    if (!providerId || !claim) throw new NodeClaimNotFoundError(providerId ?? (typeof target === 'string' ? target : target.name));
    this.instances.delete(providerId);
    this.byClaimName.delete(claim.name);
  }

  async get(providerId: string): Promise<NodeClaim> {
    this.calls.get.push(providerId);
    this.injected('get');
    const claim = this.instances.get(providerId);
    if (!claim) throw new NodeClaimNotFoundError(providerId);
    return claim;
  }

  async list(): Promise<NodeClaim[]> {
    this.calls.list++;
    this.injected('list');
    return [...this.instances.values()];
  }

  async getInstanceTypes(nodePool?: NodePool): Promise<InstanceType[]> {
    this.calls.getInstanceTypes.push(nodePool);
    this.injected('getInstanceTypes');
    return typesForPool(this.instanceTypes, nodePool);
  }
}
