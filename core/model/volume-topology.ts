/**
 * Where a pod's persistent volumes let it run (volume topology). A zonal volume — an EBS volume, or
 * a volume a WaitForFirstConsumer StorageClass will create in one of its allowed zones — can only be
 * attached in its zone: a node launched elsewhere would never run the pod, and the provisioner would
 * go on launching for it. So the requirements the volumes imply join the pod's required node
 * affinity before it is planned, as kube-scheduler's VolumeBinding plugin checks them when it binds.
 *
 * Per volume that names a PersistentVolumeClaim (`persistentVolumeClaim.claimName`, or a generic
 * ephemeral volume, whose claim is `<pod>-<volume>`):
 * - the claim is bound (`spec.volumeName`): the PersistentVolume's `nodeAffinity.required` terms,
 *   one alternative per term (terms are ORed). A local or hostPath volume's hostname requirement is
 *   left out: the pod can be planned elsewhere only by giving the volume up, which is the user's
 *   call, and keeping it would forbid every new node;
 * - unbound: its StorageClass's `allowedTopologies`, one alternative per term (each expression an
 *   `In`); no allowed topologies = anywhere the provisioner can reach. Only for a
 *   `WaitForFirstConsumer` class: with `Immediate` (the API's default) the volume is made when the
 *   claim is, in a zone of the provisioner's choosing, and kube-scheduler refuses the pod until the
 *   claim is bound ("pod has unbound immediate PersistentVolumeClaims"), so it is a problem until
 *   then (a node planned now could be in another zone than the volume will be); The class is the claim's
 *   `storageClassName`; without one, the cluster's default class (the annotation
 *   `storageclass.kubernetes.io/is-default-class`), as the DefaultStorageClass admission plugin
 *   sets it;
 * - a pod template (a Deployment's predicted pods) has no pods yet, so a generic ephemeral volume's
 *   claim is read from its `volumeClaimTemplate`.
 *
 * A pod whose claim, volume or class does not exist cannot be scheduled until it does; it is reported
 * (`problem`) rather than planned, as Karpenter does. Several volumes AND their alternatives with the
 * pod's own terms: the result is their cross product, capped at `MAX_TERMS`. Pure: the lookups are
 * the caller's (the controller's informers).
 */
import { canonicalLabelKey, Labels } from './labels.js';
import { REQUIREMENT_OPERATORS, type Requirement, type RequirementOperator } from './requirements.js';

type Obj = Record<string, any>;

/** Reads the objects volume topology depends on; undefined when absent. */
export interface VolumeLookup {
  claim(namespace: string, name: string): Obj | undefined;
  volume(name: string): Obj | undefined;
  storageClass(name: string): Obj | undefined;
  /** The class marked default (the newest, when several are: the admission plugin's choice). */
  defaultStorageClass(): Obj | undefined;
}

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

/** The most node-affinity terms a pod carries after its volumes are joined in. */
export const MAX_TERMS = 64;

export type VolumeTopology =
  /** `terms`: the pod's required node affinity with its volumes' joined in (undefined: none, any node). */
  | { readonly ok: true; readonly terms: readonly (readonly Requirement[])[] | undefined }
  | { readonly ok: false; readonly problem: string };

