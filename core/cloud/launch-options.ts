/**
 * Which offerings can launch a node claim, in the order a provider should try them: every
 * (type, offering) whose type is among the claim's options and whose labels, zone and capacity
 * type satisfy the claim's requirements, cheapest first (ties: the claim's option order, then
 * zone). Shared by every provider so they all read a claim the same way.
 */
import { offeringKey, type InstanceType, type Offering, type OfferingRef } from '../model/instance-type.js';
import { Labels } from '../model/labels.js';
import type { NodeClaim } from '../model/node-claim.js';
import type { NodePool } from '../model/node-pool.js';
import { labelSatisfies, type Requirement } from '../model/requirements.js';

export interface LaunchOption {
  readonly type: InstanceType;
  readonly offering: Offering;
  readonly ref: OfferingRef;
}

function offeringLabel(key: string, type: InstanceType, offering: Offering, pool?: string): string | undefined {
  if (key === Labels.zone) return offering.zone;
  if (key === Labels.capacityType) return offering.capacityType;
  if (key === Labels.nodePool && pool !== undefined) return pool;
  return type.labels[key];
}

export function satisfiesRequirements(requirements: readonly Requirement[], type: InstanceType, offering: Offering, pool?: string): boolean {
  for (const r of requirements) {
    // Labels the pool puts on the node (not on the type) cannot be checked here; the solver did.
    if (r.key !== Labels.zone && r.key !== Labels.capacityType && r.key !== Labels.nodePool && !(r.key in type.labels) && r.operator !== 'DoesNotExist') continue;
    if (!labelSatisfies(r, offeringLabel(r.key, type, offering, pool))) return false;
  }
  return true;
}

export function launchOptions(claim: NodeClaim, types: readonly InstanceType[]): LaunchOption[] {
  const byName = new Map(types.map((t) => [t.name, t]));
  const names = claim.spec.instanceTypeOptions.length > 0 ? claim.spec.instanceTypeOptions : types.map((t) => t.name);
  const rank = new Map(names.map((n, i) => [n, i]));
  const options: LaunchOption[] = [];
  for (const name of names) {
    const type = byName.get(name);
    if (!type) continue;
    for (const offering of type.offerings) {
      if (!offering.available) continue;
      if (!satisfiesRequirements(claim.spec.requirements, type, offering, claim.spec.nodePool)) continue;
      options.push({ type, offering, ref: { instanceType: type.name, zone: offering.zone, capacityType: offering.capacityType } });
    }
  }
  options.sort(
    (a, b) =>
      a.offering.pricePerHour - b.offering.pricePerHour ||
      rank.get(a.type.name)! - rank.get(b.type.name)! ||
      (offeringKey(a.ref) < offeringKey(b.ref) ? -1 : 1),
  );
  return options;
}

/** Types a pool may use: those with at least one offering meeting the pool's requirements. */
export function typesForPool(types: readonly InstanceType[], pool?: NodePool): InstanceType[] {
  if (!pool) return [...types];
  return types.filter((t) => t.offerings.some((o) => satisfiesRequirements(pool.requirements, t, o, pool.name)));
}
