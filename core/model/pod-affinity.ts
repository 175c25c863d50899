/**
 * Required pod affinity (attraction) as node requirements. A pod with
 * `podAffinity.requiredDuringSchedulingIgnoredDuringExecution` may only run in a topology domain
 * (a zone, a node, any node label) that already runs a pod its term selects. The planner does not
 * model attraction between the pods it places; but the domains where matching pods run now are
 * known, so each term becomes a requirement `topologyKey In [those domains]`, ANDed into the pod's
 * required node affinity. A zone term then lets a new node be launched in a matching zone; a
 * hostname term only admits the existing nodes that run a match (a new node has no such hostname).
 *
 * As kube-scheduler does, when no running pod satisfies any of its terms, a pod whose own labels
 * match every term is the first of a group that attracts itself: no requirement, but the keys are
 * returned (`firstOfGroup`) — on the zone key the planner then keeps the class in one zone, since
 * the scheduler places the first pod anywhere and the rest must follow it. Otherwise a term
 * nothing satisfies (even next to terms that are satisfied) is a problem: the pod is not planned; so
 * is a term with a `namespaceSelector` when the caller gives no namespace labels to read — except
 * that, when the caller asks (`inFlight`), zone terms nothing placed satisfies are returned as
 * questions for the pods planned in the same pass (`awaits`): the solver plans the pod in one zone
 * with such pods (core/scheduling/in-flight-affinity.ts), or not at all. A hostname term only placed
 * pods satisfy (the pod follows them on a later pass). Pure.
 */
import { canonicalLabelKey, Labels } from './labels.js';
import type { ZoneAffinityQuestion } from './pod.js';
import { labelSatisfies, type Requirement, type RequirementOperator } from './requirements.js';

const SELECTOR_OPERATORS: ReadonlySet<unknown> = new Set<RequirementOperator>(['In', 'NotIn', 'Exists', 'DoesNotExist']);

type Obj = Record<string, any>;

/** A pod bound to a node, with that node's labels. */
export interface PlacedPod {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly nodeLabels: Readonly<Record<string, string>>;
}

export type PodAffinityTopology =
  | {
      readonly ok: true;
      readonly terms: readonly (readonly Requirement[])[] | undefined;
      /** The first of a self-attracting group: the topology keys its pods must share one domain of. */
      readonly firstOfGroup?: readonly string[];
      /** With `firstOfGroup`: who belongs to the group (pods with the same terms in the same namespace). */
      readonly group?: string;
      /** With a hostname key in `firstOfGroup`: the group that must share one node (its hostname terms in the namespace). */
      readonly nodeGroup?: string;
      /**
       * With `inFlight`: zone terms no placed pod satisfies, for pods planned in the same pass to
       * satisfy (the solver joins the pod to them or leaves it unplanned).
       */
      readonly awaits?: readonly ZoneAffinityQuestion[];
    }
  | { readonly ok: false; readonly problem: string };

function asRecord(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/** Whether a Kubernetes label selector (matchLabels and matchExpressions) selects `labels`; an empty one selects everything. */
export function labelSelectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = asRecord(selector);
  if (!s) return false; // a null selector selects nothing (Kubernetes' rule for affinity terms)
  const own = (key: string) => (Object.hasOwn(labels, key) ? labels[key] : undefined);
  for (const [k, v] of Object.entries(asRecord(s.matchLabels) ?? {})) if (own(k) !== v) return false;
  for (const e of Array.isArray(s.matchExpressions) ? s.matchExpressions : []) {
    const r = asRecord(e);
    // A label selector knows the four set operators (no Gt/Lt, which are node selectors' only).
    if (typeof r?.key !== 'string' || !SELECTOR_OPERATORS.has(r.operator)) return false;
    const values = Array.isArray(r.values) ? r.values.filter((v: unknown): v is string => typeof v === 'string') : [];
    if (!labelSatisfies({ key: r.key, operator: r.operator, values }, own(r.key))) return false;
  }
  return true;
}

/** A namespace's labels, as the caller knows them (undefined: not known). */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

/**
 * Whether a pod (anti-)affinity term of a pod in `ownerNamespace` looks in `namespace`, as
 * kube-scheduler reads it: the namespaces it lists, together with those its namespaceSelector
 * selects (an empty one: all); neither: the owner's own.
 */
export function termCoversNamespace(term: unknown, ownerNamespace: string, namespace: string, namespaceLabels: NamespaceLabels): boolean {
  const t = asRecord(term);
  const selector = asRecord(t?.namespaceSelector);
  if (selector && Object.keys(selector).length === 0) return true;
  const listed: unknown[] = Array.isArray(t?.namespaces) ? t!.namespaces : [];
  if (listed.includes(namespace)) return true;
  if (selector) return labelSelectorMatches(selector, namespaceLabels(namespace) ?? {});
  return listed.length === 0 && namespace === ownerNamespace;
}

/**
 * The pods on nodes, with the answers already computed: the pods of one Deployment ask the same
 * question (same namespaces, selector and topology key), so a pass over thousands of attracted pods
 * walks the placed pods once per distinct question, not once per pod.
 */
export class PlacedPods {
  private readonly memo = new Map<string, readonly string[]>();
  private namespaceSet: Set<string> | undefined;
  constructor(readonly pods: readonly PlacedPod[]) {}

  /** The namespaces the placed pods are in. */
  namespaces(): ReadonlySet<string> {
    this.namespaceSet ??= new Set(this.pods.map((p) => p.namespace));
    return this.namespaceSet;
  }