function asRecord(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function requirementFrom(e: unknown): Requirement | undefined {
  const r = asRecord(e);
  if (typeof r?.key !== 'string' || !REQUIREMENT_OPERATORS.includes(r.operator)) return undefined;
  const values = Array.isArray(r.values) ? r.values.filter((v: unknown): v is string => typeof v === 'string') : [];
  return { key: canonicalLabelKey(r.key), operator: r.operator as RequirementOperator, ...(values.length ? { values } : {}) };
}

/** A PersistentVolume's alternatives; undefined = no constraint. */
function volumeAlternatives(pv: Obj): Requirement[][] | undefined {
  const terms = asRecord(asRecord(pv.spec?.nodeAffinity)?.required)?.nodeSelectorTerms;
  if (!Array.isArray(terms) || terms.length === 0) return undefined;
  const nodeBound = asRecord(pv.spec?.local) !== undefined || asRecord(pv.spec?.hostPath) !== undefined;
  const out: Requirement[][] = [];
  for (const t of terms) {
    const exprs = Array.isArray(asRecord(t)?.matchExpressions) ? (t.matchExpressions as unknown[]) : [];
    const term = exprs.map(requirementFrom).filter((r): r is Requirement => r !== undefined && !(nodeBound && r.key === Labels.hostname));
    // An empty term (everything on it was a hostname) matches every node: no constraint at all.
    if (term.length === 0) return undefined;
    out.push(term);
  }
  return out;
}

/** A StorageClass's alternatives; undefined = no constraint. */
function classAlternatives(sc: Obj): Requirement[][] | undefined {
  const topologies = Array.isArray(sc.allowedTopologies) ? sc.allowedTopologies : [];
  const out: Requirement[][] = [];
  for (const t of topologies) {
    const exprs = Array.isArray(asRecord(t)?.matchLabelExpressions) ? (t.matchLabelExpressions as unknown[]) : [];
    const term: Requirement[] = [];
    for (const e of exprs) {
      const r = asRecord(e);
      const values = Array.isArray(r?.values) ? r!.values.filter((v: unknown): v is string => typeof v === 'string') : [];
      if (typeof r?.key === 'string' && values.length > 0) term.push({ key: canonicalLabelKey(r.key), operator: 'In', values });
    }
    if (term.length === 0) return undefined;
    out.push(term);
  }
  return out.length ? out : undefined;
}

/** The claim's class: its own name, else the default class; `problem` when neither resolves. */
export function claimClass(claimSpec: Obj | undefined, lookup: VolumeLookup, what: string): { sc: Obj } | { problem: string } {
  const name = claimSpec?.storageClassName;
  if (name === '') return { problem: `${what} is unbound and has storageClassName "" (it waits for a matching PersistentVolume)` };
  if (typeof name === 'string') {
    const sc = lookup.storageClass(name);
    return sc ? { sc } : { problem: `${what}: StorageClass ${name} not found` };
  }
  const sc = lookup.defaultStorageClass();
  return sc ? { sc } : { problem: `${what} is unbound, names no StorageClass and the cluster has no default one` };
}

/**
 * The alternatives one volume imposes: undefined for none (not a claim, or unconstrained), or a
 * `problem` when something it needs is missing.
 */
function alternativesOf(volume: Obj, namespace: string, podName: string, lookup: VolumeLookup, template: boolean): { alts?: Requirement[][]; problem?: string } {
  const vname = typeof volume.name === 'string' ? volume.name : '';
  let claimName: string | undefined;
  const ephemeral = asRecord(asRecord(volume.ephemeral)?.volumeClaimTemplate);
  if (typeof asRecord(volume.persistentVolumeClaim)?.claimName === 'string') claimName = volume.persistentVolumeClaim.claimName;
  else if (ephemeral) {
    if (template) {
      const cls = claimClass(asRecord(ephemeral.spec), lookup, `ephemeral volume ${vname}`);
      return 'problem' in cls ? { problem: cls.problem } : { alts: classAlternatives(cls.sc) };
    }
    claimName = `${podName}-${vname}`;
  } else return {};
  const what = `PersistentVolumeClaim ${namespace}/${claimName}`;
  const claim = lookup.claim(namespace, claimName!);
  if (!claim) return { problem: `${what} not found` };
  const bound = claim.spec?.volumeName;
  if (typeof bound === 'string' && bound !== '') {
    const pv = lookup.volume(bound);
    if (!pv) return { problem: `${what} is bound to PersistentVolume ${bound}, which is not found` };
    return { alts: volumeAlternatives(pv) };
  }
  const cls = claimClass(asRecord(claim.spec), lookup, what);
  if ('problem' in cls) return { problem: cls.problem };
  if (cls.sc.volumeBindingMode !== 'WaitForFirstConsumer') {
    return { problem: `${what} is unbound and its StorageClass ${String(cls.sc.metadata?.name)} binds Immediate (it waits for its volume to be made)` };
  }
  return { alts: classAlternatives(cls.sc) };
}

/** Every combination of one term from each list (AND within a combination), at most `MAX_TERMS`. */
function crossProduct(lists: readonly (readonly (readonly Requirement[])[])[]): Requirement[][] {
  let out: Requirement[][] = [[]];
  for (const list of lists) {
    const next: Requirement[][] = [];
    for (const a of out) for (const b of list) if (next.length < MAX_TERMS) next.push([...a, ...b]);
    out = next;
  }
  return out;
}

/**
 * The pod's required node affinity (`podTerms`, ORed terms) with its volumes' requirements joined
 * in. `template`: `spec` is a pod template (predicted pods), not a pod.
 */
export function volumeTopology(
  namespace: string,
  podName: string,
  spec: unknown,
  podTerms: readonly (readonly Requirement[])[] | undefined,
  lookup: VolumeLookup,
  template = false,
): VolumeTopology {
  const volumes = asRecord(spec)?.volumes;
  const base = podTerms && podTerms.length > 0 ? podTerms : undefined;
  if (!Array.isArray(volumes) || volumes.length === 0) return { ok: true, terms: base };
  const lists: (readonly (readonly Requirement[])[])[] = base ? [base] : [];
  for (const v of volumes) {
    const volume = asRecord(v);
    if (!volume) continue;
    const { alts, problem } = alternativesOf(volume, namespace, podName, lookup, template);
    if (problem) return { ok: false, problem };
    if (alts) lists.push(alts);
  }
  if (lists.length === 0 || (lists.length === 1 && lists[0] === base)) return { ok: true, terms: base };
  return { ok: true, terms: crossProduct(lists) };
}

/** A lookup over plain lists (the controller's informers, tests). */
export function volumeLookupFrom(objects: { claims: readonly Obj[]; volumes: readonly Obj[]; storageClasses: readonly Obj[] }): VolumeLookup {
  const claims = new Map(objects.claims.map((c) => [`${c.metadata?.namespace ?? 'default'}/${c.metadata?.name}`, c]));
  const volumes = new Map(objects.volumes.map((v) => [v.metadata?.name, v]));
  const classes = new Map(objects.storageClasses.map((s) => [s.metadata?.name, s]));
  const defaults = objects.storageClasses
    .filter((s) => s.metadata?.annotations?.[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true')
    .sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  return {
    claim: (ns, name) => claims.get(`${ns}/${name}`),
    volume: (name) => volumes.get(name),
    storageClass: (name) => classes.get(name),
    defaultStorageClass: () => defaults[0],
  };
}
