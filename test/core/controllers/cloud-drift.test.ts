/**
 * Cloud drift on the sandbox: the simulated cloud publishes a new image while a node launched on the
 * old one runs two pods. The cloud drift loop records a `Drifted` condition on its NodeClaim (and an
 * Event); a pool budget of zero for `Drifted` holds the replacement back; an image rolled back
 * clears the condition; with the budget lifted the node is replaced by one on the new image and the
 * pods move.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { driftConditions } from '../../../core/controllers/cloud-drift.js';
import type { ControllerOptions } from '../../../core/controllers/controller.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { existingNodeFromObject, nodeClaimFromObject } from '../../../core/controllers/objects.js';
import { updateWithRetry } from '../../../core/kube/patch.js';
import { Refs } from '../../../core/kube/refs.js';
import { nodeClaimCondition, type NodeClaim } from '../../../core/model/node-claim.js';
import { ZERO_RESOURCES } from '../../../core/model/resources.js';
import { nodeClaims, runDeployment, untilRunning, waitFor } from './support.js';

const FAST: Partial<ControllerOptions> = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 5_000, 'cloud-drift': 10_000, 'node-repair': 36_000_000, 'garbage-collection': 10_000, forecaster: 60_000, config: 5_000 },
  validationMs: 5_000,
};

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('driftConditions (pure)', () => {
  const base: NodeClaim = {
    name: 'demo-abcde',
    createdAt: 0,
    spec: { nodePool: 'demo', requirements: [], requests: ZERO_RESOURCES, instanceTypeOptions: ['m5.large'], taints: [], labels: {} },
    status: { providerId: 'sim:///a/i-1', conditions: [{ type: 'Initialized', status: 'True', lastTransitionTime: 5 }] },
  };
  const image = { reason: 'ImageDrift' as const, message: 'runs a; the current image is b' };

  it('adds Drifted at now, keeps its time while the drift is the same, rewrites a changed reason, removes it when current', () => {
    const first = driftConditions(base, image, 100)!;
    expect(first).toEqual([base.status.conditions[0], { type: 'Drifted', status: 'True', reason: 'ImageDrift', message: image.message, lastTransitionTime: 100 }]);
    const marked = { ...base, status: { ...base.status, conditions: first } };
    expect(driftConditions(marked, image, 200)).toBeUndefined();
    const other = driftConditions(marked, { reason: 'SubnetDrift', message: 'is in s-1' }, 300)!;
    expect(other.find((c) => c.type === 'Drifted')).toMatchObject({ reason: 'SubnetDrift', lastTransitionTime: 100 });
    expect(driftConditions(marked, undefined, 400)).toEqual([base.status.conditions[0]]);
    expect(driftConditions(base, undefined, 400)).toBeUndefined();
  });

  it('the planner sees a True Drifted condition as cloud drift, nothing else', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: {} }, spec: { providerID: 'sim:///a/i-1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    const withDrift = (status: 'True' | 'False') => ({ ...base, status: { ...base.status, conditions: [...base.status.conditions, { type: 'Drifted' as const, status, reason: 'ImageDrift', message: image.message, lastTransitionTime: 1 }] } });
    expect(existingNodeFromObject(node, { pods: [], claim: withDrift('True') }).cloudDrift).toBe('ImageDrift: the instance runs a; the current image is b');
    expect(existingNodeFromObject(node, { pods: [], claim: withDrift('False') }).cloudDrift).toBeUndefined();
    expect(existingNodeFromObject(node, { pods: [], claim: base }).cloudDrift).toBeUndefined();
  });
});

describe('cloud drift', () => {
  it('a node on an image the cloud no longer launches is marked Drifted, held by a Drifted budget, cleared on rollback, then replaced', async () => {
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST, mode: 'optimize' }));
    const api = e.sandbox.client;
    const [pool] = (await api.list(Refs.nodePools)).items;
    const setBudgets = (budgets: unknown[]) =>
      updateWithRetry(api, Refs.nodePools, pool.metadata.name!, undefined, (fresh) => {
        fresh.spec.disruption = { ...fresh.spec.disruption, consolidationPolicy: 'WhenEmpty', consolidateAfter: '0s', budgets };
        return fresh;
      });
    // Drift is held back (a change window); other reasons may go on.
    await setBudgets([{ nodes: '0', reasons: ['Drifted'] }, { nodes: '2' }]);
    const c = await e.startController('a');
    await waitFor('leader', () => c.isLeader() && c.state.synced());
    const pods = await runDeployment(api, 'default', 'web', 2);
    const oldNode = pods[0].spec.nodeName as string;
    const [oldClaim] = await nodeClaims(api);
    const claimName = oldClaim.metadata.name!;
    const drifted = async () => {
      const o = await api.get(Refs.nodeClaims, claimName);
      return o ? nodeClaimCondition(nodeClaimFromObject(o), 'Drifted') : undefined;
    };
    const actions = (loop: string, action: string) => c.metrics.value('actions', { loop, action }) ?? 0;

    // Two checks on the same image: nothing recorded.
    await e.sandbox.clock.sleep(25_000);
    expect(await drifted()).toBeUndefined();

    e.cloud.publishImage('sim-image-2');
    const condition = await waitFor('the claim marked Drifted', drifted, 30_000, 100);
    expect(condition).toMatchObject({ status: 'True', reason: 'ImageDrift', message: 'runs sim-image-1; the current image is sim-image-2' });
    // Registration's conditions are kept beside it.
    const kept = nodeClaimFromObject((await api.get(Refs.nodeClaims, claimName))!).status.conditions.map((x) => x.type);
    expect(kept).toEqual(expect.arrayContaining(['Launched', 'Registered', 'Initialized', 'Drifted']));
    const events = (await api.list(Refs.events)).items.filter((ev) => ev.reason === 'Drifted');
    expect(events).toHaveLength(1);
    expect(events[0].message).toContain('ImageDrift: the instance runs sim-image-1');
    // The budget holds it: several disruption passes, the node stays.
    await e.sandbox.clock.sleep(30_000);
    expect(actions('disruption', 'disrupt-drifted')).toBe(0);
    expect(await api.get(Refs.nodeClaims, claimName)).toBeDefined();
    // The condition is written once, not once per check.
    expect(actions('cloud-drift', 'drifted')).toBe(1);
    // A check that cannot judge the claim (the cloud cannot say) leaves the condition as it was.
    const judge = e.cloud.driftOf.bind(e.cloud);
    e.cloud.driftOf = async () => new Map();
    await e.sandbox.clock.sleep(25_000);
    expect(await drifted()).toMatchObject({ status: 'True', reason: 'ImageDrift' });
    e.cloud.driftOf = judge;

    // The release is pulled: the node matches again.
    e.cloud.publishImage('sim-image-1');
    await waitFor('the Drifted condition removed', async () => (await drifted()) === undefined, 30_000, 100);
    expect(actions('cloud-drift', 'undrifted')).toBe(1);

    // Published again, and the window opens: the node is replaced by one on the new image.
    e.cloud.publishImage('sim-image-2');
    await waitFor('drifted again', drifted, 30_000, 100);
    await setBudgets([{ nodes: '1' }]);
    await waitFor('the old claim gone', async () => (await api.get(Refs.nodeClaims, claimName)) === undefined, 90_000, 200);
    expect(actions('disruption', 'disrupt-drifted')).toBe(1);
    const moved = await untilRunning(api, 'default', 'web', 2, { awayFrom: oldNode, timeoutMs: 60_000 });
    const [replacement] = (await nodeClaims(api)).map(nodeClaimFromObject);
    expect(replacement.status.nodeName).toBe(moved[0].spec.nodeName);
    expect((await e.cloud.driftOf([replacement])).get(replacement.name)).toBeUndefined();
    // Nothing more drifts.
    await e.sandbox.clock.sleep(30_000);
    expect(actions('disruption', 'disrupt-drifted')).toBe(1);
    expect(nodeClaimCondition(nodeClaimFromObject((await api.get(Refs.nodeClaims, replacement.name))!), 'Drifted')).toBeUndefined();
  }, 180_000);
});