  /** The `key` values of the nodes that run a pod `selector` selects in `namespaces` ('all': any). */
  domains(key: string, namespaces: readonly string[] | 'all', selector: unknown): readonly string[] {
    const id = JSON.stringify([key, namespaces, selector ?? null]);
    let found = this.memo.get(id);
    if (!found) {
      const scope = namespaces === 'all' ? undefined : new Set(namespaces);
      const domains = new Set<string>();
      for (const p of this.pods) {
        const domain = p.nodeLabels[key];
        if (domain !== undefined && (!scope || scope.has(p.namespace)) && labelSelectorMatches(selector, p.labels)) domains.add(domain);
      }
      found = [...domains].sort();
      this.memo.set(id, found);
    }
    return found;
  }
}

/** The pod's required node affinity (`podTerms`, ORed) with its required pod affinity joined in. */
export function podAffinityTopology(
  namespace: string,
  labels: Readonly<Record<string, string>>,
  spec: unknown,
  podTerms: readonly (readonly Requirement[])[] | undefined,
  placedPods: readonly PlacedPod[] | PlacedPods,
  /** A namespace's labels (for terms with a namespaceSelector); without it such terms are refused. */
  namespaceLabels?: NamespaceLabels,
  /**
   * Pods planned in the same pass may satisfy zone terms nothing placed satisfies (`awaits`);
   * `namespaces`: the cluster's namespaces, for terms that select them by label.
   */
  inFlight?: { readonly namespaces: readonly string[] },
): PodAffinityTopology {
  const placed = placedPods instanceof PlacedPods ? placedPods : new PlacedPods(placedPods);
  const base = podTerms && podTerms.length > 0 ? podTerms : undefined;
  const raw = asRecord(asRecord(asRecord(spec)?.affinity)?.podAffinity)?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!Array.isArray(raw) || raw.length === 0) return { ok: true, terms: base };
  const extra: Requirement[] = [];
  /** Topology keys of terms no running pod satisfies; whether the pod matches every term itself. */
  const unmatched: string[] = [];
  /** The unmatched terms as questions for pods in flight (undefined: one of them cannot be asked). */
  let questions: ZoneAffinityQuestion[] | undefined = inFlight ? [] : undefined;
  let selfMatchesAll = true;
  for (const t of raw) {
    const term = asRecord(t);
    const key = term?.topologyKey;
    if (typeof key !== 'string' || key === '') continue; // the API server refuses such a term
    // The namespaces it looks in (termCoversNamespace), among its own, those listed and those of the placed pods.
    const selector = asRecord(term!.namespaceSelector);
    const allNamespaces = selector !== undefined && Object.keys(selector).length === 0;
    if (selector && !allNamespaces && !namespaceLabels) return { ok: false, problem: `required pod affinity with a namespaceSelector is not supported here (topology key ${key})` };
    const listed: string[] = Array.isArray(term!.namespaces) ? term!.namespaces.map(String) : [];
    const lookup = namespaceLabels ?? (() => undefined);
    const namespaces = [...new Set([namespace, ...listed, ...placed.namespaces()])].filter((ns) => termCoversNamespace(term, namespace, ns, lookup)).sort();
    const inScope = allNamespaces || namespaces.includes(namespace);
    const domains = placed.domains(key, allNamespaces ? 'all' : namespaces, term!.labelSelector);
    if (!(inScope && labelSelectorMatches(term!.labelSelector, labels))) selfMatchesAll = false;
    if (domains.length > 0) extra.push({ key, operator: 'In', values: [...domains] });
    else {
      unmatched.push(key);
      if (questions && canonicalLabelKey(key) === Labels.zone) {
        // Only a selector with labels needs the cluster's namespaces read; otherwise its own or those listed.
        const candidates = selector ? [namespace, ...listed, ...inFlight!.namespaces] : [namespace, ...listed];
        const scope = allNamespaces ? 'all' : [...new Set(candidates)].filter((ns) => termCoversNamespace(term, namespace, ns, lookup)).sort();
        questions.push({ topologyKey: key, namespaces: scope, labelSelector: term!.labelSelector ?? null });
      } else questions = undefined; // another key: only placed pods can satisfy it
    }
  }
  // kube-scheduler lets a term nothing satisfies pass only for the first pod of a group: when no
  // term has a match anywhere and the pod matches every term itself. Else it cannot be placed.
  if (unmatched.length > 0) {
    if (extra.length === 0 && selfMatchesAll) {
      // The group: its namespace and its zone terms (pods that list other terms besides, a hostname
      // one say, still follow the same first pod into its zone).
      const termsOn = (key: string) => raw.filter((t) => typeof asRecord(t)?.topologyKey === 'string' && canonicalLabelKey(t.topologyKey) === key).map((t) => [t.labelSelector ?? null, t.namespaces ?? null, t.namespaceSelector ?? null]);
      const hostTerms = termsOn(Labels.hostname);
      return {
        ok: true,
        terms: base,
        firstOfGroup: [...new Set(unmatched)].sort(),
        group: JSON.stringify([namespace, termsOn(Labels.zone)]),
        ...(hostTerms.length > 0 ? { nodeGroup: JSON.stringify([namespace, hostTerms]) } : {}),
      };
    }
    const problem = `no running pod matches its required pod affinity (topology key ${unmatched[0]})`;
    if (!questions) return { ok: false, problem };
    return { ok: true, terms: withTerms(base, extra), awaits: questions };
  }
  return { ok: true, terms: withTerms(base, extra) };
}

/** The node terms (ORed) with `extra` ANDed into each. */
function withTerms(base: readonly (readonly Requirement[])[] | undefined, extra: readonly Requirement[]): readonly (readonly Requirement[])[] | undefined {
  if (extra.length === 0) return base;
  return base ? base.map((term) => [...term, ...extra]) : [extra];
}
