/**
 * A simulated cloud, in memory (kwok-like): instances launch at once and become ready after a
 * configurable delay measured on the injected clock; insufficient capacity can be injected per
 * offering. Listeners hear "node ready" and "node terminated" facts, which the sandbox turns into
 * Node objects and the simulator into capacity.
 */
import type { Clock } from '../../model/clock.js';
import { offeringKey, type InstanceType, type OfferingRef } from '../../model/instance-type.js';
import { Labels } from '../../model/labels.js';
import { withCondition, type NodeClaim } from '../../model/node-claim.js';
import type { NodePool } from '../../model/node-pool.js';
import { resourcesToList, type Resources } from '../../model/resources.js';
import type { Taint } from '../../model/scheduling-constraints.js';
import { InsufficientCapacityError, InvalidNodeClaimError, NodeClaimNotFoundError } from '../errors.js';
import { launchOptions, typesForPool } from '../launch-options.js';
import { isTerminal, type InterruptionKind } from '../interruption.js';
import { providerIdOf, type CloudDrift, type CloudProvider } from '../provider.js';
import { InMemoryInterruptionQueue } from './interruption-queue.js';

export const DEFAULT_LAUNCH_DELAY_MS = 60_000;

export interface SimulatedNodeReady {
  readonly type: 'NodeReady';
  readonly providerId: string;
  readonly nodeClaimName: string;
  readonly nodeName: string;
  readonly nodePool: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly capacityType: string;
  readonly pricePerHour: number;
  /** Type labels plus zone, capacity type, pool, hostname and the claim's labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly capacity: Resources;
  readonly allocatable: Resources;
  /** Allocatable local ephemeral storage in bytes, when the instance type says. */
  readonly ephemeralStorage?: number;
  /** Extended resources it advertises (SimulatedCloudOptions.nodeExtendedResources). */
  readonly extendedResources?: Readonly<Record<string, number>>;
  readonly at: number;
}

/** A registering node's `status.capacity` and `status.allocatable`, as its kubelet reports them. */
export function nodeResourceLists(event: Pick<SimulatedNodeReady, 'capacity' | 'allocatable' | 'ephemeralStorage' | 'extendedResources'>): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const storage: Record<string, string> = event.ephemeralStorage !== undefined ? { 'ephemeral-storage': String(event.ephemeralStorage) } : {};
  for (const [name, amount] of Object.entries(event.extendedResources ?? {})) storage[name] = String(amount);
  return { capacity: { ...resourcesToList(event.capacity), ...storage }, allocatable: { ...resourcesToList(event.allocatable), ...storage } };
}

export interface SimulatedNodeTerminated {
  readonly type: 'NodeTerminated';
  readonly providerId: string;
  readonly nodeClaimName: string;
  readonly nodeName: string;
  readonly at: number;
}

export type SimulatedNodeEvent = SimulatedNodeReady | SimulatedNodeTerminated;

export interface SimulatedCloudOptions {
  readonly clock: Clock;
  readonly instanceTypes: readonly InstanceType[];
  /** Launch to Ready, on the clock. Default 60 s. */
  readonly launchDelayMs?: number;
  /** The image new instances boot (`publishImage` changes it). Default `sim-image-1`. */
  readonly image?: string;
  /**
   * Extended resources every node advertises once it runs, as a device plugin on every node would
   * (name → amount). Not part of the instance types: a planner learns them from the nodes.
   */
  readonly nodeExtendedResources?: Readonly<Record<string, number>>;
}

interface Instance {
  claim: NodeClaim;
  readonly nodeName: string;
  /** The image it booted. */
  readonly image: string;
  ready: boolean;
  terminated: boolean;
}

export class SimulatedCloudProvider implements CloudProvider {
  readonly name = 'simulated';
  private readonly clock: Clock;
  private readonly types: readonly InstanceType[];
  private readonly launchDelayMs: number;
  private readonly nodeExtendedResources: Readonly<Record<string, number>> | undefined;
  private readonly instances = new Map<string, Instance>();
  private readonly byClaimName = new Map<string, string>();
  private readonly capacityFailures = new Map<string, number>();
  private readonly listeners = new Set<(event: SimulatedNodeEvent) => void>();
  private sequence = 0;
  private currentImage: string;
  /** Where `interrupt` announces what is about to happen (the controller's interruption loop reads it). */
  readonly interruptions: InMemoryInterruptionQueue;

