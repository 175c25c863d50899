/**
 * The Deployment controller: one ReplicaSet per pod-template version (named by a hash of the
 * template), scaled so the Deployment has `spec.replicas` pods — immediately for a pure scale,
 * and by a rolling update (maxSurge / maxUnavailable) or Recreate when the template changes —
 * and the Deployment's status summarised from its ReplicaSets.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../kube/client.js';
import { controllerUid, rfc3339, sameJson, splitKey, type ControlPlaneContext } from './context.js';
import { KeyedController } from './keyed-controller.js';
import { DEPLOYMENTS, REPLICASETS } from './refs.js';

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The pod-template-hash label value for a template (stable for equal templates). */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template ?? {})).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += HASH_ALPHABET[digest[i] % HASH_ALPHABET.length];
  return out;
}

export function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = typeof value === 'string' ? value.match(/^(\d+)%$/) : null;
  if (!m) return Number(value) || 0;
  const v = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(v) : Math.floor(v);
}

export interface RolloutStep {
  newReplicas: number;
  /** Replicas per old ReplicaSet name. */
  oldReplicas: Map<string, number>;
}

/**
 * One step of a rolling update, pure: given the desired count, the surge/unavailability limits
 * and the ReplicaSets' current spec and available counts, the replica counts to set next.
 */
export function rollingStep(desired: number, maxSurge: number, maxUnavailable: number, newRs: { spec: number; available: number }, olds: Array<{ name: string; spec: number; available: number }>): RolloutStep {
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const oldTotal = olds.reduce((n, o) => n + o.spec, 0);
  const total = newRs.spec + oldTotal;
  let newReplicas = newRs.spec;
  if (oldTotal === 0) newReplicas = desired;
  else if (total < desired + maxSurge) newReplicas = Math.min(desired, newRs.spec + (desired + maxSurge - total));
  else if (newRs.spec > desired) newReplicas = desired;
  const available = newRs.available + olds.reduce((n, o) => n + o.available, 0);
  let budget = Math.max(0, available - (desired - maxUnavailable));
  const oldReplicas = new Map<string, number>();
  // Unavailable old pods cost no availability: remove them first.
  for (const o of olds) {
    const unhealthy = Math.max(0, o.spec - o.available);
    oldReplicas.set(o.name, o.spec - unhealthy);
  }
  for (const o of olds) {
    const current = oldReplicas.get(o.name)!;
    const cut = Math.min(current, budget);
    oldReplicas.set(o.name, current - cut);
    budget -= cut;
  }
  return { newReplicas, oldReplicas };
}

export class DeploymentController extends KeyedController {
  readonly name = 'deployment';

  constructor(ctx: ControlPlaneContext) {
    super(ctx, ctx.informers.deployments);
    this.queueOwners(ctx.informers.replicaSets, 'Deployment');
  }

  protected async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const d = this.ctx.informers.deployments.get(name, namespace);
    if (!d || d.metadata.deletionTimestamp) return;
    const owned = this.ctx.informers.replicaSets.list().filter((rs) => rs.metadata.namespace === namespace && controllerUid(rs, 'Deployment') === d.metadata.uid);
    const hash = templateHash(d.spec?.template);
    let newRs = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const olds = owned.filter((rs) => rs !== newRs);
    const desired: number = d.spec?.replicas ?? 1;
    const revision = 1 + Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)));
    if (!newRs) {
      if (d.spec?.paused) return;
      const initial = olds.length === 0 ? desired : 0;
      newRs = await this.createReplicaSet(d, hash, initial, revision);
    }
    if (!d.spec?.paused) await this.scale(d, newRs, olds, desired);
    await this.writeStatus(d, newRs, olds, desired);
  }

  private async createReplicaSet(d: KubeObject, hash: string, replicas: number, revision: number): Promise<KubeObject> {
    const template = structuredClone(d.spec.template ?? {});
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...(template.metadata.labels ?? {}) },
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas ?? 1), 'deployment.kubernetes.io/revision': String(revision) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        replicas,
        selector: { ...(d.spec.selector ?? {}), matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
        template,
      },
    };
    try {
      return await this.ctx.client.create(REPLICASETS, rs);
    } catch (error) {
      // Created by an earlier pass the informer has not shown yet.
      const existing = await this.ctx.client.get(REPLICASETS, rs.metadata.name!, rs.metadata.namespace);
      if (existing) return existing;
      throw error;
    }
  }

  private async setReplicas(rs: KubeObject, replicas: number): Promise<void> {
    if ((rs.spec?.replicas ?? 0) === replicas) return;
    await this.ctx.client.patch(REPLICASETS, rs.metadata.name!, rs.metadata.namespace, { spec: { replicas } }, 'merge');
  }

  private async scale(d: KubeObject, newRs: KubeObject, olds: KubeObject[], desired: number): Promise<void> {
    const recreate = d.spec?.strategy?.type === 'Recreate';
    if (recreate) {
      for (const o of olds) await this.setReplicas(o, 0);
      const oldPods = olds.reduce((n, o) => n + (o.status?.replicas ?? 0), 0);
      if (oldPods === 0) await this.setReplicas(newRs, desired);
      return;
    }
    const ru = d.spec?.strategy?.rollingUpdate ?? {};
    const step = rollingStep(
      desired,
      resolveIntOrPercent(ru.maxSurge ?? '25%', desired, true),
      resolveIntOrPercent(ru.maxUnavailable ?? '25%', desired, false),
      { spec: newRs.spec?.replicas ?? 0, available: newRs.status?.availableReplicas ?? 0 },
      olds.map((o) => ({ name: o.metadata.name!, spec: o.spec?.replicas ?? 0, available: o.status?.availableReplicas ?? 0 })),
    );
    await this.setReplicas(newRs, step.newReplicas);
    for (const o of olds) await this.setReplicas(o, step.oldReplicas.get(o.metadata.name!) ?? 0);
  }

  private async writeStatus(d: KubeObject, newRs: KubeObject, olds: KubeObject[], desired: number): Promise<void> {
    const all = [newRs, ...olds];
    const sum = (f: (rs: KubeObject) => number) => all.reduce((n, rs) => n + f(rs), 0);
    const available = sum((rs) => rs.status?.availableReplicas ?? 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const maxUnavailable = resolveIntOrPercent(d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
    const now = rfc3339(this.ctx.clock.now());
    const old = d.status?.conditions ?? [];
    const condition = (type: string, status: string, reason: string, message: string) => {
      const prev = old.find((c: any) => c.type === type);
      const same = prev?.status === status;
      return { type, status, lastUpdateTime: same && prev.reason === reason ? prev.lastUpdateTime : now, lastTransitionTime: same ? prev.lastTransitionTime : now, reason, message };
    };
    const complete = (newRs.status?.availableReplicas ?? 0) === desired && replicas === desired;
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: newRs.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
      availableReplicas: available,
      ...(desired - available > 0 ? { unavailableReplicas: desired - available } : {}),
      conditions: [
        available >= desired - maxUnavailable
          ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        complete
          ? condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${newRs.metadata.name}" has successfully progressed.`)
          : condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${newRs.metadata.name}" is progressing.`),
      ],
    };
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas']) if (status[k] === 0) delete status[k];
    if (sameJson(status, d.status)) return;
    await this.ctx.client.replace(DEPLOYMENTS, { ...d, status }, 'status').catch((e) => {
      // A newer Deployment is on its way through the informer; that event reconciles again.
      if (!(e?.code === 409)) throw e;
    });
  }
}
