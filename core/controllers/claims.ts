/** NodeClaim objects the provisioner and the disruption loop create. */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../kube/client.js';
import { Labels } from '../model/labels.js';
import type { NodePool } from '../model/node-pool.js';
import { resourcesToList } from '../model/resources.js';
import type { PlannedNodeClaim } from '../scheduling/types.js';

/** Held on every NodeClaim until its instance is terminated: deleting a claim never leaks the instance. */
export const TERMINATION_FINALIZER = 'smartscale.io/termination';
/** Why a claim was created: `provisioning` (pending or predicted pods) or `replacement` (consolidation, expiry). */
export const CLAIM_REASON_LABEL = 'smartscale.io/claim-reason';

export function claimName(pool: string): string {
  return `${pool.slice(0, 50)}-${randomBytes(4).toString('hex').slice(0, 5)}`;
}

export function nodeClaimObject(planned: PlannedNodeClaim, pool: NodePool, options: { name: string; predicted: boolean; reason: 'provisioning' | 'replacement' }): KubeObject {
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodeClaim',
    metadata: {
      name: options.name,
      labels: { [Labels.nodePool]: pool.name, [CLAIM_REASON_LABEL]: options.reason },
      finalizers: [TERMINATION_FINALIZER],
    },
    spec: {
      nodePool: pool.name,
      ...(pool.nodeClassRef ? { nodeClassRef: pool.nodeClassRef } : {}),
      requirements: planned.requirements.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) })),
      resources: { requests: resourcesToList(planned.requests) },
      instanceTypeOptions: planned.instanceTypeOptions.slice(0, 60).map((o) => o.instanceType),
      taints: pool.taints.map((t) => ({ ...t })),
      labels: { ...pool.labels },
      predicted: options.predicted,
    },
  };
}
