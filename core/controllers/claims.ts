/** NodeClaim objects the provisioner and the disruption loop create. */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../kube/client.js';
import { Labels } from '../model/labels.js';
import type { NodeClaim } from '../model/node-claim.js';
import type { NodePool } from '../model/node-pool.js';
import { resourcesFromList, resourcesToList } from '../model/resources.js';
import type { Requirement } from '../model/requirements.js';
import type { Taint } from '../model/scheduling-constraints.js';
import type { PlannedNodeClaim } from '../scheduling/types.js';

/** Held on every NodeClaim until its instance is terminated: deleting a claim never leaks the instance. */
export const TERMINATION_FINALIZER = 'smartscale.io/termination';
/** Why a claim was created: `provisioning` (pending or predicted pods) or `replacement` (consolidation, expiry). */
export const CLAIM_REASON_LABEL = 'smartscale.io/claim-reason';

/**
 * On a replacement NodeClaim: the nodes the disruption decision replaces, comma-separated. While
 * any of them exists the replacement is not itself disrupted — it is empty until they are drained,
 * and emptiness (consolidateAfter 0, the default) would otherwise delete it first, again and again.
 */
export const REPLACES_ANNOTATION = 'smartscale.io/replaces';

export function claimName(pool: string): string {
  return `${pool.slice(0, 50)}-${randomBytes(4).toString('hex').slice(0, 5)}`;
}

export function nodeClaimObject(planned: PlannedNodeClaim, pool: NodePool, options: { name: string; predicted: boolean; reason: 'provisioning' | 'replacement'; replaces?: readonly string[] }): KubeObject {
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodeClaim',
    metadata: {
      name: options.name,
      labels: { [Labels.nodePool]: pool.name, [CLAIM_REASON_LABEL]: options.reason },
      ...(options.replaces?.length ? { annotations: { [REPLACES_ANNOTATION]: options.replaces.join(',') } } : {}),
      finalizers: [TERMINATION_FINALIZER],
    },
    spec: {
      nodePool: pool.name,
      ...(pool.nodeClassRef ? { nodeClassRef: pool.nodeClassRef } : {}),
      requirements: planned.requirements.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) })),
      resources: { requests: resourcesToList(planned.requests) },
      instanceTypeOptions: planned.instanceTypeOptions.slice(0, 60).map((o) => o.instanceType),
      taints: pool.taints.map((t) => ({ ...t })),
      ...(pool.startupTaints?.length ? { startupTaints: pool.startupTaints.map((t) => ({ ...t })) } : {}),
      labels: { ...pool.labels },
      predicted: options.predicted,
    },
  };
}

/**
 * The labels a claim's Node must carry, as Karpenter's registration step applies them: the
 * launched type's labels (family, size, cpu, …), every label the requirements pin to one value,
 * the pool's labels, and what the launch decided (type, zone, capacity type, pool). The kubelet
 * cannot set most of them itself (it does not know what was decided, and NodeRestriction forbids
 * `*.kubernetes.io` keys), so the controller patches them on after registration.
 */
export function registrationLabels(claim: NodeClaim, typeLabels: Readonly<Record<string, string>> = {}): Record<string, string> {
  const labels: Record<string, string> = { ...typeLabels };
  for (const r of claim.spec.requirements) {
    if (r.operator === 'In' && r.values?.length === 1) labels[r.key] = r.values[0];
  }
  Object.assign(labels, claim.spec.labels, { [Labels.nodePool]: claim.spec.nodePool });
  if (claim.status.instanceType) labels[Labels.instanceType] = claim.status.instanceType;
  if (claim.status.zone) labels[Labels.zone] = claim.status.zone;
  if (claim.status.capacityType) labels[Labels.capacityType] = claim.status.capacityType;
  // The hostname is the kubelet's, whatever a requirement said.
  delete labels[Labels.hostname];
  return labels;
}

/** Of `wanted`, the labels the Node lacks, and those it has with another value (kept: the kubelet's word). */
export function labelChanges(nodeLabels: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): { missing: Record<string, string>; conflicting: Array<{ key: string; node: string; claim: string }> } {
  const missing: Record<string, string> = {};
  const conflicting: Array<{ key: string; node: string; claim: string }> = [];
  for (const [key, value] of Object.entries(wanted)) {
    const current = nodeLabels[key];
    if (current === undefined) missing[key] = value;
    else if (current !== value) conflicting.push({ key, node: current, claim: value });
  }
  return { missing, conflicting };
}

/**
 * The claim's taints the Node lacks (same key and effect), to add once at registration. Only
 * `spec.taints`: startup taints are the kubelet's to register and another agent's to remove, so a
 * Node without one (already removed) must not get it back.
 */
export function missingTaints(nodeTaints: readonly Taint[], claimTaints: readonly Taint[]): Taint[] {
  return claimTaints.filter((t) => !hasTaint(nodeTaints, t));
}

/**
 * What a launch asked for, as a `LaunchBackoff` key: the pool and its requirements but the
 * instance types (the options shift with the pods' sizes; an invalid node class, image or zone
 * is invalid for all of them).
 */
export function hasTaint(taints: readonly Taint[], t: Taint): boolean {
  return taints.some((n) => n.key === t.key && n.effect === t.effect);
}

/** The claim's startup taints still on the Node (its initialization waits until none is left). */
export function remainingStartupTaints(nodeTaints: readonly Taint[], claim: NodeClaim): Taint[] {
  return (claim.spec.startupTaints ?? []).filter((t) => hasTaint(nodeTaints, t));
}

export function launchKey(nodePool: string, requirements: readonly Requirement[]): string {
  const parts = requirements
    .filter((r) => r.key !== Labels.instanceType)
    .map((r) => `${r.key} ${r.operator} ${[...(r.values ?? [])].sort().join(',')}`)
    .sort();
  return `${nodePool}|${parts.join(';')}`;
}

/**
 * Why a NodeClaim must not be launched, or undefined: smartscale launches only claims shaped like
 * its own — naming a NodePool that exists and is valid (a claim made by hand or restored from a
 * backup with no pool, or a deleted one's, would bypass every pool's limits and requirements),
 * with instance type options and readable requests. The CRD's schema rejects most malformed shapes
 * on a real API server; this holds where none checks.
 */
export function claimProblem(object: KubeObject, validPools: ReadonlySet<string>): string | undefined {
  const spec = object.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return 'spec is missing';
  const pool = spec.nodePool;
  if (typeof pool !== 'string' || pool === '') return 'spec.nodePool is empty: smartscale launches only claims of one of its NodePools';
  if (!validPools.has(pool)) return `NodePool ${JSON.stringify(pool.slice(0, 100))} does not exist or is invalid`;
  const options = spec.instanceTypeOptions;
  if (!Array.isArray(options) || options.length === 0 || options.some((o: unknown) => typeof o !== 'string' || o === '')) return 'spec.instanceTypeOptions must list instance type names';
  if (spec.requirements !== undefined && (!Array.isArray(spec.requirements) || spec.requirements.some((r: unknown) => typeof (r as { key?: unknown })?.key !== 'string' || typeof (r as { operator?: unknown })?.operator !== 'string'))) {
    return 'spec.requirements must be a list of {key, operator, values}';
  }
  const requests = spec.resources?.requests;
  if (requests !== undefined && (typeof requests !== 'object' || requests === null || Array.isArray(requests))) return 'spec.resources.requests must be a resource list';
  try {
    resourcesFromList(requests);
  } catch (error) {
    return `spec.resources.requests: ${(error as Error).message}`;
  }
  return undefined;
}
