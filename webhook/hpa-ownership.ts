/**
 * Which Deployments a HorizontalPodAutoscaler scales, kept in memory from an HPA informer so the
 * admission path never calls the API server. Where an HPA owns `spec.replicas`, the webhook leaves
 * them alone (two writers of one field fight; the HPA would win on its next sync anyway).
 */
import type { KubeClient, KubeObject, ResourceRef } from '../core/kube/client.js';
import { Informer } from '../core/kube/informer.js';
import type { Clock } from '../core/model/clock.js';
import type { ReplicaOwnership } from './admission/handle.js';

/** The fields of an autoscaling/v2 (or v1) HorizontalPodAutoscaler this index reads. */
export interface HpaLike {
  metadata: { namespace?: string; name?: string };
  spec?: { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } };
}

function hpaKey(hpa: HpaLike): string {
  return `${hpa.metadata.namespace ?? ''}/${hpa.metadata.name ?? ''}`;
}

function targetKey(hpa: HpaLike): string | undefined {
  const ref = hpa.spec?.scaleTargetRef;
  if (!ref || ref.kind !== 'Deployment' || !ref.name) return undefined;
  // apps/v1 today; older group versions of the same kind name the same object.
  if (ref.apiVersion !== undefined && !ref.apiVersion.startsWith('apps/') && !ref.apiVersion.startsWith('extensions/')) return undefined;
  return `${hpa.metadata.namespace ?? ''}/${ref.name}`;
}

export class HpaOwnershipIndex implements ReplicaOwnership {
  /** HPA → the Deployment it targets. */
  private readonly targets = new Map<string, string>();
  /** Deployment → how many HPAs target it (two HPAs on one Deployment happen, wrongly, in practice). */
  private readonly owners = new Map<string, number>();

  upsert(hpa: HpaLike): void {
    this.remove(hpa);
    const target = targetKey(hpa);
    if (!target) return;
    this.targets.set(hpaKey(hpa), target);
    this.owners.set(target, (this.owners.get(target) ?? 0) + 1);
  }

  remove(hpa: HpaLike): void {
    const key = hpaKey(hpa);
    const target = this.targets.get(key);
    if (target === undefined) return;
    this.targets.delete(key);
    const count = (this.owners.get(target) ?? 1) - 1;
    if (count <= 0) this.owners.delete(target);
    else this.owners.set(target, count);
  }

  hpaOwnsReplicas(namespace: string, name: string): boolean {
    return this.owners.has(`${namespace}/${name}`);
  }
}

/** autoscaling/v2 HorizontalPodAutoscalers, cluster-wide. */
export const HPA_RESOURCE: ResourceRef = { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', namespaced: true };

export interface HpaWatch {
  ownership: HpaOwnershipIndex;
  /** True once the first list is in: before that every Deployment would look HPA-free. */
  hasSynced(): boolean;
  stop(): void;
}

/** Keeps an HpaOwnershipIndex current from a list+watch of HPAs (the informer retries on its own). */
export function watchHpaOwnership(client: KubeClient, clock: Clock, onError: (error: unknown) => void): HpaWatch {
  const ownership = new HpaOwnershipIndex();
  const informer = new Informer<HpaLike & KubeObject>(client, HPA_RESOURCE, { clock, onError });
  informer.on({ add: (h) => ownership.upsert(h), update: (h) => ownership.upsert(h), delete: (h) => ownership.remove(h) });
  void informer.start();
  return { ownership, hasSynced: () => informer.hasSynced(), stop: () => informer.stop() };
}
