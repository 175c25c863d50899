/**
 * The ReplicaSet controller: keeps as many pods as `spec.replicas`, created from the template and
 * owned by the ReplicaSet, and writes its status. Creations and deletions it has asked for but not
 * yet seen in the pod informer are remembered ("expectations"), so a slow informer never makes it
 * create or delete twice.
 */
import type { KubeObject } from '../../kube/client.js';
import { isPodReady } from '../budget.js';
import { controllerKey, controllerUid, sameJson, splitKey, type ControlPlaneContext } from './context.js';
import { KeyedController } from './keyed-controller.js';
import { PODS, REPLICASETS } from './refs.js';

const BATCH = 500;

export class ReplicaSetController extends KeyedController {
  readonly name = 'replicaset';
  private readonly pendingCreates = new Map<string, Set<string>>();
  private readonly pendingDeletes = new Map<string, Set<string>>();

  constructor(ctx: ControlPlaneContext) {
    super(ctx, ctx.informers.replicaSets);
    const { pods } = ctx.informers;
    const onPod = (pod: KubeObject, gone: boolean) => {
      const rsKey = controllerKey(pod, 'ReplicaSet');
      if (!rsKey) return;
      if (gone) this.pendingDeletes.get(rsKey)?.delete(pod.metadata.name!);
      else this.pendingCreates.get(rsKey)?.delete(pod.metadata.name!);
      this.queue.add(rsKey);
    };
    pods.on({ add: (p) => onPod(p, false), update: (p) => onPod(p, false), delete: (p) => onPod(p, true) });
  }

  protected async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const rs = this.ctx.informers.replicaSets.get(name, namespace);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const creating = this.pendingCreates.get(key) ?? new Set<string>();
    const deleting = this.pendingDeletes.get(key) ?? new Set<string>();
    this.pendingCreates.set(key, creating);
    this.pendingDeletes.set(key, deleting);
    const owned = this.ctx.informers.pods
      .list()
      .filter((p) => p.metadata.namespace === namespace && controllerUid(p, 'ReplicaSet') === rs.metadata.uid && !p.metadata.deletionTimestamp && !deleting.has(p.metadata.name!));
    const active = owned.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const want: number = rs.spec?.replicas ?? 1;
    const have = active.length + creating.size;
    if (have < want) {
      const n = Math.min(want - have, BATCH);
      await Promise.all(Array.from({ length: n }, () => this.createPod(rs, creating)));
    } else if (have > want && creating.size === 0) {
      const victims = [...active].sort(deletionOrder).slice(0, have - want);
      await Promise.all(victims.map(async (p) => {
        deleting.add(p.metadata.name!);
        const deleted = await this.ctx.client.delete(PODS, p.metadata.name!, namespace).catch((e) => {
          deleting.delete(p.metadata.name!);
          throw e;
        });
        if (!deleted) deleting.delete(p.metadata.name!);
      }));
    }
    await this.writeStatus(rs, active);
  }

  private async createPod(rs: KubeObject, creating: Set<string>): Promise<void> {
    const template = rs.spec?.template ?? {};
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name!, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    const created = await this.ctx.client.create(PODS, pod);
    // The informer may already have it; only expect it if not.
    if (!this.ctx.informers.pods.get(created.metadata.name!, created.metadata.namespace)) creating.add(created.metadata.name!);
  }

  private async writeStatus(rs: KubeObject, pods: KubeObject[]): Promise<void> {
    const ready = pods.filter(isPodReady).length;
    const status = {
      ...(rs.status ?? {}),
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    if (sameJson(status, rs.status)) return;
    await this.ctx.client.patch(REPLICASETS, rs.metadata.name!, rs.metadata.namespace, { status }, 'merge', { subresource: 'status' });
  }
}

/** Pods to delete first: unscheduled, then pending, then not ready, then the newest. */
function deletionOrder(a: KubeObject, b: KubeObject): number {
  const rank = (p: KubeObject) => (!p.spec?.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !isPodReady(p) ? 2 : 3);
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  return String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? ''));
}
