/**
 * The scheduler: binds each pending pod (no nodeName, default scheduler) to a node chosen by
 * `choosePlacement`, through the pods/binding subresource. A pod that fits nowhere gets the
 * condition PodScheduled=False, reason Unschedulable — the signal node provisioners act on — and
 * is retried whenever a node appears or changes.
 *
 * Volumes, as kube-scheduler's VolumeBinding plugin and a CSI provisioner do together: a pod goes
 * only where its persistent volumes can be attached (core/model/volume-topology.ts: a bound claim's
 * volume node affinity, an unbound claim's StorageClass topologies); a pod whose claim, volume or
 * class is missing stays Unschedulable saying so. A WaitForFirstConsumer class: when a pod with an
 * unbound claim is bound, a PersistentVolume is created for the claim in the node's zone and the
 * claim bound to it (the provisioner's and the PV controller's work, in one step). An Immediate
 * class: the volume is made before the pod is placed, in the class's first allowed zone (else a
 * node's), as a real provisioner makes it without waiting for a pod.
 * The volumes it provisions are CSI volumes of the class's provisioner (`spec.csi.driver`), each with
 * its own volume handle.
 * Volume attach limits, as kube-scheduler's NodeVolumeLimits filter: a node takes the pod only if the
 * pod's CSI volumes that are not attached there yet fit its CSINode's count per driver, counting the
 * distinct volumes of the pods on it (core/model/volume-limits.ts); a node without a CSINode, or a
 * driver without a count, has no limit. A pod refused for it waits for a pod on a node to go or finish,
 * or for a CSINode to change.
 * Local ephemeral storage, as NodeResourcesFit counts it: on a node that reports an allocatable
 * `ephemeral-storage`, the pods' requests (core/model/pod-requests.ts) stay within it. Extended
 * resources likewise, on every node (one a node does not advertise, it has none of;
 * core/model/extended-resources.ts): "Insufficient <name>".
 * Host ports, as kube-scheduler's NodePorts filter: a node takes the pod only if no pod on it (or
 * terminating there) binds one of the pod's host ports (core/model/host-ports.ts).
 * Required pod affinity: only in a domain (the term's topology key) that runs a matching pod, or
 * anywhere for the first pod of a group that matches its own term.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../kube/client.js';
import { canonicalLabelKey, Labels } from '../../model/labels.js';
import { addResources, type Resources } from '../../model/resources.js';
import { attachedByDriver, csiNodeLimits, exceededDriver, podAttachedVolumes } from '../../model/volume-limits.js';
import { conflictingPort, podHostPorts } from '../../model/host-ports.js';
import { podEphemeralStorage } from '../../model/pod-requests.js';
import { nodeExtendedResources, podExtendedResources } from '../../model/extended-resources.js';
import { readNonNegativeUnits } from '../../model/quantity.js';
import { volumeLookupFrom, volumeTopology, type VolumeLookup } from '../../model/volume-topology.js';
import { podAffinityTopology } from '../../model/pod-affinity.js';
import { scheduledPod, topologyFilter, type ScheduledPod, type TopologyRejection } from './pod-topology.js';
import { keyOf, rfc3339, splitKey, type ControlPlaneContext } from './context.js';
import { choosePlacement, podRequests, unschedulableMessage, type Rejection } from './placement.js';
import { KeyedController } from './keyed-controller.js';
import { PODS, PVCS, PVS } from './refs.js';

function needsScheduling(pod: KubeObject): boolean {
  return !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && (pod.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler' && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

function finished(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function occupiesNode(pod: KubeObject): boolean {
  return !!pod.spec?.nodeName && !finished(pod);
}

/** An EBS-like volume ID (`vol-` and 17 hex digits), the same for the same claim. */
function volumeHandle(claimKey: string): string {
  return `vol-${createHash('sha256').update(claimKey).digest('hex').slice(0, 17)}`;
}

export class Scheduler extends KeyedController {
  readonly name = 'scheduler';
  /** Pods bound by us that the informer does not show bound yet: pod key → node. */
  private readonly assumed = new Map<string, string>();
  /**
   * Volumes provisioned here that the informer does not show yet: name → volume. A claim can show
   * bound before its volume does (two watches); without them that claim's pods would attach nothing.
   */
  private readonly provisioned = new Map<string, KubeObject>();

