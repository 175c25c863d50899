/**
 * Which pods of a node being deleted the provisioner plans for (they will run again elsewhere),
 * as Karpenter does: not a DaemonSet's or a static pod, not a bare pod (nothing recreates it), not
 * finished, and not already terminating — except a StatefulSet's, whose successor only comes once
 * it is gone.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../core/kube/client.js';
import { isPendingPod, isReschedulable } from '../../../core/controllers/objects.js';

function pod(owner: string | undefined, extra: { terminating?: boolean; phase?: string; controller?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'default',
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner, name: 'o', uid: 'u', controller: extra.controller ?? true }] } : {}),
      ...(extra.terminating ? { deletionTimestamp: '2026-12-05T12:00:00Z' } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
    status: { phase: extra.phase ?? 'Running' },
  };
}

describe('isReschedulable', () => {
  it('pods a controller runs again elsewhere', () => {
    for (const kind of ['ReplicaSet', 'StatefulSet', 'Job']) expect(isReschedulable(pod(kind))).toBe(true);
  });

  it('not a DaemonSet pod, a static pod, a bare pod or one whose owner is not its controller', () => {
    expect(isReschedulable(pod('DaemonSet'))).toBe(false);
    expect(isReschedulable(pod('Node'))).toBe(false);
    expect(isReschedulable(pod(undefined))).toBe(false);
    expect(isReschedulable(pod('ReplicaSet', { controller: false }))).toBe(false);
  });

  it('not a finished pod', () => {
    expect(isReschedulable(pod('Job', { phase: 'Succeeded' }))).toBe(false);
    expect(isReschedulable(pod('ReplicaSet', { phase: 'Failed' }))).toBe(false);
  });

  it("a terminating pod's replacement is already pending; a StatefulSet's is not created until it is gone", () => {
    expect(isReschedulable(pod('ReplicaSet', { terminating: true }))).toBe(false);
    expect(isReschedulable(pod('StatefulSet', { terminating: true }))).toBe(true);
  });
});

describe('isPendingPod', () => {
  const unbound = (owner: string | undefined, extra: { controller?: boolean } = {}): KubeObject => {
    const p = pod(owner, extra);
    // As the DaemonSet controller makes its pods: unbound, pinned to one node by a metadata.name field.
    const pinned = owner === 'DaemonSet' ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } } } : {};
    return { ...p, spec: { containers: [{ name: 'c' }], ...pinned }, status: { phase: 'Pending' } };
  };

  it('an unbound pod of a ReplicaSet, a Job or no owner waits for a node', () => {
    for (const kind of ['ReplicaSet', 'Job', undefined]) expect(isPendingPod(unbound(kind))).toBe(true);
    expect(isPendingPod(unbound('DaemonSet', { controller: false }))).toBe(true);
  });

  it('a DaemonSet pod waiting for room on its own node, or a static pod, is not planned onto a new node', () => {
    expect(isPendingPod(unbound('DaemonSet'))).toBe(false);
    expect(isPendingPod(unbound('Node'))).toBe(false);
  });

  it('a pod for another scheduler (Fargate) waits for that scheduler to find no node; the default scheduler’s does not', () => {
    const fargate = (conditions: unknown[] = []): KubeObject => {
      const p = unbound('ReplicaSet');
      return { ...p, spec: { ...p.spec, schedulerName: 'fargate-scheduler' }, status: { phase: 'Pending', conditions } };
    };
    expect(isPendingPod(fargate())).toBe(false);
    expect(isPendingPod(fargate([{ type: 'PodScheduled', status: 'False', reason: 'SchedulerError' }]))).toBe(false);
    expect(isPendingPod(fargate([{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }]))).toBe(true);
    for (const schedulerName of ['default-scheduler', '', undefined]) {
      const p = unbound('ReplicaSet');
      expect(isPendingPod({ ...p, spec: { ...p.spec, schedulerName } })).toBe(true);
    }
  });

  it('a pod nominated to a node (preempting there) is not planned onto a new one', () => {
    const p = unbound('ReplicaSet');
    expect(isPendingPod({ ...p, status: { phase: 'Pending', nominatedNodeName: 'n1' } })).toBe(false);
    expect(isPendingPod({ ...p, status: { phase: 'Pending', nominatedNodeName: '' } })).toBe(true);
  });

  it('bound, terminating, finished or gated pods are not pending', () => {
    expect(isPendingPod(pod('ReplicaSet'))).toBe(false);
    expect(isPendingPod({ ...unbound('ReplicaSet'), metadata: { ...unbound('ReplicaSet').metadata, deletionTimestamp: '2026-12-05T12:00:00Z' } })).toBe(false);
    expect(isPendingPod({ ...unbound('Job'), status: { phase: 'Failed' } })).toBe(false);
    expect(isPendingPod({ ...unbound('ReplicaSet'), spec: { containers: [], schedulingGates: [{ name: 'wait' }] } })).toBe(false);
  });
});
