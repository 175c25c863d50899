/**
 * Node class status (leader, every minute): for providers with node class objects (EC2NodeClass),
 * what each resolves to now is written to its `status` — the subnets, security groups and images
 * its selectors match, the instance profile launches use, and a `Ready` condition (False with the
 * reason when the spec is invalid or a selector matches nothing usable). `kubectl get
 * ec2nodeclasses` shows Ready (and with `-o wide` why not) before a launch ever fails on it; a
 * Warning Event `NodeClassNotReady` says so when a class stops resolving, `NodeClassReady` when it
 * resolves again. Status only: launches resolve the class themselves.
 */
import type { NodeClassReport } from '../cloud/provider.js';
import type { KubeObject } from '../kube/client.js';
import { canonicalJson } from '../model/canonical-json.js';
import { patchStatusWithRetry } from '../kube/patch.js';
import { Refs } from '../kube/refs.js';
import type { Loop } from './loop.js';
import type { NodeLoopDependencies } from './loop-dependencies.js';

/** EC2NodeClass is the only node class kind so far; another provider's would get its own Refs entry here. */
export type NodeClassStatusOptions = Omit<NodeLoopDependencies, 'unavailable' | 'state'>;

type Obj = Record<string, any>;

function readyCondition(status: Obj | undefined): Obj | undefined {
  return Array.isArray(status?.conditions) ? status.conditions.find((c: Obj) => c?.type === 'Ready') : undefined;
}

/**
 * The status to write for a report, or undefined when the object already says it. The Ready
 * condition keeps its transition time while its status stays; conditions of other types are kept.
 */
export function nodeClassStatusFor(object: KubeObject, report: NodeClassReport, now: number): Obj | undefined {
  const previous: Obj | undefined = object.status;
  const before = readyCondition(previous);
  const status = report.ready ? 'True' : 'False';
  const generation = typeof object.metadata.generation === 'number' ? object.metadata.generation : undefined;
  const ready: Obj = {
    type: 'Ready',
    status,
    reason: report.reason,
    message: report.message,
    lastTransitionTime: before?.status === status && typeof before.lastTransitionTime === 'string' ? before.lastTransitionTime : new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  const others = Array.isArray(previous?.conditions) ? previous.conditions.filter((c: Obj) => c?.type !== 'Ready') : [];
  const next: Obj = { ...report.fields, conditions: [...others, ready] };
  return canonicalJson(next) === canonicalJson(previous ?? {}) ? undefined : next;
}

export class NodeClassStatusLoop implements Loop {
  readonly name = 'node-class-status';
  readonly leaderOnly = true;
  readonly intervalMs: number;

  constructor(private readonly options: NodeClassStatusOptions) {
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  async reconcile(): Promise<void> {
    const { cloud, client, clock, events, controllerMetrics: m } = this.options;
    if (!cloud.nodeClassStatus) return;
    const { items } = await client.list(Refs.ec2NodeClasses);
    for (const item of items) {
      const name = item.metadata.name;
      if (!name) continue;
      const report = await cloud.nodeClassStatus(name);
      if (!report) continue;
      let wasReady: boolean | undefined;
      const wrote = await patchStatusWithRetry(client, Refs.ec2NodeClasses, name, undefined, (fresh) => {
        const before = readyCondition(fresh.status);
        wasReady = before ? before.status === 'True' : undefined;
        return nodeClassStatusFor(fresh, report, clock.now());
      });
      if (!wrote || wasReady === report.ready) continue;
      m.action(this.name, report.ready ? 'ready' : 'not-ready');
      // A class seen for the first time is news only when it does not resolve.
      if (wasReady === undefined && report.ready) continue;
      const object = { apiVersion: 'smartscale.io/v1', kind: 'EC2NodeClass', name };
      events.emit(report.ready ? { object, type: 'Normal', reason: 'NodeClassReady', message: report.message } : { object, type: 'Warning', reason: 'NodeClassNotReady', message: `${report.reason}: ${report.message}` });
    }
  }
}
