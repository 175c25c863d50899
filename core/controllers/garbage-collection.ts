/**
 * Garbage collection: what a crash, a manual deletion or a cloud-side termination leaves behind.
 * - Instances smartscale launched (`CloudProvider.list`) that no NodeClaim records, older than the
 *   grace period: terminated. The grace period covers a claim the informer has not seen yet.
 * - NodeClaims whose instance is gone (the cloud no longer lists it) for the grace period: deleted
 *   (their Node goes with them in the lifecycle's termination).
 * Nothing is decided on a single observation: both need the grace period to pass first.
 */
import { isNodeClaimNotFoundError } from '../cloud/errors.js';
import type { CloudProvider } from '../cloud/provider.js';
import type { KubeClient } from '../kube/client.js';
import { Refs } from '../kube/refs.js';
import type { Clock } from '../model/clock.js';
import type { ClusterState } from './cluster-state.js';
import type { ControllerEvents } from './events.js';
import type { Loop } from './loop.js';
import type { ControllerMetrics } from './metrics.js';
import { nodeClaimRef } from './node-claim-lifecycle.js';

export interface GarbageCollectionOptions {
  client: KubeClient;
  state: ClusterState;
  cloud: CloudProvider;
  clock: Clock;
  controllerMetrics: ControllerMetrics;
  events: ControllerEvents;
  intervalMs?: number;
  /** Default 2 minutes. */
  gracePeriodMs?: number;
}

export class GarbageCollectionLoop implements Loop {
  readonly name = 'garbage-collection';
  readonly leaderOnly = true;
  readonly intervalMs: number;
  private readonly firstSeenOrphan = new Map<string, number>();
  private readonly firstSeenGone = new Map<string, number>();

  constructor(private readonly options: GarbageCollectionOptions) {
    this.intervalMs = options.intervalMs ?? 30_000;
  }

  async reconcile(): Promise<void> {
    const { cloud, clock, client, state, events, controllerMetrics: m } = this.options;
    const grace = this.options.gracePeriodMs ?? 120_000;
    const now = clock.now();
    const instances = await cloud.list();
    const claims = state.claims();
    const claimNames = new Set(claims.map((c) => c.claim.name));
    const live = new Set<string>();
    for (const instance of instances) {
      const id = instance.status.providerId ?? instance.name;
      live.add(id);
      if (claimNames.has(instance.name)) {
        this.firstSeenOrphan.delete(id);
        continue;
      }
      const since = this.firstSeenOrphan.get(id) ?? now;
      this.firstSeenOrphan.set(id, since);
      if (now - since < grace || now - instance.createdAt < grace) continue;
      try {
        await cloud.delete(instance);
      } catch (error) {
        if (!isNodeClaimNotFoundError(error)) throw error;
      }
      this.firstSeenOrphan.delete(id);
      m.action(this.name, 'terminate-orphan-instance');
      events.emit({ object: { apiVersion: 'v1', kind: 'Namespace', name: state.namespace }, type: 'Warning', reason: 'OrphanInstanceTerminated', message: `terminated ${id} (claim ${instance.name} no longer exists)` });
    }
    for (const id of [...this.firstSeenOrphan.keys()]) if (!live.has(id)) this.firstSeenOrphan.delete(id);
    for (const { object, claim } of claims) {
      const id = claim.status.providerId;
      if (!id || object.metadata.deletionTimestamp || live.has(id)) {
        this.firstSeenGone.delete(claim.name);
        continue;
      }
      const since = this.firstSeenGone.get(claim.name) ?? now;
      this.firstSeenGone.set(claim.name, since);
      if (now - since < grace) continue;
      await client.delete(Refs.nodeClaims, claim.name);
      this.firstSeenGone.delete(claim.name);
      m.action(this.name, 'delete-claim-instance-gone');
      events.emit({ object: nodeClaimRef(claim.name), type: 'Warning', reason: 'InstanceGone', message: `instance ${id} no longer exists; deleting the claim` });
    }
  }
}
