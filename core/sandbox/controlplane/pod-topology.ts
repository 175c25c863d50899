/**
 * The sandbox scheduler's inter-pod filters, as kube-scheduler applies them (pure):
 * - required pod anti-affinity, both ways: a node is out when its domain (the term's topology key's
 *   value) runs a pod the incoming pod's term selects, or a pod whose own term selects the incoming
 *   pod; terminating pods still count (they still run there);
 * - topology spread with `whenUnsatisfiable: DoNotSchedule`: over the domains of the nodes that pass
 *   the pod's node selector and required node affinity (the default nodeAffinityPolicy Honor; taints
 *   ignored, the default nodeTaintsPolicy), a node is out when placing the pod there would make its
 *   domain's count of matching pods (same namespace, not terminating) exceed the smallest by more
 *   than maxSkew, or when it lacks the key. `minDomains`: fewer domains than it count as a minimum of 0.
 * `ScheduleAnyway` constraints and preferred terms only score, which the sandbox does not do.
 */
import { labelSelectorMatches } from '../../model/pod-affinity.js';
import { nodeAdmits } from './placement.js';

type Obj = Record<string, any>;

/** A pod on a node (or assumed there), with that node's labels. */
export interface ScheduledPod {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly nodeLabels: Readonly<Record<string, string>>;
  readonly terminating: boolean;
  /** Its required anti-affinity terms. */
  readonly antiAffinity: readonly Obj[];
}

export type TopologyRejection = 'PodAntiAffinity' | 'TopologySpread';

function antiAffinityTerms(spec: Obj | undefined): Obj[] {
  const terms = spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(terms) ? terms.filter((t: Obj) => typeof t?.topologyKey === 'string' && t.topologyKey !== '') : [];
}

/** The namespaces a term looks in: its own list, all with an empty namespaceSelector, else the pod's. */
function inScope(term: Obj, ownerNamespace: string, namespace: string): boolean {
  if (term.namespaceSelector && typeof term.namespaceSelector === 'object' && Object.keys(term.namespaceSelector).length === 0) return true;
  const listed: unknown[] = Array.isArray(term.namespaces) && term.namespaces.length > 0 ? term.namespaces : [ownerNamespace];
  return listed.includes(namespace);
}

export function scheduledPod(pod: Obj, nodeLabels: Readonly<Record<string, string>>): ScheduledPod {
  return {
    namespace: pod.metadata?.namespace ?? 'default',
    labels: pod.metadata?.labels ?? {},
    nodeLabels,
    terminating: Boolean(pod.metadata?.deletionTimestamp),
    antiAffinity: antiAffinityTerms(pod.spec),
  };
}

/**
 * The filter for one pod: for a node, why it is out, or undefined. `nodes`: every node (the spread's
 * domains); `placed`: the pods on nodes.
 */
export function topologyFilter(pod: Obj, nodes: readonly Obj[], placed: readonly ScheduledPod[]): (node: Obj) => TopologyRejection | undefined {
  const namespace: string = pod.metadata?.namespace ?? 'default';
  const labels: Record<string, string> = pod.metadata?.labels ?? {};
  const own = antiAffinityTerms(pod.spec);
  const against = placed.flatMap((p) => p.antiAffinity.filter((t) => inScope(t, p.namespace, namespace) && labelSelectorMatches(t.labelSelector, labels)).map((t) => ({ key: t.topologyKey as string, value: p.nodeLabels[t.topologyKey] })));
  const spread = (Array.isArray(pod.spec?.topologySpreadConstraints) ? pod.spec.topologySpreadConstraints : []).filter(
    (c: Obj) => typeof c?.topologyKey === 'string' && (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule',
  );
  const eligible = spread.length > 0 ? nodes.filter((n) => nodeAdmits({ spec: { ...pod.spec, tolerations: [{ operator: 'Exists' }] } }, n)) : [];
  const limits = spread.map((c: Obj) => {
    const key: string = c.topologyKey;
    const counts = new Map<string, number>();
    for (const n of eligible) {
      const d = n.metadata?.labels?.[key];
      if (d !== undefined) counts.set(d, 0);
    }
    for (const p of placed) {
      const d = p.nodeLabels[key];
      if (!p.terminating && d !== undefined && counts.has(d) && p.namespace === namespace && labelSelectorMatches(c.labelSelector, p.labels)) counts.set(d, counts.get(d)! + 1);
    }
    const minDomains = Number(c.minDomains) > 0 ? Number(c.minDomains) : 1;
    const min = counts.size < minDomains ? 0 : Math.min(...counts.values());
    return { key, counts, min, maxSkew: Number(c.maxSkew) > 0 ? Number(c.maxSkew) : 1, self: labelSelectorMatches(c.labelSelector, labels) ? 1 : 0 };
  });
  return (node) => {
    const nodeLabels: Record<string, string> = node.metadata?.labels ?? {};
    for (const t of own) {
      const value = nodeLabels[t.topologyKey];
      if (value === undefined) continue;
      if (placed.some((p) => p.nodeLabels[t.topologyKey] === value && inScope(t, namespace, p.namespace) && labelSelectorMatches(t.labelSelector, p.labels))) return 'PodAntiAffinity';
    }
    for (const a of against) if (a.value !== undefined && nodeLabels[a.key] === a.value) return 'PodAntiAffinity';
    for (const l of limits) {
      const d = nodeLabels[l.key];
      if (d === undefined || !l.counts.has(d)) return 'TopologySpread';
      if (l.counts.get(d)! + l.self - l.min > l.maxSkew) return 'TopologySpread';
    }
    return undefined;
  };
}
