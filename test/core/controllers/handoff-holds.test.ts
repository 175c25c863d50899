/**
 * The room a hand-off's moved pods hold (handoff-holds.ts): while the evicted pod is in the cache,
 * then until a successor of its owner shows — one successor per hold — or 30 s after it is gone.
 */
import { describe, expect, it } from 'vitest';
import { HANDOFF_HOLD_MS, HandOffHolds } from '../../../core/controllers/handoff-holds.js';
import type { KubeObject } from '../../../core/kube/client.js';
import { resources } from '../../../core/model/resources.js';
import type { Pod } from '../../../core/model/pod.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const model = (name: string): Pod => ({ namespace: 'default', name, labels: {}, requests: resources({ milliCpu: 500, pods: 1 }) });
const cached = (name: string, uid: string, owner: string, createdAt: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid, creationTimestamp: iso(createdAt), ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true }] },
});
const names = (pods: Pod[]) => pods.map((p) => p.name).sort();

describe('hand-off holds', () => {
  it('three pods of one ReplicaSet moved: each successor that shows ends one hold, not all three', () => {
    const holds = new HandOffHolds();
    for (const n of ['a', 'b', 'c']) holds.add(`default/${n}`, { pod: model(n), ownerUid: 'rs', uid: `uid-${n}`, at: T0 });
    const sibling = cached('old', 'uid-old', 'rs', T0 - 3_600_000); // there before: no successor
    // Evicted pods gone, one successor in the cache: two holds remain — on this pass and the next
    // ones (a successor ends one hold once, not one per pass).
    const oneSuccessor = [sibling, cached('a2', 'uid-a2', 'rs', T0 + 400)];
    expect(names(holds.held(oneSuccessor, T0 + 1_000))).toHaveLength(2);
    expect(names(holds.held(oneSuccessor, T0 + 3_000))).toHaveLength(2);
    expect(names(holds.held(oneSuccessor, T0 + 5_000))).toHaveLength(2);
    // Both others show: every hold ends.
    expect(holds.held([sibling, cached('a2', 'uid-a2', 'rs', T0 + 400), cached('b2', 'uid-b2', 'rs', T0 + 500), cached('c2', 'uid-c2', 'rs', T0 + 600)], T0 + 2_000)).toEqual([]);
    expect(holds.size).toBe(0);
  });

  it('a pod of another owner is no successor; without one the hold ends 30 s after the pod is gone', () => {
    const holds = new HandOffHolds();
    holds.add('default/a', { pod: model('a'), ownerUid: 'rs', uid: 'uid-a', at: T0 });
    const stranger = cached('x', 'uid-x', 'other-rs', T0 + 500);
    expect(names(holds.held([stranger], T0 + 1_000))).toEqual(['a']);
    expect(names(holds.held([stranger], T0 + 1_000 + HANDOFF_HOLD_MS))).toEqual(['a']);
    expect(holds.held([stranger], T0 + 1_001 + HANDOFF_HOLD_MS)).toEqual([]);
  });

  it('a StatefulSet pod shutting down for two minutes keeps its hold throughout; its successor (same name, new UID) ends it', () => {
    const holds = new HandOffHolds();
    holds.add('default/db-0', { pod: model('db-0'), ownerUid: 'sts', uid: 'uid-1', at: T0 });
    const terminating = { ...cached('db-0', 'uid-1', 'sts', T0 - 86_400_000), metadata: { ...cached('db-0', 'uid-1', 'sts', T0 - 86_400_000).metadata, deletionTimestamp: iso(T0 + 120_000) } };
    expect(names(holds.held([terminating], T0 + 100_000))).toEqual(['db-0']);
    // Gone; its successor not made yet: still held (the 30 s count starts now).
    expect(names(holds.held([], T0 + 121_000))).toEqual(['db-0']);
    expect(holds.held([cached('db-0', 'uid-2', 'sts', T0 + 121_500)], T0 + 122_000)).toEqual([]);
  });

  it('two StatefulSet pods: the first one\'s successor does not end the second one\'s hold', () => {
    const holds = new HandOffHolds();
    holds.add('default/db-0', { pod: model('db-0'), ownerUid: 'sts', uid: 'old-0', at: T0 });
    holds.add('default/db-1', { pod: model('db-1'), ownerUid: 'sts', uid: 'old-1', at: T0 });
    const db1Leaving = cached('db-1', 'old-1', 'sts', T0 - 86_400_000);
    // db-0 is gone and back under a new UID; db-1 still shuts down.
    expect(names(holds.held([cached('db-0', 'new-0', 'sts', T0 + 5_000), db1Leaving], T0 + 6_000))).toEqual(['db-1']);
    // db-1 gone, its successor not made yet: db-0's successor is not taken for it.
    expect(names(holds.held([cached('db-0', 'new-0', 'sts', T0 + 5_000)], T0 + 60_000))).toEqual(['db-1']);
    expect(holds.held([cached('db-0', 'new-0', 'sts', T0 + 5_000), cached('db-1', 'new-1', 'sts', T0 + 61_000)], T0 + 62_000)).toEqual([]);
  });

  it('a successor created in the second of the eviction counts (creation times are to the second)', () => {
    const holds = new HandOffHolds();
    holds.add('default/a', { pod: model('a'), ownerUid: 'rs', uid: 'uid-a', at: T0 + 700 });
    expect(holds.held([cached('a2', 'uid-a2', 'rs', T0)], T0 + 900)).toEqual([]);
  });
});
