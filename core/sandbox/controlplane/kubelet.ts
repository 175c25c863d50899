/**
 * The simulated kubelets (kwok-like): a Node becomes Ready `nodeReadyDelayMs` after it was created,
 * and a pod bound to a Ready node becomes Running and Ready `podStartDelayMs` after it was bound.
 * Pods on a deleted node are deleted (the pod garbage collector's job in a real cluster). Nodes
 * annotated `sandbox.smartscale.io/unmanaged: "true"` are left alone.
 *
 * A node's CSINode (csi-node.ts) is created when the kubelet first sees the Node, before the Node is
 * Ready, so the scheduler knows the node's attach limits before it can place pods there. Owned by the
 * Node, it is garbage-collected with it. It is written once per Node (by UID): deleted while the Node
 * lives, it is not made again.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../kube/client.js';
import { keyOf, rfc3339, splitKey, type ControlPlaneContext } from './context.js';
import { csiNodeFor, type SimulatedCsiDriver } from './csi-node.js';
import { isNodeReady } from './placement.js';
import { CSINODES, NODES, PODS } from './refs.js';
import { WorkQueue } from './work-queue.js';

export const UNMANAGED_ANNOTATION = 'sandbox.smartscale.io/unmanaged';
/** Per-node override of the launch-to-Ready delay, in clock milliseconds ("0" for nodes a cloud already waited for). */
export const READY_DELAY_ANNOTATION = 'sandbox.smartscale.io/ready-delay-ms';

export interface KubeletOptions {
  nodeReadyDelayMs: number;
  podStartDelayMs: number;
  /**
   * With graceful pod deletion (the API server's `gracefulPodDeletion`): how long a pod's shutdown
   * takes (clock ms), at most its grace period; then the kubelet deletes it with grace 0.
   */
  podShutdownMs?: number;
  /** The drivers each node's CSINode lists (none: a CSINode with no drivers). */
  csiDrivers?: readonly SimulatedCsiDriver[];
}

function ipFor(seed: string, prefix: string): string {
  const h = createHash('sha256').update(seed).digest();
  return `${prefix}.${h[0]}.${(h[1] % 254) + 1}`;
}