  constructor(options: SimulatedCloudOptions) {
    this.currentImage = options.image ?? 'sim-image-1';
    this.interruptions = new InMemoryInterruptionQueue(options.clock);
    this.clock = options.clock;
    this.types = options.instanceTypes;
    this.launchDelayMs = options.launchDelayMs ?? DEFAULT_LAUNCH_DELAY_MS;
    this.nodeExtendedResources = options.nodeExtendedResources;
    if (!(this.launchDelayMs >= 0) || !Number.isFinite(this.launchDelayMs)) throw new RangeError(`launchDelayMs must be ≥ 0, got ${options.launchDelayMs}`);
  }

  /** Makes the next `times` launches of an offering fail with insufficient capacity (default: until cleared). */
  injectInsufficientCapacity(ref: OfferingRef, times = Infinity): void {
    this.capacityFailures.set(offeringKey(ref), times);
  }

  clearInsufficientCapacity(): void {
    this.capacityFailures.clear();
  }

  /**
   * A new image for every node class (a release of the OS image): later launches boot it, and the
   * instances on the old one are drifted (`driftOf`) — what a new AMI matching a node class's
   * selector is on EC2.
   */
  publishImage(image: string): void {
    if (typeof image !== 'string' || image.trim() === '') throw new RangeError('image must be a non-empty string');
    this.currentImage = image;
  }

  /**
   * Announces an interruption of the instance on the interruption queue, as EC2's events do: a
   * spot reclaim (default), a scheduled change, a state change, or a rebalance recommendation
   * (only a note). Terminal ones terminate the instance `noticeMs` later (two minutes, EC2's spot
   * notice) unless it is gone by then. Returns the message's receipt.
   */
  interrupt(providerId: string, kind: InterruptionKind = 'SpotInterruption', noticeMs = 120_000): string {
    const instance = this.instances.get(providerId);
    if (!instance || instance.terminated) throw new NodeClaimNotFoundError(providerId);
    const instanceId = providerId.slice(providerId.lastIndexOf('/') + 1);
    const detail = kind === 'SpotInterruption' ? 'spot instance terminate in two minutes' : kind === 'StateChange' ? 'instance stopping' : kind === 'ScheduledChange' ? 'AWS Health scheduled change' : 'spot rebalance recommendation: elevated risk of interruption';
    // A scheduled change says when it starts: at the end of the notice.
    const receipt = this.interruptions.send(kind, [instanceId], detail, kind === 'ScheduledChange' ? this.clock.now() + noticeMs : undefined);
    if (isTerminal(kind)) {
      void this.clock.sleep(noticeMs).then(() => {
        if (this.instances.get(providerId) === instance && !instance.terminated) void this.delete(providerId);
      });
    }
    return receipt;
  }

  get image(): string {
    return this.currentImage;
  }

  /** Instances on another image than the current one have drifted; every known instance is judged. */
  async driftOf(claims: readonly NodeClaim[]): Promise<ReadonlyMap<string, CloudDrift | undefined>> {
    const out = new Map<string, CloudDrift | undefined>();
    for (const claim of claims) {
      const providerId = claim.status.providerId ?? this.byClaimName.get(claim.name);
      const instance = providerId ? this.instances.get(providerId) : undefined;
      if (!instance || instance.terminated) continue;
      out.set(
        claim.name,
        instance.image === this.currentImage ? undefined : { reason: 'ImageDrift', message: `runs ${instance.image}; the current image is ${this.currentImage}` },
      );
    }
    return out;
  }

