/**
 * Instance types and their offerings: plain data with small pure helpers.
 * An offering is one way to buy a type: a zone and a capacity type at a price.
 */
import type { HostPort } from './host-ports.js';
import type { Arch, CapacityType } from './labels.js';
import type { Resources } from './resources.js';

export interface Offering {
  readonly zone: string;
  readonly capacityType: CapacityType;
  /** USD per hour. */
  readonly pricePerHour: number;
  /** False when the cloud says it cannot sell it now (kept so reports can say why). */
  readonly available: boolean;
}

export interface InstanceType {
  /** e.g. `m5.large`; also the value of `node.kubernetes.io/instance-type`. */
  readonly name: string;
  readonly arch: Arch;
  /**
   * Labels every node of this type carries, Karpenter keys (instance family, size, category,
   * generation, cpu, memory, gpu count, arch, instance type). Zone and capacity type are per
   * offering and are not here.
   */
  readonly labels: Readonly<Record<string, string>>;
  /** Raw machine size (vCPU × 1000, memory). Node pool limits count this, like Karpenter. */
  readonly capacity: Resources;
  /** What pods can use: capacity minus kube-reserved, eviction threshold and VM overhead. */
  readonly allocatable: Resources;
  readonly offerings: readonly Offering[];
  /**
   * The host ports the DaemonSets bind on a new node of this type (set on a pool's planning view
   * only, core/model/daemonset-overhead.ts; ADR 114): a pod binding one of them cannot run there.
   */
  readonly daemonSetHostPorts?: readonly HostPort[];
  /**
   * Allocatable local ephemeral storage of a new node, in bytes: set on a pool's planning view where
   * the cloud knows the node's root volume (EC2: its node class's block devices), less the
   * DaemonSets' requests. Absent: not counted.
   */
  readonly ephemeralStorage?: number;
  /**
   * Extended resources a new node of this type offers, name → amount, for the names counted (set on
   * a pool's planning view; the solver learns them from the pool's nodes, ADR 116). A name not
   * listed is not counted.
   */
  readonly extendedResources?: Readonly<Record<string, number>>;
}

/** Identifies an offering across the system (`m5.large/us-east-1a/spot`). */
export interface OfferingRef {
  readonly instanceType: string;
  readonly zone: string;
  readonly capacityType: CapacityType;
}

export function offeringKey(ref: OfferingRef): string {
  return `${ref.instanceType}/${ref.zone}/${ref.capacityType}`;
}

export function parseOfferingKey(key: string): OfferingRef | undefined {
  const [instanceType, zone, capacityType, extra] = key.split('/');
  if (extra !== undefined || !instanceType || !zone) return undefined;
  if (capacityType !== 'on-demand' && capacityType !== 'spot') return undefined;
  return { instanceType, zone, capacityType };
}

/** The cheapest offering among those given (ties broken by zone then capacity type, so it is deterministic). */
export function cheapestOffering(offerings: readonly Offering[]): Offering | undefined {
  let best: Offering | undefined;
  for (const o of offerings) {
    if (
      !best ||
      o.pricePerHour < best.pricePerHour ||
      (o.pricePerHour === best.pricePerHour && (o.zone < best.zone || (o.zone === best.zone && o.capacityType < best.capacityType)))
    ) {
      best = o;
    }
  }
  return best;
}

export function availableOfferings(type: InstanceType, excluded?: ReadonlySet<string>): Offering[] {
  return type.offerings.filter(
    (o) => o.available && !(excluded && excluded.has(offeringKey({ instanceType: type.name, zone: o.zone, capacityType: o.capacityType }))),
  );
}
