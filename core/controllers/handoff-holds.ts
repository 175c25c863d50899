/**
 * The room pods moved by an interrupted node's hand-off (ADR 100) still hold on the nodes they were
 * moved to, until the cache shows what replaced them. Pure bookkeeping over the pods the cache holds.
 *
 * A hold lasts while the evicted pod is in the cache (shutting down; a StatefulSet makes its successor
 * only after), then until its successor shows, and at most {@link HANDOFF_HOLD_MS} after the evicted
 * pod is gone (a ReplicaSet scaled down meanwhile never makes one). The successor: a pod of the same
 * name with another UID (a StatefulSet's), else a pod of the same owner created since the eviction (to
 * the second). Each successor ends one hold, oldest hold first, and is remembered as used while it is
 * in the cache, so one replacement of a three-pod move ends one hold, on this pass and on the next.
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

interface Candidate {
  readonly name: string;
  readonly uid: string;
  readonly created: number;
}

function controllerUid(p: KubeObject): string | undefined {
  return (p.metadata.ownerReferences ?? []).find((r) => r.controller)?.uid;
}

export class HandOffHolds {
  private readonly holds = new Map<string, HandOff & { goneAt?: number }>();
  /** UIDs of pods that already ended a hold (forgotten once they leave the cache). */
  private readonly usedSuccessors = new Set<string>();

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
    if (this.holds.size === 0) {
      this.usedSuccessors.clear();
      return [];
    }
    const present = new Map<string, string | undefined>();
    const byOwner = new Map<string, Candidate[]>();
    const inCache = new Set<string>();
    for (const p of pods) {
      const name = `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
      const uid = p.metadata.uid ?? '';
      present.set(name, uid);
      if (uid) inCache.add(uid);
      const owner = controllerUid(p);
      const created = Date.parse(p.metadata.creationTimestamp ?? '');
      if (owner && uid && Number.isFinite(created) && !this.usedSuccessors.has(uid)) {
        let list = byOwner.get(owner);
        if (!list) byOwner.set(owner, (list = []));
        list.push({ name, uid, created });
      }
    }
    for (const uid of this.usedSuccessors) if (!inCache.has(uid)) this.usedSuccessors.delete(uid);
    for (const list of byOwner.values()) list.sort((a, b) => a.created - b.created);
    const held: Pod[] = [];
    for (const [name, h] of [...this.holds].sort((a, b) => a[1].at - b[1].at || (a[0] < b[0] ? -1 : 1))) {
      if (h.uid !== '' && present.get(name) === h.uid) {
        held.push(h.pod);
        continue;
      }
      h.goneAt ??= now;
      const candidates = byOwner.get(h.ownerUid) ?? [];
      // Its own name again (a StatefulSet's successor), else the oldest pod of the owner made since.
      let i = candidates.findIndex((c) => c.name === name && c.uid !== h.uid);
      if (i < 0) i = candidates.findIndex((c) => c.created >= Math.floor(h.at / 1000) * 1000 && !this.holds.has(c.name));
      if (i >= 0) {
        this.usedSuccessors.add(candidates[i].uid);
        candidates.splice(i, 1);
        this.holds.delete(name);
      } else if (now - h.goneAt > HANDOFF_HOLD_MS) this.holds.delete(name);
      else held.push(h.pod);
    }
    return held;
  }
}