function scheduledAt(pod: KubeObject): number {
  const c = (pod.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled' && x.status === 'True');
  const t = Date.parse(c?.lastTransitionTime ?? pod.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

export class KubeletSimulator {
  readonly name = 'kubelet';
  private readonly nodeQueue: WorkQueue;
  private readonly podQueue: WorkQueue;
  private readonly timers = new Set<string>();
  /** Nodes whose CSINode exists, made by this kubelet or found owned by them: name → the Node's UID. */
  private readonly csiRegistered = new Map<string, string>();

  constructor(private readonly ctx: ControlPlaneContext, private readonly options: KubeletOptions) {
    this.nodeQueue = new WorkQueue((k) => this.reconcileNode(k), ctx.clock, (_k, e) => ctx.onError(this.name, e));
    this.podQueue = new WorkQueue((k) => this.reconcilePod(k), ctx.clock, (_k, e) => ctx.onError(this.name, e));
    const { nodes, pods } = ctx.informers;
    nodes.on({
      add: (n) => this.nodeQueue.add(n.metadata.name!),
      update: (n) => this.nodeQueue.add(n.metadata.name!),
      delete: (n) => {
        this.csiRegistered.delete(n.metadata.name!);
        this.evacuate(n.metadata.name!);
      },
    });
    const onPod = (p: KubeObject) => {
      if (p.spec?.nodeName && (p.status?.phase === 'Pending' || p.metadata.deletionTimestamp)) this.podQueue.add(keyOf(p));
    };
    pods.on({ add: onPod, update: onPod });
  }

  stop(): void {
    this.nodeQueue.stop();
    this.podQueue.stop();
  }

  idle(): boolean {
    return this.nodeQueue.idle() && this.podQueue.idle() && this.timers.size === 0;
  }

  /** Re-queues `key` once `atMs` (clock time) has come. */
  private later(queue: WorkQueue, key: string, atMs: number): void {
    const timerKey = `${queue === this.nodeQueue ? 'n' : 'p'}:${key}`;
    if (this.timers.has(timerKey)) return;
    this.timers.add(timerKey);
    void this.ctx.clock.sleep(Math.max(0, atMs - this.ctx.clock.now())).then(() => {
      this.timers.delete(timerKey);
      queue.add(key);
    });
  }

  private async reconcileNode(name: string): Promise<void> {
    const node = this.ctx.informers.nodes.get(name);
    if (!node || node.metadata.annotations?.[UNMANAGED_ANNOTATION] === 'true' || node.metadata.deletionTimestamp) return;
    await this.registerCsiNode(node);
    if (isNodeReady(node)) {
      for (const p of this.ctx.informers.pods.list()) if (p.spec?.nodeName === name && p.status?.phase === 'Pending') this.podQueue.add(keyOf(p));
      return;
    }
    const override = Number(node.metadata.annotations?.[READY_DELAY_ANNOTATION]);
    const delay = Number.isFinite(override) && override >= 0 ? override : this.options.nodeReadyDelayMs;
    const readyAt = Date.parse(node.metadata.creationTimestamp ?? '') + delay;
    if (this.ctx.clock.now() < readyAt) return this.later(this.nodeQueue, name, readyAt);
    const now = rfc3339(this.ctx.clock.now());
    const capacity = node.status?.capacity ?? { cpu: '4', memory: '16Gi', pods: '110' };
    const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
    const status = {
      capacity,
      allocatable: node.status?.allocatable ?? capacity,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status (simulated)'),
      ],
      addresses: node.status?.addresses ?? [
        { type: 'InternalIP', address: ipFor(name, '10.0') },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: node.status?.nodeInfo ?? {
        kubeletVersion: 'v1.32.0-sandbox',
        kubeProxyVersion: 'v1.32.0-sandbox',
        osImage: 'smartscale sandbox',
        kernelVersion: 'simulated',
        containerRuntimeVersion: 'simulated://1.0',
        operatingSystem: 'linux',
        architecture: node.metadata.labels?.['kubernetes.io/arch'] ?? 'amd64',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    };
    await this.ctx.client.patch(NODES, name, undefined, { status }, 'merge', { subresource: 'status' });
    const taints: any[] = node.spec?.taints ?? [];
    if (taints.some((t) => t.key === 'node.kubernetes.io/not-ready')) {
      const kept = taints.filter((t) => t.key !== 'node.kubernetes.io/not-ready');
      await this.ctx.client.patch(NODES, name, undefined, { spec: { taints: kept.length ? kept : null } }, 'merge');
    }
  }

  /**
   * Creates the node's CSINode unless it exists for this Node. One left by an earlier Node of the
   * same name (its garbage collection still to come) is waited for: tried again a second later.
   */
  private async registerCsiNode(node: KubeObject): Promise<void> {
    const name = node.metadata.name!;
    const uid = node.metadata.uid;
    if (!uid || this.csiRegistered.get(name) === uid) return;
    const ownedByNode = (o: KubeObject | undefined) => o?.metadata.ownerReferences?.some((r) => r.kind === 'Node' && r.uid === uid) === true;
    if (!ownedByNode(this.ctx.informers.csiNodes.get(name))) {
      try {
        await this.ctx.client.create(CSINODES, csiNodeFor(node, this.options.csiDrivers ?? []));
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
        if (!ownedByNode(await this.ctx.client.get(CSINODES, name))) return this.later(this.nodeQueue, name, this.ctx.clock.now() + 1_000);
      }
    }
    this.csiRegistered.set(name, uid);
  }

  private async reconcilePod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.ctx.informers.pods.get(name, namespace);
    if (pod?.spec?.nodeName && pod.metadata.deletionTimestamp) return this.shutDown(key, pod);
    if (!pod || !pod.spec?.nodeName || pod.status?.phase !== 'Pending') return;
    const node = this.ctx.informers.nodes.get(pod.spec.nodeName);
    if (!node || !isNodeReady(node) || node.metadata.annotations?.[UNMANAGED_ANNOTATION] === 'true') return;
    const startAt = scheduledAt(pod) + this.options.podStartDelayMs;
    if (this.ctx.clock.now() < startAt) return this.later(this.podQueue, key, startAt);
    const now = rfc3339(this.ctx.clock.now());
    const ready = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    const scheduled = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled') ?? ready('PodScheduled');
    const status = {
      phase: 'Running',
      conditions: [ready('PodReadyToStartContainers'), ready('Initialized'), ready('Ready'), ready('ContainersReady'), scheduled],
      hostIP: (node.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address,
      podIP: ipFor(key, '10.244'),
      startTime: now,
      containerStatuses: (pod.spec.containers ?? []).map((c: any) => ({
        name: c.name,
        image: c.image,
        imageID: `simulated://${c.image}`,
        containerID: `simulated://${createHash('sha256').update(`${key}/${c.name}`).digest('hex').slice(0, 32)}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    };
    await this.ctx.client.patch(PODS, name, namespace, { status }, 'merge', { subresource: 'status' }).catch((e) => {
      if (e?.code !== 404) throw e;
    });
  }

  /**
   * A pod in its graceful shutdown (deletionTimestamp = when it began + its grace period): deleted
   * with grace 0 once `podShutdownMs` (at most the grace period) has passed. A node without a
   * kubelet (unmanaged) never finishes it, as in a real cluster; one whose node is gone is deleted
   * at once (the pod garbage collector's orphan cleanup).
   */
  private async shutDown(key: string, pod: KubeObject): Promise<void> {
    const grace = Number(pod.metadata.deletionGracePeriodSeconds ?? 0);
    if (!(grace > 0)) return;
    const node = this.ctx.informers.nodes.get(pod.spec.nodeName);
    if (node?.metadata.annotations?.[UNMANAGED_ANNOTATION] === 'true') return;
    if (!node) {
      // Asked of the API, not the cache (which may not have a new node yet).
      if ((await this.ctx.client.get(NODES, pod.spec.nodeName)) !== undefined) return this.later(this.podQueue, key, this.ctx.clock.now() + 1_000);
      // The UID as a precondition: a pod of the same name made meanwhile (a StatefulSet's) is not this one.
      await this.ctx.client.delete(PODS, pod.metadata.name!, pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }).catch((e) => {
        if (e?.code !== 404 && e?.code !== 409) throw e;
      });
      return;
    }
    const began = Date.parse(pod.metadata.deletionTimestamp ?? '') - grace * 1000;
    const doneAt = began + Math.min(grace * 1000, this.options.podShutdownMs ?? 0);
    if (!Number.isFinite(doneAt)) return;
    if (this.ctx.clock.now() < doneAt) return this.later(this.podQueue, key, doneAt);
    await this.ctx.client.delete(PODS, pod.metadata.name!, pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }).catch((e) => {
      if (e?.code !== 404 && e?.code !== 409) throw e;
    });
  }

  /** Pods of a deleted node: deleted at once (the pod garbage collector's force deletion). */
  private evacuate(nodeName: string): void {
    for (const p of this.ctx.informers.pods.list()) {
      if (p.spec?.nodeName === nodeName) {
        void this.ctx.client.delete(PODS, p.metadata.name!, p.metadata.namespace, { gracePeriodSeconds: 0 }).catch((e) => this.ctx.onError(this.name, e));
      }
    }
  }
}