  /** Hears node facts; returns the unsubscribe function. A throwing listener does not affect others. */
  subscribe(listener: (event: SimulatedNodeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Marks ready every instance whose delay has passed (also happens by itself as the clock moves). */
  reconcile(): void {
    const now = this.clock.now();
    for (const [providerId, instance] of this.instances) {
      if (!instance.ready && !instance.terminated && instance.claim.createdAt + this.launchDelayMs <= now) this.markReady(providerId, instance);
    }
  }

  async create(claim: NodeClaim): Promise<NodeClaim> {
    const existingId = this.byClaimName.get(claim.name);
    const existing = existingId ? this.instances.get(existingId) : undefined;
    if (existing && !existing.terminated) return existing.claim;
    const options = launchOptions(claim, this.types);
    if (options.length === 0) throw new InvalidNodeClaimError(claim.name, 'no instance type offering satisfies its requirements');
    const failed: OfferingRef[] = [];
    for (const option of options) {
      const key = offeringKey(option.ref);
      const failures = this.capacityFailures.get(key) ?? 0;
      if (failures > 0) {
        this.capacityFailures.set(key, failures - 1);
        failed.push(option.ref);
        continue;
      }
      return this.launch(claim, option.type, option.ref, option.offering.pricePerHour);
    }
    throw new InsufficientCapacityError(failed);
  }

  async delete(target: NodeClaim | string): Promise<void> {
    const providerId = providerIdOf(target) ?? (typeof target === 'string' ? undefined : this.byClaimName.get(target.name));
    const instance = providerId ? this.instances.get(providerId) : undefined;
    if (!providerId || !instance || instance.terminated) throw new NodeClaimNotFoundError(providerId ?? String(typeof target === 'string' ? target : target.name));
    instance.terminated = true;
    this.instances.delete(providerId);
    this.byClaimName.delete(instance.claim.name);
    this.emit({ type: 'NodeTerminated', providerId, nodeClaimName: instance.claim.name, nodeName: instance.nodeName, at: this.clock.now() });
  }

  async get(providerId: string): Promise<NodeClaim> {
    const instance = this.instances.get(providerId);
    if (!instance || instance.terminated) throw new NodeClaimNotFoundError(providerId);
    return instance.claim;
  }

  async list(): Promise<NodeClaim[]> {
    return [...this.instances.values()].filter((i) => !i.terminated).map((i) => i.claim);
  }

  async getInstanceTypes(nodePool?: NodePool): Promise<InstanceType[]> {
    return typesForPool(this.types, nodePool);
  }

  private launch(claim: NodeClaim, type: InstanceType, ref: OfferingRef, pricePerHour: number): NodeClaim {
    const now = this.clock.now();
    const serial = (++this.sequence).toString(16).padStart(8, '0');
    const providerId = `sim:///${ref.zone}/i-${serial}`;
    const launched: NodeClaim = {
      ...claim,
      createdAt: now,
      status: {
        ...claim.status,
        providerId,
        instanceType: type.name,
        zone: ref.zone,
        capacityType: ref.capacityType,
        pricePerHour,
        capacity: type.capacity,
        allocatable: type.allocatable,
        conditions: withCondition(claim.status.conditions, { type: 'Launched', status: 'True', reason: 'Launched', lastTransitionTime: now }),
      },
    };
    const instance: Instance = { claim: launched, nodeName: `sim-${ref.zone}-${serial}`, image: this.currentImage, ready: false, terminated: false };
    this.instances.set(providerId, instance);
    this.byClaimName.set(claim.name, providerId);
    // The clock wakes us when the node would be ready; ManualClock does it as tests advance time.
    void this.clock.sleep(this.launchDelayMs).then(() => {
      if (!instance.ready && !instance.terminated) this.markReady(providerId, instance);
    });
    return launched;
  }

  private markReady(providerId: string, instance: Instance): void {
    instance.ready = true;
    const claim = instance.claim;
    const status = claim.status;
    const now = this.clock.now();
    const type = this.types.find((t) => t.name === status.instanceType)!;
    instance.claim = {
      ...claim,
      status: {
        ...status,
        nodeName: instance.nodeName,
        conditions: withCondition(withCondition(status.conditions, { type: 'Registered', status: 'True', lastTransitionTime: now }), {
          type: 'Initialized',
          status: 'True',
          lastTransitionTime: now,
        }),
      },
    };
    this.emit({
      type: 'NodeReady',
      providerId,
      nodeClaimName: claim.name,
      nodeName: instance.nodeName,
      nodePool: claim.spec.nodePool,
      instanceType: type.name,
      zone: status.zone!,
      capacityType: status.capacityType!,
      pricePerHour: status.pricePerHour!,
      labels: {
        ...type.labels,
        ...claim.spec.labels,
        [Labels.zone]: status.zone!,
        [Labels.capacityType]: status.capacityType!,
        [Labels.nodePool]: claim.spec.nodePool,
        [Labels.hostname]: instance.nodeName,
      },
      // As a kubelet registers: the claim's taints and its startup taints.
      taints: [...claim.spec.taints, ...(claim.spec.startupTaints ?? [])],
      capacity: type.capacity,
      allocatable: type.allocatable,
      ...(type.ephemeralStorage !== undefined ? { ephemeralStorage: type.ephemeralStorage } : {}),
      ...(this.nodeExtendedResources ? { extendedResources: this.nodeExtendedResources } : {}),
      at: now,
    });
  }

  private emit(event: SimulatedNodeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the cloud keeps its state.
      }
    }
  }
}