  constructor(ctx: ControlPlaneContext) {
    super(ctx);
    const { pods, nodes } = ctx.informers;
    const onPod = (p: KubeObject) => {
      if (p.spec?.nodeName) this.assumed.delete(keyOf(p));
      if (needsScheduling(p)) this.queue.add(keyOf(p));
    };
    // Every pending pod again, once per turn of the event loop however many events asked (a
    // scale-down of thousands of pods is one pass over the pending ones, not one per deletion).
    let retryQueued = false;
    const retryAll = () => {
      if (retryQueued) return;
      retryQueued = true;
      setImmediate(() => {
        retryQueued = false;
        for (const p of pods.list()) if (needsScheduling(p)) this.queue.add(keyOf(p));
      });
    };
    // As kube-scheduler requeues on assigned pods' events: a pod bound somewhere can satisfy a
    // waiting pod's required pod affinity or even out a spread; one that starts terminating no longer
    // counts for spread; one deleted frees room and anti-affinity domains.
    const spreadOrAttracted = (p: KubeObject) => Boolean(p.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length || p.spec?.topologySpreadConstraints?.length);
    const retryConstrained = () => {
      for (const p of pods.list()) if (needsScheduling(p) && spreadOrAttracted(p)) this.queue.add(keyOf(p));
    };
    pods.on({
      add: onPod,
      update: (p, old) => {
        onPod(p);
        // A pod that finishes on a node frees its requests and attached volumes there.
        if (p.spec?.nodeName && finished(p) && !finished(old)) retryAll();
        else if ((p.spec?.nodeName && !old.spec?.nodeName) || (p.spec?.nodeName && p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp)) retryConstrained();
      },
      delete: (p) => {
        this.assumed.delete(keyOf(p));
        if (p.spec?.nodeName) retryAll();
      },
    });
    // As kube-scheduler requeues on a node's label change too (a label patched on after registration).
    const changed = (n: KubeObject, old: KubeObject) =>
      JSON.stringify(n.status?.conditions) !== JSON.stringify(old.status?.conditions) || JSON.stringify(n.spec) !== JSON.stringify(old.spec) || JSON.stringify(n.metadata.labels) !== JSON.stringify(old.metadata.labels);
    // A deleted node can free a spread's minimum or an anti-affinity domain, as kube-scheduler requeues on it.
    nodes.on({ add: retryAll, update: (n, old) => (changed(n, old) ? retryAll() : undefined), delete: retryAll });
    // A claim, volume or class that appears (or is bound) can make a waiting pod schedulable.
    for (const informer of [ctx.informers.claims, ctx.informers.volumes, ctx.informers.storageClasses]) informer.on({ add: retryAll, update: retryAll, delete: retryAll });
    ctx.informers.volumes.on({ add: (v) => this.provisioned.delete(v.metadata.name!) });
    // A CSINode that appears, changes its counts or goes can make room for volumes.
    ctx.informers.csiNodes.on({ add: retryAll, update: retryAll, delete: retryAll });
  }

