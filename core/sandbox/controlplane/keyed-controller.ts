/**
 * What the deployment, ReplicaSet and disruption controllers and the scheduler share: one work
 * queue of `namespace/name` keys, each reconciled by `reconcile` (errors reported under the
 * controller's name and retried by the queue), and the `stop` / `idle` the control plane calls.
 */
import type { KubeObject } from '../../kube/client.js';
import type { Informer } from '../../kube/informer.js';
import { controllerKey, keyOf, type ControlPlaneContext } from './context.js';
import { WorkQueue } from './work-queue.js';

export abstract class KeyedController {
  abstract readonly name: string;
  protected readonly queue: WorkQueue;

  /**
   * `own`: the informer of the objects reconciled, each of which it adds or updates is queued
   * (deletions need no reconcile); without it, the subclass queues what it chooses.
   */
  constructor(
    protected readonly ctx: ControlPlaneContext,
    own?: Informer<KubeObject>,
  ) {
    this.queue = new WorkQueue((k) => this.reconcile(k), ctx.clock, (_k, e) => ctx.onError(this.name, e));
    own?.on({ add: (o) => this.queue.add(keyOf(o)), update: (o) => this.queue.add(keyOf(o)) });
  }

  protected abstract reconcile(key: string): Promise<void>;

  stop(): void {
    this.queue.stop();
  }

  idle(): boolean {
    return this.queue.idle();
  }

  /** Queues the controlling owner (of `kind`) of every object `children` adds, updates or deletes. */
  protected queueOwners(children: Informer<KubeObject>, kind: string): void {
    const queueOwner = (o: KubeObject) => {
      const owner = controllerKey(o, kind);
      if (owner) this.queue.add(owner);
    };
    children.on({ add: queueOwner, update: queueOwner, delete: queueOwner });
  }
}
