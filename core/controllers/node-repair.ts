/**
 * Node repair (leader, every 30 s): a node smartscale launched that stays not Ready (Ready False,
 * or Unknown: its kubelet stopped reporting) for `controller.nodeRepairAfter` (30 min) is replaced.
 * By then the node lifecycle controller has long evicted its pods (5 min), so the node holds
 * capacity that serves nothing and that the provisioner still counts. So is one whose problem
 * detector reports it broken while the kubelet still says Ready (KernelReady False, KernelDeadlock
 * True…: `controller.nodeRepairConditions`, each for its own toleration). Its NodeClaim is marked
 * (`smartscale.io/repair`) and deleted; the lifecycle's termination drains what is left (pods stuck
 * terminating on a dead kubelet are not waited for) and terminates the instance, and the pending
 * pods get a new node from the provisioner.
 *
 * What may be repaired is decided by `planRepairs` (core/disruption/repair.ts): a circuit breaker
 * per pool (more than 20% of it unhealthy, at least one node: nothing is repaired) and one repair
 * per pool at a time. In observe mode, or with `controller.nodeRepair: "false"`, it says what it
 * would do (a `WouldRepairNode` Event) and does nothing.
 */
import { Refs } from '../kube/refs.js';
import { updateWithRetry } from '../kube/patch.js';
import { isConditionStatus, planRepairs, repairPolicies, REPAIR_ANNOTATION, type NodeCondition, type RepairNode } from '../disruption/repair.js';
import { isConditionTrue } from '../model/node-claim.js';
import type { KubeObject } from '../kube/client.js';
import type { Loop } from './loop.js';
import type { NodeLoopDependencies } from './loop-dependencies.js';
import { nodeRef } from './disruption.js';
import { nodeClaimRef } from './node-claim-lifecycle.js';
import { nodePoolRef } from './provisioner.js';

export { REPAIR_ANNOTATION };

export type NodeRepairOptions = Omit<NodeLoopDependencies, 'unavailable' | 'cloud'>;

/** The node's conditions of the given types, as planRepairs reads them; malformed ones are skipped. */
export function nodeConditions(node: KubeObject, types: ReadonlySet<string>): NodeCondition[] {
  const raw: unknown = node.status?.conditions;
  if (!Array.isArray(raw)) return [];
  const out: NodeCondition[] = [];
  for (const c of raw as Array<Record<string, unknown> | null>) {
    if (!c || typeof c.type !== 'string' || !types.has(c.type) || !isConditionStatus(c.status)) continue;
    const since = typeof c.lastTransitionTime === 'string' ? Date.parse(c.lastTransitionTime) : NaN;
    out.push({
      type: c.type,
      status: c.status,
      since: Number.isFinite(since) ? since : undefined,
      reason: typeof c.reason === 'string' ? c.reason : undefined,
      message: typeof c.message === 'string' ? c.message : undefined,
    });
  }
  return out;
}

export class NodeRepairLoop implements Loop {
  readonly name = 'node-repair';
  readonly leaderOnly = true;
  readonly intervalMs: number;
  /** What was last said per pool (blocked) and per node (observe mode): said again only when it changes. */
  private readonly said = new Map<string, string>();

  constructor(private readonly options: NodeRepairOptions) {
    this.intervalMs = options.intervalMs ?? 30_000;
  }

  forget(): void {
    this.said.clear();
  }

