/**
 * The sandbox scheduler's inter-pod filters, as kube-scheduler applies them (pure):
 * - required pod anti-affinity, both ways: a node is out when its domain (the term's topology key's
 *   value) runs a pod the incoming pod's term selects, or a pod whose own term selects the incoming
 *   pod; terminating pods still count (they still run there);
 * - topology spread with `whenUnsatisfiable: DoNotSchedule`: over the nodes that pass the pod's node
 *   selector and required node affinity (the default nodeAffinityPolicy Honor; taints ignored, the
 *   default nodeTaintsPolicy) and carry every constraint's key, a node is out when placing the pod
 *   there would make its domain's count of matching pods (same namespace, not terminating, on such
 *   nodes) exceed the smallest by more than maxSkew, or when it is not such a node. `minDomains`:
 *   fewer domains than it count as a minimum of 0; `matchLabelKeys` add the pod's own values of
 *   those labels to the selector.
 * `ScheduleAnyway` constraints and preferred terms only score, which the sandbox does not do.
 */
import { labelSelectorMatches, termCoversNamespace, type NamespaceLabels } from '../../model/pod-affinity.js';
import { nodeAdmits } from './placement.js';

type Obj = Record<string, any>;

/** A pod on a node (or assumed there), with that node's labels. */
export interface ScheduledPod {
  readonly nodeName: string;
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

/** A constraint's selector with `matchLabelKeys`: the pod's own values of those keys required too. */
function withMatchLabelKeys(c: Obj, labels: Readonly<Record<string, string>>): unknown {
  const keys: unknown[] = Array.isArray(c.matchLabelKeys) ? c.matchLabelKeys : [];
  const extra = Object.fromEntries(keys.filter((k): k is string => typeof k === 'string' && Object.hasOwn(labels, k)).map((k) => [k, labels[k]]));
  if (Object.keys(extra).length === 0 || !c.labelSelector || typeof c.labelSelector !== 'object') return c.labelSelector;
  return { ...c.labelSelector, matchLabels: { ...(c.labelSelector.matchLabels ?? {}), ...extra } };
}

export function scheduledPod(pod: Obj, nodeName: string, nodeLabels: Readonly<Record<string, string>>): ScheduledPod {
  return {
    nodeName,
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
export function topologyFilter(pod: Obj, nodes: readonly Obj[], placed: readonly ScheduledPod[], namespaceLabels: NamespaceLabels = () => undefined): (node: Obj) => TopologyRejection | undefined {
  const namespace: string = pod.metadata?.namespace ?? 'default';
  const labels: Record<string, string> = pod.metadata?.labels ?? {};
  // Anti-affinity, computed once per pod: the domains (key → values) the pod may not join — those
  // running a pod its own terms select, and those of placed pods whose terms select it.
  // One set of values per key, so a node costs one lookup per key whatever the number of pods.
  const forbiddenByKey = new Map<string, Set<string>>();
  const forbid = (key: string, value: string) => {
    let values = forbiddenByKey.get(key);
    if (!values) forbiddenByKey.set(key, (values = new Set()));
    values.add(value);
  };
  for (const t of antiAffinityTerms(pod.spec)) {
    for (const p of placed) {
      const value = p.nodeLabels[t.topologyKey];
      if (value !== undefined && termCoversNamespace(t, namespace, p.namespace, namespaceLabels) && labelSelectorMatches(t.labelSelector, p.labels)) forbid(t.topologyKey, value);
    }
  }
  for (const p of placed) {
    for (const t of p.antiAffinity) {
      const value = p.nodeLabels[t.topologyKey];
      if (value !== undefined && termCoversNamespace(t, p.namespace, namespace, namespaceLabels) && labelSelectorMatches(t.labelSelector, labels)) forbid(t.topologyKey, value);
    }
  }
  const forbidden = [...forbiddenByKey].map(([key, values]) => ({ key, values }));
  const spread = (Array.isArray(pod.spec?.topologySpreadConstraints) ? pod.spec.topologySpreadConstraints : []).filter(
    (c: Obj) => typeof c?.topologyKey === 'string' && (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule',
  );
  const keys: string[] = spread.map((c: Obj) => c.topologyKey);
  const admits = { spec: { ...pod.spec, tolerations: [{ operator: 'Exists' }] } };
  const eligible = spread.length > 0 ? nodes.filter((n) => keys.every((k) => n.metadata?.labels?.[k] !== undefined) && nodeAdmits(admits, n)) : [];
  const eligibleNames = new Set(eligible.map((n) => n.metadata?.name));
  const limits = spread.map((c: Obj) => {
    const key: string = c.topologyKey;
    const selector = withMatchLabelKeys(c, labels);
    const counts = new Map<string, number>();
    for (const n of eligible) counts.set(n.metadata.labels[key], 0);
    for (const p of placed) {
      const d = p.nodeLabels[key];
      if (!p.terminating && eligibleNames.has(p.nodeName) && p.namespace === namespace && labelSelectorMatches(selector, p.labels)) counts.set(d, counts.get(d)! + 1);
    }
    const minDomains = Number(c.minDomains) > 0 ? Number(c.minDomains) : 1;
    const min = counts.size < minDomains ? 0 : Math.min(...counts.values());
    return { key, counts, min, maxSkew: Number(c.maxSkew) > 0 ? Number(c.maxSkew) : 1, self: labelSelectorMatches(selector, labels) ? 1 : 0 };
  });
  return (node) => {
    const nodeLabels: Record<string, string> = node.metadata?.labels ?? {};
    for (const f of forbidden) if (f.values.has(nodeLabels[f.key])) return 'PodAntiAffinity';
    if (limits.length > 0 && !eligibleNames.has(node.metadata?.name)) return 'TopologySpread';
    for (const l of limits) if (l.counts.get(nodeLabels[l.key])! + l.self - l.min > l.maxSkew) return 'TopologySpread';
    return undefined;
  };
}
