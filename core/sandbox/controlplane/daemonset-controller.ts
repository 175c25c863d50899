/**
 * The DaemonSet controller: one pod of each DaemonSet on every node that admits it (nodeSelector,
 * required node affinity, taints — with the tolerations the real controller adds to every daemon
 * pod for not-ready, unreachable, unschedulable and pressure taints), created bound to its node, and
 * deleted from nodes that no longer admit it. Status: desired and current counts.
 */
import type { KubeObject } from '../../kube/client.js';
import { controllerUid, splitKey, type ControlPlaneContext } from './context.js';
import { KeyedController } from './keyed-controller.js';
import { nodeAdmits } from './placement.js';
import { DAEMONSETS, PODS } from './refs.js';

/** What the DaemonSet controller adds to every daemon pod (pkg/controller/daemon/util). */
const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

export class DaemonSetController extends KeyedController {
  readonly name = 'daemonset';
  /** DaemonSet key → node names whose pod was created but not yet seen. */
  private readonly creating = new Map<string, Set<string>>();

  constructor(ctx: ControlPlaneContext) {
    super(ctx, ctx.informers.daemonSets);
    const all = () => {
      for (const ds of ctx.informers.daemonSets.list()) this.queue.add(`${ds.metadata.namespace}/${ds.metadata.name}`);
    };
    ctx.informers.nodes.on({ add: all, update: all, delete: all });
    this.queueOwners(ctx.informers.pods, 'DaemonSet');
  }

  protected async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.ctx.informers.daemonSets.get(name, namespace);
    if (!ds || ds.metadata.deletionTimestamp) {
      this.creating.delete(key);
      return;
    }
    const template = ds.spec?.template ?? {};
    const daemonPod = { spec: { ...template.spec, tolerations: [...(template.spec?.tolerations ?? []), ...DAEMON_TOLERATIONS] } };
    const nodes = this.ctx.informers.nodes.list().filter((n) => !n.metadata.deletionTimestamp);
    const wanted = new Set(nodes.filter((n) => nodeAdmits(daemonPod, n)).map((n) => n.metadata.name!));
    const owned = this.ctx.informers.pods.list().filter((p) => p.metadata.namespace === namespace && controllerUid(p, 'DaemonSet') === ds.metadata.uid && !p.metadata.deletionTimestamp);
    const creating = this.creating.get(key) ?? new Set<string>();
    this.creating.set(key, creating);
    const onNode = new Set(owned.map((p) => p.spec?.nodeName as string));
    // Seen, or no longer wanted (a node deleted before its pod showed: a later node of that name gets one).
    for (const n of [...creating]) if (onNode.has(n) || !wanted.has(n)) creating.delete(n);
    for (const node of wanted) {
      if (onNode.has(node) || creating.has(node)) continue;
      creating.add(node);
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: `${name}-`,
          namespace,
          labels: { ...(template.metadata?.labels ?? {}) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        spec: { ...structuredClone(daemonPod.spec), nodeName: node },
      };
      await this.ctx.client.create(PODS, pod).catch((e) => {
        creating.delete(node);
        throw e;
      });
    }
    for (const p of owned) if (!wanted.has(p.spec?.nodeName)) await this.ctx.client.delete(PODS, p.metadata.name!, namespace).catch(() => undefined);
    const status = { desiredNumberScheduled: wanted.size, currentNumberScheduled: owned.filter((p) => wanted.has(p.spec?.nodeName)).length, numberMisscheduled: owned.filter((p) => !wanted.has(p.spec?.nodeName)).length, observedGeneration: ds.metadata.generation };
    if (JSON.stringify(ds.status ?? {}) !== JSON.stringify({ ...ds.status, ...status })) {
      await this.ctx.client.patch(DAEMONSETS, name, namespace, { status }, 'merge', { subresource: 'status' }).catch(() => undefined);
    }
  }
}
