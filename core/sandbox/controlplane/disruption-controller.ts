/**
 * The disruption controller: keeps each PodDisruptionBudget's status (expected, healthy, desired
 * healthy pods and disruptions allowed) current as pods come, go and become ready.
 */
import type { KubeObject } from '../../kube/client.js';
import { budgetState } from '../budget.js';
import { keyOf, sameJson, splitKey, type ControlPlaneContext } from './context.js';
import { KeyedController } from './keyed-controller.js';
import { PDBS } from './refs.js';

export class DisruptionController extends KeyedController {
  readonly name = 'disruption';

  constructor(ctx: ControlPlaneContext) {
    super(ctx, ctx.informers.pdbs);
    const { pdbs, pods } = ctx.informers;
    const onPod = (p: KubeObject) => {
      for (const b of pdbs.list()) if (b.metadata.namespace === p.metadata.namespace) this.queue.add(keyOf(b));
    };
    pods.on({ add: onPod, update: onPod, delete: onPod });
  }

  protected async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pdb = this.ctx.informers.pdbs.get(name, namespace);
    if (!pdb) return;
    const pods = this.ctx.informers.pods.list().filter((p) => p.metadata.namespace === namespace);
    const s = budgetState(pdb, pods, (ns, kind, ownerName) => {
      const owner = kind === 'ReplicaSet' ? this.ctx.informers.replicaSets.get(ownerName, ns) : undefined;
      return typeof owner?.spec?.replicas === 'number' ? owner.spec.replicas : undefined;
    });
    const status = {
      ...(pdb.status ?? {}),
      observedGeneration: pdb.metadata.generation,
      expectedPods: s.expectedPods,
      currentHealthy: s.currentHealthy,
      desiredHealthy: s.desiredHealthy,
      disruptionsAllowed: s.disruptionsAllowed,
      conditions: [
        s.disruptionsAllowed > 0
          ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: pdb.metadata.generation, lastTransitionTime: pdb.status?.conditions?.[0]?.lastTransitionTime ?? new Date(this.ctx.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z') }
          : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: pdb.metadata.generation, lastTransitionTime: pdb.status?.conditions?.[0]?.lastTransitionTime ?? new Date(this.ctx.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z') },
      ],
    };
    if (pdb.status?.conditions?.[0]?.status !== status.conditions[0].status) {
      status.conditions[0].lastTransitionTime = new Date(this.ctx.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    }
    if (sameJson(status, pdb.status)) return;
    await this.ctx.client.patch(PDBS, name, namespace, { status }, 'merge', { subresource: 'status' }).catch((e) => {
      if (e?.code !== 404) throw e;
    });
  }
}
