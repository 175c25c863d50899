/**
 * Cloud drift (leader, every 5 minutes): asks the cloud provider which running nodes no longer match
 * what their node class would launch now — a newer image selected (a new AMI release, an edited
 * selector), subnets or security groups no longer selected, an edited node class — and records the
 * answer as a `Drifted` condition on each NodeClaim (True with the reason and what changed; removed
 * when the instance matches again, e.g. the image was rolled back). The disruption loop reads the
 * condition and replaces drifted nodes like expired ones (core/disruption/drift.ts): replacements
 * first, PDBs, and the pool's budgets for the `Drifted` reason — a budget of `nodes: "0"` for
 * `Drifted` holds a rollout back. Drift of the NodePool itself (labels, taints, requirements) needs
 * no cloud call and is judged by the planner from the claim directly.
 *
 * Only initialized claims that are not being deleted are asked about; a provider without `driftOf`
 * (or one that cannot judge a claim: its node class missing or resolving to nothing) leaves the
 * conditions as they are. Recording a condition changes nothing by itself, so it is done in observe
 * mode too: `kubectl get nodeclaims -o wide` and `kubectl smartscale nodes` show it.
 */
import type { CloudDrift } from '../cloud/provider.js';
import { Refs } from '../kube/refs.js';
import { patchStatusWithRetry } from '../kube/patch.js';
import { isConditionTrue, nodeClaimCondition, withCondition, withoutCondition, type NodeClaim } from '../model/node-claim.js';
import type { Loop } from './loop.js';
import type { NodeLoopDependencies } from './loop-dependencies.js';
import { nodeClaimRef } from './node-claim-lifecycle.js';
import { nodeClaimFromObject, withConditionObject } from './objects.js';

export type CloudDriftOptions = Omit<NodeLoopDependencies, 'unavailable'>;

export const DEFAULT_CLOUD_DRIFT_INTERVAL_MS = 5 * 60_000;

/** The claim's conditions with the drift the cloud reported; undefined when nothing changes. */
export function driftConditions(claim: NodeClaim, drift: CloudDrift | undefined, now: number): NodeClaim['status']['conditions'] | undefined {
  const have = nodeClaimCondition(claim, 'Drifted');
  if (!drift) return have ? withoutCondition(claim.status.conditions, 'Drifted') : undefined;
  if (have?.status === 'True' && have.reason === drift.reason && have.message === drift.message) return undefined;
  const since = have?.status === 'True' ? have.lastTransitionTime : now;
  return withCondition(claim.status.conditions, { type: 'Drifted', status: 'True', reason: drift.reason, message: drift.message, lastTransitionTime: since });
}

export class CloudDriftLoop implements Loop {
  readonly name = 'cloud-drift';
  readonly leaderOnly = true;
  readonly intervalMs: number;

  constructor(private readonly options: CloudDriftOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_CLOUD_DRIFT_INTERVAL_MS;
  }

  async reconcile(): Promise<void> {
    const { cloud, client, state, clock, events, controllerMetrics: m } = this.options;
    if (!cloud.driftOf) return;
    const claims = state
      .claims()
      .filter(({ object, claim }) => !object.metadata.deletionTimestamp && claim.status.providerId && isConditionTrue(claim, 'Initialized'))
      .map(({ claim }) => claim);
    if (claims.length === 0) return;
    const judged = await cloud.driftOf(claims);
    let failure: unknown;
    for (const claim of claims) {
      if (!judged.has(claim.name)) continue;
      const drift = judged.get(claim.name);
      if (!driftConditions(claim, drift, clock.now())) continue;
      let became = false;
      let wrote = false;
      try {
        // Read-modify-write of the status: only the Drifted entry changes, every other condition
        // stays as it is stored (other loops own them).
        wrote = await patchStatusWithRetry(client, Refs.nodeClaims, claim.name, undefined, (fresh) => {
          if (fresh.metadata.deletionTimestamp) return undefined;
          const current = nodeClaimFromObject(fresh);
          const conditions = driftConditions(current, drift, clock.now());
          if (!conditions) return undefined;
          became = Boolean(drift) && nodeClaimCondition(current, 'Drifted')?.status !== 'True';
          const next = conditions.find((c) => c.type === 'Drifted');
          return { ...fresh.status, conditions: withConditionObject(fresh.status, 'Drifted', next) };
        });
      } catch (error) {
        // One claim's failure (conflicts in a row, a rejected write) does not hold back the others.
        m.action(this.name, 'write-failed');
        failure ??= error;
        continue;
      }
      if (!wrote) continue;
      if (drift && became) {
        m.action(this.name, 'drifted');
        events.emit({ object: nodeClaimRef(claim.name), type: 'Normal', reason: 'Drifted', message: `${drift.reason}: the instance ${drift.message}` });
      } else if (!drift) m.action(this.name, 'undrifted');
    }
    if (failure) throw failure;
  }
}
