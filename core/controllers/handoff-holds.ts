/**
 * The room pods moved by an interrupted node's hand-off (ADR 100) still hold on the nodes they were
 * moved to, until the cache shows what replaced them. Pure bookkeeping over the pods the cache holds.
 *
 * A hold lasts while the evicted pod is in the cache (shutting down; a StatefulSet makes its successor
 * only after), then until a successor shows — a pod of the same owner created since the eviction (to
 * the second), each successor ending one hold, oldest hold first, so one replacement of a
 * three-replica move does not free the room of all three — and at most {@link HANDOFF_HOLD_MS} after
 * the evicted pod is gone (a ReplicaSet scaled down meanwhile never makes one).
 */
import type { KubeObject } from '../kube/client.js';
import type { Pod } from '../model/pod.js';

/** How long after the evicted pod is gone its room stays taken when no successor shows. */
export const HANDOFF_HOLD_MS = 30_000;

export interface HandOff {
  /** The pod as planned (where it was moved to is where its room is held). */
  readonly pod: Pod;
  /** Its controller's UID (a ReplicaSet, a StatefulSet, …). */
  readonly ownerUid: string;
  /** The evicted pod's UID ('' when unknown: then it is taken as gone). */
  readonly uid: string;
  /** When the eviction was accepted (clock ms). */
  readonly at: number;
}

function controllerUid(p: KubeObject): string | undefined {
  return (p.metadata.ownerReferences ?? []).find((r) => r.controller)?.uid;
}

export class HandOffHolds {
  private readonly holds = new Map<string, HandOff & { goneAt?: number }>();

  get size(): number {
    return this.holds.size;
  }

  /** A pod (`namespace/name`) a hand-off evicted. */
  add(name: string, handOff: HandOff): void {
    this.holds.set(name, { ...handOff });
  }

  has(name: string): boolean {
    return this.holds.has(name);
  }

  /** The pods whose room is still held, given the cache's pods; the holds that ended are dropped. */
  held(pods: readonly KubeObject[], now: number): Pod[] {
    if (this.holds.size === 0) return [];
    const present = new Map<string, string | undefined>();
    const createdByOwner = new Map<string, number[]>();
    for (const p of pods) {
      present.set(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p.metadata.uid);
      const owner = controllerUid(p);
      const created = Date.parse(p.metadata.creationTimestamp ?? '');
      if (owner && Number.isFinite(created)) {
        let list = createdByOwner.get(owner);
        if (!list) createdByOwner.set(owner, (list = []));
        list.push(created);
      }
    }
    for (const list of createdByOwner.values()) list.sort((a, b) => a - b);
    const held: Pod[] = [];
    for (const [name, h] of [...this.holds].sort((a, b) => a[1].at - b[1].at || (a[0] < b[0] ? -1 : 1))) {
      if (h.uid !== '' && present.get(name) === h.uid) {
        held.push(h.pod);
        continue;
      }
      h.goneAt ??= now;
      // The oldest pod of the owner created since the eviction is this one's successor (used up).
      const created = createdByOwner.get(h.ownerUid) ?? [];
      const successor = created.findIndex((t) => t >= Math.floor(h.at / 1000) * 1000);
      if (successor >= 0) created.splice(successor, 1);
      if (successor >= 0 || now - h.goneAt > HANDOFF_HOLD_MS) this.holds.delete(name);
      else held.push(h.pod);
    }
    return held;
  }
}
