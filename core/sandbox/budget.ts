/**
 * PodDisruptionBudget arithmetic, pure: how many matching pods are healthy, how many must stay
 * healthy, and so how many may be disrupted now. Used by the eviction subresource and by the
 * simulated disruption controller that writes PDB status.
 */
import { labelSelectorObjectRequirements, labelsMatch } from './apiserver/selectors.js';

type Obj = Record<string, any>;

export interface BudgetState {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
}

export function isPodReady(pod: Obj): boolean {
  return (pod.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
}

function intOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = typeof value === 'string' ? value.match(/^(\d+)%$/) : null;
  if (m) {
    const v = (Number(m[1]) * total) / 100;
    return roundUp ? Math.ceil(v) : Math.floor(v);
  }
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return 0;
}

/** What the disruption controller would write in a PDB's status, computed from the pods now. */
/**
 * The pods a budget expects: like the real disruption controller, the desired replicas of the
 * matching pods' controllers (so a pod that was just evicted and not yet replaced still counts),
 * or the number of matching pods when their controllers are unknown.
 */
export function expectedPodCount(matching: Obj[], controllerReplicas: (namespace: string, kind: string, name: string) => number | undefined): number {
  const owners = new Map<string, number | undefined>();
  let orphans = 0;
  for (const p of matching) {
    const ref = (p.metadata.ownerReferences ?? []).find((r: Obj) => r.controller);
    if (!ref) {
      orphans++;
      continue;
    }
    const key = `${ref.kind}/${ref.name}`;
    if (!owners.has(key)) owners.set(key, controllerReplicas(p.metadata.namespace, ref.kind, ref.name));
  }
  let total = orphans;
  for (const [key, replicas] of owners) {
    if (replicas === undefined) total += matching.filter((p) => (p.metadata.ownerReferences ?? []).some((r: Obj) => r.controller && `${r.kind}/${r.name}` === key)).length;
    else total += replicas;
  }
  return total;
}

export function budgetState(pdb: Obj, pods: Obj[], controllerReplicas?: (namespace: string, kind: string, name: string) => number | undefined): BudgetState {
  const reqs = labelSelectorObjectRequirements(pdb.spec?.selector ?? {});
  const matching = pods.filter((p) => !p.metadata.deletionTimestamp && labelsMatch(reqs, p.metadata.labels));
  const expectedPods = controllerReplicas ? Math.max(matching.length, expectedPodCount(matching, controllerReplicas)) : matching.length;
  const currentHealthy = matching.filter(isPodReady).length;
  let desiredHealthy: number;
  if (pdb.spec?.maxUnavailable !== undefined) desiredHealthy = Math.max(0, expectedPods - intOrPercent(pdb.spec.maxUnavailable, expectedPods, true));
  else desiredHealthy = intOrPercent(pdb.spec?.minAvailable ?? 1, expectedPods, true);
  return { expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy) };
}