  /** The nodes as `planRepairs` sees them: every Node (the conditions of `types`) with the claim that launched it, if any. */
  snapshot(types: ReadonlySet<string>): RepairNode[] {
    const { state } = this.options;
    const claims = state.claims();
    const byProvider = new Map(claims.filter((c) => c.claim.status.providerId).map((c) => [c.claim.status.providerId!, c]));
    const out: RepairNode[] = [];
    const seen = new Set<string>();
    for (const node of state.nodes.list()) {
      const providerId = node.spec?.providerID;
      const entry = typeof providerId === 'string' && providerId !== '' ? byProvider.get(providerId) : undefined;
      if (entry) seen.add(entry.claim.name);
      out.push({
        name: node.metadata.name!,
        claim: entry?.claim.name,
        nodePool: entry?.claim.spec.nodePool,
        initialized: entry ? isConditionTrue(entry.claim, 'Initialized') : false,
        conditions: nodeConditions(node, types),
        deleting: Boolean(entry?.object.metadata.deletionTimestamp || node.metadata.deletionTimestamp),
        repairing: entry?.object.metadata.annotations?.[REPAIR_ANNOTATION] !== undefined,
      });
    }
    // A repair whose Node is already gone still counts as in progress until its claim is.
    for (const { object, claim } of claims) {
      if (seen.has(claim.name) || !object.metadata.deletionTimestamp || object.metadata.annotations?.[REPAIR_ANNOTATION] === undefined) continue;
      out.push({ name: `(claim ${claim.name})`, claim: claim.name, nodePool: claim.spec.nodePool, initialized: true, conditions: [], deleting: true, repairing: true });
    }
    return out;
  }

  async reconcile(): Promise<void> {
    const { client, state, clock, events, controllerMetrics: m } = this.options;
    const config = state.config();
    const settings = config.controller;
    const policies = repairPolicies(settings.nodeRepairAfterSeconds * 1000, settings.nodeRepairConditions);
    const types = new Set(policies.map((p) => p.conditionType));
    const plan = planRepairs(this.snapshot(types), clock.now(), { policies, maxUnhealthyShare: 0.2, maxInFlight: 1 });
    const blockedPools = new Set<string>();
    const act = settings.nodeRepair && config.cluster.mode === 'optimize';
    for (const b of plan.blocked) {
      // Waiting for a turn is news only when repairs are being made.
      if (b.kind === 'pacing' && !act) continue;
      blockedPools.add(b.nodePool);
      const key = `pool/${b.nodePool}`;
      // Said again when what holds it changes, not when a count in the sentence does.
      const gist = `${b.kind}:${b.nodes.join(',')}`;
      if (this.said.get(key) === gist) continue;
      this.said.set(key, gist);
      m.action(this.name, 'repair-blocked');
      const object = b.nodePool === '*' ? { apiVersion: 'v1', kind: 'Namespace', name: state.namespace } : nodePoolRef(b.nodePool);
      events.emit({ object, type: 'Warning', reason: 'NodeRepairBlocked', message: `${b.message}: ${b.nodes.join(', ')}` });
    }
    for (const key of [...this.said.keys()]) if (key.startsWith('pool/') && !blockedPools.has(key.slice(5))) this.said.delete(key);
    for (const r of plan.repairs) {
      if (!act) {
        const key = `node/${r.node}`;
        const why = settings.nodeRepair ? 'observe mode' : 'controller.nodeRepair is "false"';
        if (this.said.get(key) === r.claim) continue;
        this.said.set(key, r.claim);
        m.action(this.name, 'would-repair');
        events.emit({ object: nodeRef(r.node), type: 'Warning', reason: 'WouldRepairNode', message: `${r.message} (not done: ${why})` });
        continue;
      }
      // Marked first, so the pacing counts it whoever leads next, and the claim says why it went.
      const marked = await updateWithRetry(client, Refs.nodeClaims, r.claim, undefined, (fresh) => {
        if (fresh.metadata.deletionTimestamp) return undefined;
        fresh.metadata.annotations = { ...fresh.metadata.annotations, [REPAIR_ANNOTATION]: r.message };
        return fresh;
      });
      if (!marked || marked.metadata.deletionTimestamp) continue;
      if (!(await client.delete(Refs.nodeClaims, r.claim))) continue;
      m.action(this.name, 'repair');
      const message = `${r.message}; NodeClaim ${r.claim} deleted, its pods get a new node`;
      events.emit({ object: nodeRef(r.node), type: 'Warning', reason: 'NodeRepair', message });
      events.emit({ object: nodeClaimRef(r.claim), type: 'Warning', reason: 'NodeRepair', message });
    }
    for (const key of [...this.said.keys()]) {
      if (key.startsWith('node/') && !plan.repairs.some((r) => `node/${r.node}` === key)) this.said.delete(key);
    }
  }
}