  /** Pods on nodes (bound or assumed, not finished), with their node's name and labels. */
  private scheduledPods(nodes: readonly KubeObject[]): ScheduledPod[] {
    const labelsOf = new Map(nodes.map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
    const out: ScheduledPod[] = [];
    for (const p of this.ctx.informers.pods.list()) {
      const node = p.spec?.nodeName ?? this.assumed.get(keyOf(p));
      const nodeLabels = node ? labelsOf.get(node) : undefined;
      if (node && nodeLabels && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') out.push(scheduledPod(p, node, nodeLabels));
    }
    return out;
  }

  /**
   * Required pod anti-affinity and DoNotSchedule topology spread (pod-topology.ts); undefined when
   * neither the pod nor any placed pod has such a constraint (the usual case: no list is built).
   */
  private topology(pod: KubeObject, nodes: readonly KubeObject[]): ((node: Record<string, any>) => TopologyRejection | undefined) | undefined {
    const repels = (p: KubeObject) => Boolean(p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length);
    const constrained = repels(pod) || Boolean(pod.spec?.topologySpreadConstraints?.length) || this.ctx.informers.pods.list().some((p) => (p.spec?.nodeName || this.assumed.has(keyOf(p))) && repels(p));
    return constrained ? topologyFilter(pod, nodes, this.scheduledPods(nodes), (ns) => this.ctx.informers.namespaces.get(ns)?.metadata.labels) : undefined;
  }

  private volumeLookup(): VolumeLookup {
    const { claims, volumes, storageClasses } = this.ctx.informers;
    const lookup = volumeLookupFrom({ claims: claims.list(), volumes: volumes.list(), storageClasses: storageClasses.list() });
    return { ...lookup, volume: (name) => lookup.volume(name) ?? this.provisioned.get(name) };
  }

  /**
   * NodeVolumeLimits: 'VolumeLimits' for a node where the pod's CSI volumes would exceed a driver's
   * attach limit. Undefined when the pod attaches no CSI volume (the usual case: nothing is counted).
   */
  private volumeLimits(pod: KubeObject, lookup: VolumeLookup, podsOn: (node: string) => readonly KubeObject[]): ((node: Record<string, any>) => Rejection | undefined) | undefined {
    const volumes = podAttachedVolumes(pod.metadata.namespace ?? 'default', pod.metadata.name!, pod.spec, lookup);
    if (volumes.length === 0) return undefined;
    return (node) => {
      const limits = csiNodeLimits(this.ctx.informers.csiNodes.get(node.metadata.name));
      if (limits.size === 0) return undefined;
      const attached = attachedByDriver(podsOn(node.metadata.name).map((p) => podAttachedVolumes(p.metadata.namespace ?? 'default', p.metadata.name!, p.spec, lookup)));
      return exceededDriver(volumes, attached, limits) === undefined ? undefined : 'VolumeLimits';
    };
  }

  /**
   * NodePorts: 'NodePorts' for a node where a pod already binds one of the pod's host ports.
   * Undefined when the pod binds none (the usual case).
   */
  private hostPorts(pod: KubeObject, podsOn: (node: string) => readonly KubeObject[]): ((node: Record<string, any>) => Rejection | undefined) | undefined {
    const wanted = podHostPorts(pod.spec);
    if (wanted.length === 0) return undefined;
    return (node) => (conflictingPort(wanted, podsOn(node.metadata.name).flatMap((p) => podHostPorts(p.spec))) ? 'NodePorts' : undefined);
  }

  /**
   * NodeResourcesFit for local ephemeral storage: 'EphemeralStorage' for a node that reports an
   * allocatable `ephemeral-storage` its pods' requests and this pod's would exceed (a node that
   * reports none is not counted: the sandbox's own Nodes); then extended resources (below).
   * Undefined when the pod requests neither.
   */
  private localAndExtended(pod: KubeObject, podsOn: (node: string) => readonly KubeObject[]): ((node: Record<string, any>) => Rejection | undefined) | undefined {
    const wanted = podEphemeralStorage(pod.spec);
    const extended = this.extendedResources(pod, podsOn);
    if (wanted === 0) return extended;
    return (node) => {
      const allocatable = readNonNegativeUnits(node.status?.allocatable?.['ephemeral-storage']);
      if (allocatable === undefined) return extended?.(node);
      const used = podsOn(node.metadata.name).reduce((sum, p) => sum + podEphemeralStorage(p.spec), 0);
      return used + wanted > allocatable ? 'EphemeralStorage' : extended?.(node);
    };
  }

  /**
   * NodeResourcesFit for extended resources: `Insufficient:<name>` for a node whose allocatable of
   * a resource the pod requests (none listed: none) cannot hold its pods' and this pod's requests.
   */
  private extendedResources(pod: KubeObject, podsOn: (node: string) => readonly KubeObject[]): ((node: Record<string, any>) => Rejection | undefined) | undefined {
    const wanted = Object.entries(podExtendedResources(pod.spec));
    if (wanted.length === 0) return undefined;
    return (node) => {
      const allocatable = nodeExtendedResources(node.status?.allocatable);
      const on = podsOn(node.metadata.name).map((p) => podExtendedResources(p.spec));
      for (const [name, amount] of wanted) {
        const used = on.reduce((sum, r) => sum + (r[name] ?? 0), 0);
        if (used + amount > (allocatable[name] ?? 0)) return `Insufficient:${name}`;
      }
      return undefined;
    };
  }

  /**
   * The pods on each node, built on first use: bound ones, and ones bound here that the informer
   * does not show bound yet. Terminating pods count: their ports and volumes are held until they
   * are gone.
   */
  private podsOnNodes(): (node: string) => readonly KubeObject[] {
    let byNode: Map<string, KubeObject[]> | undefined;
    return (node) => {
      if (!byNode) {
        byNode = new Map();
        for (const p of this.ctx.informers.pods.list()) {
          const on = occupiesNode(p) ? p.spec!.nodeName : finished(p) ? undefined : this.assumed.get(keyOf(p));
          if (!on) continue;
          const list = byNode.get(on);
          if (list) list.push(p);
          else byNode.set(on, [p]);
        }
      }
      return byNode.get(node) ?? [];
    };
  }

  /** The pod's claims that are not bound yet, with the class that will make their volume. */
  private unboundClaims(pod: KubeObject, lookup: VolumeLookup): { claim: KubeObject; claimName: string; className: string; sc: Record<string, any> }[] {
    const namespace = pod.metadata.namespace ?? 'default';
    const out: { claim: KubeObject; claimName: string; className: string; sc: Record<string, any> }[] = [];
    for (const v of Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : []) {
      const claimName = typeof v?.persistentVolumeClaim?.claimName === 'string' ? v.persistentVolumeClaim.claimName : v?.ephemeral ? `${pod.metadata.name}-${v.name}` : undefined;
      const claim = claimName ? (lookup.claim(namespace, claimName) as KubeObject | undefined) : undefined;
      if (!claim || claim.spec?.volumeName) continue;
      const className: string | undefined = claim.spec?.storageClassName ?? lookup.defaultStorageClass()?.metadata?.name;
      const sc = className ? lookup.storageClass(className) : undefined;
      if (sc) out.push({ claim, claimName: claimName!, className: className!, sc });
    }
    return out;
  }

  /** Makes a volume for the claim in `zone` (none: attachable anywhere) and binds the claim to it. */
  private async provision(namespace: string, u: { claim: KubeObject; claimName: string; className: string; sc: Record<string, any> }, zone: string | undefined): Promise<void> {
    const { claim, claimName, className, sc } = u;
    const claimKey = claim.metadata.uid ?? `${namespace}/${claimName}`;
    const name = `pvc-${claim.metadata.uid ?? `${namespace}-${claimName}`}`;
    const pv: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': String(sc.provisioner ?? 'sandbox') } },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
        accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
        storageClassName: className,
        persistentVolumeReclaimPolicy: 'Delete',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: claimName, uid: claim.metadata.uid },
        // As a CSI provisioner makes it: the driver (the class's provisioner) and the volume's own ID.
        csi: { driver: String(sc.provisioner ?? 'sandbox'), volumeHandle: volumeHandle(claimKey) },
        ...(zone ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: Labels.zone, operator: 'In', values: [zone] }] }] } } } : {}),
      },
    };
    const created = await this.ctx.client.create(PVS, pv).catch((e) => {
      if (e?.code !== 409) throw e;
    });
    if (created && !this.ctx.informers.volumes.get(name)) this.provisioned.set(name, created);
    await this.ctx.client.patch(PVS, name, undefined, { status: { phase: 'Bound' } }, 'merge', { subresource: 'status' }).catch(() => {});
    await this.ctx.client.patch(PVCS, claimName, namespace, { spec: { volumeName: name } }, 'merge');
    await this.ctx.client.patch(PVCS, claimName, namespace, { status: { phase: 'Bound', accessModes: pv.spec.accessModes, capacity: pv.spec.capacity } }, 'merge', { subresource: 'status' }).catch(() => {});
  }

  /** Provisions and binds a volume in the node's zone for each of the pod's unbound claims (WaitForFirstConsumer). */
  private async bindVolumes(pod: KubeObject, nodeName: string, lookup: VolumeLookup): Promise<void> {
    const zone = this.ctx.informers.nodes.get(nodeName)?.metadata.labels?.[Labels.zone];
    for (const u of this.unboundClaims(pod, lookup)) await this.provision(pod.metadata.namespace ?? 'default', u, zone);
  }

  /**
   * The volumes of the pod's unbound claims whose class binds Immediate, made before the pod is
   * placed (a real PV controller makes them when the claim is created, without waiting for a pod):
   * in the class's first allowed zone, else a node's. True when it made any (the claims' updates
   * bring the pod back, its volumes bound).
   */
  private async bindImmediate(pod: KubeObject, lookup: VolumeLookup, nodes: readonly KubeObject[]): Promise<boolean> {
    const immediate = this.unboundClaims(pod, lookup).filter((u) => u.sc.volumeBindingMode !== 'WaitForFirstConsumer');
    for (const u of immediate) {
      const allowed = (Array.isArray(u.sc.allowedTopologies) ? u.sc.allowedTopologies : []).flatMap((t: any) => (Array.isArray(t?.matchLabelExpressions) ? t.matchLabelExpressions : []));
      const zoneTerm = allowed.find((e: any) => typeof e?.key === 'string' && canonicalLabelKey(e.key) === Labels.zone && Array.isArray(e.values) && typeof e.values[0] === 'string');
      const zone: string | undefined = zoneTerm?.values[0] ?? nodes.map((n) => n.metadata.labels?.[Labels.zone]).find((z) => typeof z === 'string');
      await this.provision(pod.metadata.namespace ?? 'default', u, zone);
    }
    return immediate.length > 0;
  }

  private usage(): Map<string, Resources> {
    const used = new Map<string, Resources>();
    const add = (node: string, r: Resources) => {
      const cur = used.get(node);
      used.set(node, cur ? addResources(cur, r) : r);
    };
    for (const p of this.ctx.informers.pods.list()) {
      if (occupiesNode(p)) add(p.spec!.nodeName, podRequests(p));
      else {
        const node = this.assumed.get(keyOf(p));
        if (node) add(node, podRequests(p));
      }
    }
    return used;
  }

  /** Schedules one pod. */
  protected async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.ctx.informers.pods.get(name, namespace);
    if (!pod || !needsScheduling(pod) || this.assumed.has(key)) return;
    const nodes = this.ctx.informers.nodes.list().filter((n) => !n.metadata.deletionTimestamp);
    const lookup = this.volumeLookup();
    if (await this.bindImmediate(pod, lookup, nodes)) return;
    const volumes = volumeTopology(namespace, name, pod.spec, undefined, lookup);
    const attracted = Boolean(pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length);
    const affinity = attracted ? podAffinityTopology(namespace, pod.metadata.labels ?? {}, pod.spec, undefined, this.scheduledPods(nodes).filter((p) => !p.terminating), (ns) => this.ctx.informers.namespaces.get(ns)?.metadata.labels ?? {}) : ({ ok: true, terms: undefined } as const);
    const podsOn = this.podsOnNodes();
    const result =
      volumes.ok && affinity.ok
        ? choosePlacement(pod, nodes, this.usage(), { volumeTerms: volumes.terms, affinityTerms: affinity.terms, topology: this.topology(pod, nodes), ports: this.hostPorts(pod, podsOn), storage: this.localAndExtended(pod, podsOn), attachLimits: this.volumeLimits(pod, lookup, podsOn) })
        : { node: undefined, rejections: {} };
    if (result.node) {
      this.assumed.set(key, result.node);
      try {
        await this.ctx.client.postSubresource(PODS, name, namespace, 'binding', {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace },
          target: { apiVersion: 'v1', kind: 'Node', name: result.node },
        });
      } catch (error) {
        this.assumed.delete(key);
        if ((error as { code?: number }).code === 404) return;
        throw error;
      }
      await this.bindVolumes(pod, result.node, lookup);
      return;
    }
    const problem = !volumes.ok ? volumes.problem : !affinity.ok ? affinity.problem : undefined;
    const message = problem === undefined ? unschedulableMessage(nodes.length, result.rejections) : `0/${nodes.length} nodes are available: ${problem}.`;
    const current = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return;
    const conditions = [
      ...(pod.status?.conditions ?? []).filter((c: any) => c.type !== 'PodScheduled'),
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: rfc3339(this.ctx.clock.now()) },
    ];
    await this.ctx.client.patch(PODS, name, namespace, { status: { conditions } }, 'merge', { subresource: 'status' }).catch((e) => {
      if (e?.code !== 404) throw e;
    });
  }
}
