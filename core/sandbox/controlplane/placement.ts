/**
 * Where a pod may run, decided purely from the pod, the nodes and what is already placed on them:
 * the node must be Ready and schedulable, tolerate the node's NoSchedule/NoExecute taints, match
 * the pod's nodeSelector and required node affinity, and have room for the pod's requests
 * (cpu, memory, pods, GPUs, and ephemeral storage where the node reports it) within allocatable,
 * free host ports, and room for its volumes within its attach limits. Among fitting nodes the least allocated wins.
 */
import { podSpecRequests } from '../../model/pod-requests.js';
import { addResources, fits, resources, resourcesFromList, subtractResources, ZERO_RESOURCES, type Resources } from '../../model/resources.js';
import { labelSatisfies, labelsSatisfy, NODE_NAME_FIELD, type Requirement } from '../../model/requirements.js';
import { requiredNodeAffinityTerms } from '../../model/node-selector-terms.js';
import { toleratesAll, type Taint, type Toleration } from '../../model/scheduling-constraints.js';

type Obj = Record<string, any>;

/** What the pod reserves on its node, by Kubernetes' rules (core/model/pod-requests.ts). */
export function podRequests(pod: Obj): Resources {
  return podSpecRequests(pod.spec);
}

export function nodeAllocatable(node: Obj): Resources {
  return resourcesFromList(node.status?.allocatable ?? node.status?.capacity, { pods: 110 });
}

export function isNodeReady(node: Obj): boolean {
  return (node.status?.conditions ?? []).some((c: Obj) => c?.type === 'Ready' && c?.status === 'True');
}

/** Whether the pod's nodeSelector, required node affinity and tolerations admit the node (not its room). */
export function nodeAdmits(pod: Obj, node: Obj): boolean {
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  return affinityAllows(pod, labels, node.metadata?.name) && toleratesAll(pod.spec?.tolerations as Toleration[] | undefined, node.spec?.taints as Taint[] | undefined);
}

/** Required node affinity as the kube-scheduler reads it: literal label keys, `matchFields` on the node's name. */
function affinityAllows(pod: Obj, labels: Record<string, string>, nodeName: string | undefined): boolean {
  const terms = requiredNodeAffinityTerms(pod.spec);
  return terms === undefined || terms.some((term) => term.every((r) => labelSatisfies(r, r.key === NODE_NAME_FIELD ? nodeName : labels[r.key])));
}

type NamedRejection = 'NotReady' | 'Unschedulable' | 'Taint' | 'NodeSelector' | 'VolumeNodeAffinity' | 'PodAffinity' | 'PodAntiAffinity' | 'TopologySpread' | 'NodePorts' | 'Resources' | 'EphemeralStorage' | 'VolumeLimits';
/** Why a node was refused: a named reason, or too little of one extended resource (`Insufficient:<name>`). */
export type Rejection = NamedRejection | `Insufficient:${string}`;

export interface PlacementResult {
  node?: string;
  /** Why each node was rejected, counted, for the Unschedulable message. */
  rejections: Partial<Record<Rejection, number>>;
}

/** The checks beyond the pod's own spec and the node's room, each optional. */
export interface PlacementChecks {
  /** Where the pod's volumes can be attached (core/model/volume-topology.ts), ORed. */
  readonly volumeTerms?: readonly (readonly Requirement[])[];
  /** The domains its required pod affinity admits (core/model/pod-affinity.ts). */
  readonly affinityTerms?: readonly (readonly Requirement[])[];
  /** Pod anti-affinity and topology spread (pod-topology.ts). */
  readonly topology?: (node: Obj) => Rejection | undefined;
  /** Host ports (kube-scheduler's NodePorts, which runs before NodeResourcesFit). */
  readonly ports?: (node: Obj) => Rejection | undefined;
  /** Local ephemeral storage and extended resources (NodeResourcesFit's, after the other resources). */
  readonly storage?: (node: Obj) => Rejection | undefined;
  /**
   * Volume attach limits, last (as kube-scheduler's NodeVolumeLimits runs after NodeResourcesFit;
   * it is also the costliest, counting the node's pods' volumes).
   */
  readonly attachLimits?: (node: Obj) => Rejection | undefined;
}

