/**
 * The scheduler: binds each pending pod (no nodeName, default scheduler) to a node chosen by
 * `choosePlacement`, through the pods/binding subresource. A pod that fits nowhere gets the
 * condition PodScheduled=False, reason Unschedulable — the signal node provisioners act on — and
 * is retried whenever a node appears or changes.
 */
import type { KubeObject } from '../../kube/client.js';
import { addResources, type Resources } from '../../model/resources.js';
import { keyOf, rfc3339, splitKey, type ControlPlaneContext } from './context.js';
import { choosePlacement, podRequests, unschedulableMessage } from './placement.js';
import { KeyedController } from './keyed-controller.js';
import { PODS } from './refs.js';

function needsScheduling(pod: KubeObject): boolean {
  return !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && (pod.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler' && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

function occupiesNode(pod: KubeObject): boolean {
  return !!pod.spec?.nodeName && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

export class Scheduler extends KeyedController {
  readonly name = 'scheduler';
  /** Pods bound by us that the informer does not show bound yet: pod key → node. */
  private readonly assumed = new Map<string, string>();

  constructor(ctx: ControlPlaneContext) {
    super(ctx);
    const { pods, nodes } = ctx.informers;
    const onPod = (p: KubeObject) => {
      if (p.spec?.nodeName) this.assumed.delete(keyOf(p));
      if (needsScheduling(p)) this.queue.add(keyOf(p));
    };
    pods.on({ add: onPod, update: onPod, delete: (p) => this.assumed.delete(keyOf(p)) });
    const retryAll = () => {
      for (const p of pods.list()) if (needsScheduling(p)) this.queue.add(keyOf(p));
    };
    // As kube-scheduler requeues on a node's label change too (a label patched on after registration).
    const changed = (n: KubeObject, old: KubeObject) =>
      JSON.stringify(n.status?.conditions) !== JSON.stringify(old.status?.conditions) || JSON.stringify(n.spec) !== JSON.stringify(old.spec) || JSON.stringify(n.metadata.labels) !== JSON.stringify(old.metadata.labels);
    nodes.on({ add: retryAll, update: (n, old) => (changed(n, old) ? retryAll() : undefined) });
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
    const result = choosePlacement(pod, nodes, this.usage());
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
      return;
    }
    const message = unschedulableMessage(nodes.length, result.rejections);
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