/** Why `node` cannot take `pod`, or undefined when it can. `used`: requests already placed on it. */
export function rejectReason(pod: Obj, node: Obj, used: Resources, checks: PlacementChecks = {}): Rejection | undefined {
  const { volumeTerms, affinityTerms, topology, ports, storage, attachLimits } = checks;
  if (!isNodeReady(node)) return 'NotReady';
  if (node.spec?.unschedulable) return 'Unschedulable';
  if (!toleratesAll(pod.spec?.tolerations as Toleration[] | undefined, node.spec?.taints as Taint[] | undefined)) return 'Taint';
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return 'NodeSelector';
  if (!affinityAllows(pod, labels, node.metadata?.name)) return 'NodeSelector';
  if (volumeTerms && volumeTerms.length > 0 && !volumeTerms.some((term) => labelsSatisfy(term, labels))) return 'VolumeNodeAffinity';
  if (affinityTerms && affinityTerms.length > 0 && !affinityTerms.some((term) => labelsSatisfy(term, labels))) return 'PodAffinity';
  const inter = topology?.(node);
  if (inter) return inter;
  const taken = ports?.(node);
  if (taken) return taken;
  if (!fits(addResources(used, podRequests(pod)), nodeAllocatable(node))) return 'Resources';
  return storage?.(node) ?? attachLimits?.(node);
}

export function choosePlacement(pod: Obj, nodes: Obj[], usedByNode: ReadonlyMap<string, Resources>, checks: PlacementChecks = {}): PlacementResult {
  const rejections: PlacementResult['rejections'] = {};
  let best: { name: string; score: number } | undefined;
  for (const node of nodes) {
    const name: string = node.metadata.name;
    const used = usedByNode.get(name) ?? ZERO_RESOURCES;
    const reason = rejectReason(pod, node, used, checks);
    if (reason) {
      rejections[reason] = (rejections[reason] ?? 0) + 1;
      continue;
    }
    const alloc = nodeAllocatable(node);
    const free = subtractResources(alloc, addResources(used, podRequests(pod)));
    const score = (alloc.milliCpu ? free.milliCpu / alloc.milliCpu : 1) + (alloc.memoryBytes ? free.memoryBytes / alloc.memoryBytes : 1);
    if (!best || score > best.score || (score === best.score && name < best.name)) best = { name, score };
  }
  return { node: best?.name, rejections };
}

const REJECTION_TEXT: Record<NamedRejection, string> = {
  NotReady: "node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
  Unschedulable: 'node(s) were unschedulable',
  Taint: 'node(s) had untolerated taint(s)',
  NodeSelector: "node(s) didn't match Pod's node affinity/selector",
  VolumeNodeAffinity: 'node(s) had volume node affinity conflict',
  PodAffinity: "node(s) didn't match pod affinity rules",
  PodAntiAffinity: "node(s) didn't match pod anti-affinity rules",
  TopologySpread: "node(s) didn't match pod topology spread constraints",
  NodePorts: "node(s) didn't have free ports for the requested pod ports",
  Resources: 'Insufficient resources',
  EphemeralStorage: 'Insufficient ephemeral-storage',
  VolumeLimits: 'node(s) exceed max volume count',
};

/** "0/3 nodes are available: 2 Insufficient resources, 1 node(s) were unschedulable." */
export function unschedulableMessage(total: number, rejections: PlacementResult['rejections']): string {
  const parts = (Object.entries(rejections) as Array<[Rejection, number]>).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r.startsWith('Insufficient:') ? `Insufficient ${r.slice('Insufficient:'.length)}` : REJECTION_TEXT[r as NamedRejection]}`);
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}
