/**
 * Drift on the sandbox: the NodePool's labels are edited while a node launched from it runs two
 * pods. The node no longer looks like what the pool launches, so the disruption loop replaces it as
 * it replaces an expired node — the new node (with the new label) first, then the old one drained —
 * and the pods end up on a node that carries the label.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ControllerOptions } from '../../../core/controllers/controller.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { updateWithRetry } from '../../../core/kube/patch.js';
import { Refs } from '../../../core/kube/refs.js';
import { nodeClaims, runDeployment, untilRunning, waitFor } from './support.js';

const FAST: Partial<ControllerOptions> = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 5_000, 'node-repair': 36_000_000, 'garbage-collection': 10_000, forecaster: 60_000, config: 5_000 },
  validationMs: 5_000,
};

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('drift', () => {
  it('a node launched before its NodePool’s labels changed is replaced by one with the new labels, pods moved', async () => {
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST, mode: 'optimize' }));
    const api = e.sandbox.client;
    const c = await e.startController('a');
    await waitFor('leader', () => c.isLeader() && c.state.synced());
    const pods = await runDeployment(api, 'default', 'web', 2);
    const oldNode = pods[0].spec.nodeName as string;
    const [oldClaim] = await nodeClaims(api);
    const drifted = () => c.metrics.value('actions', { loop: 'disruption', action: 'disrupt-drifted' }) ?? 0;
    // Nothing drifted while the pool is as it was.
    await e.sandbox.clock.sleep(30_000);
    expect(drifted()).toBe(0);

    // The edit: a new label on the pool's nodes; consolidation limited to empty nodes (so only drift
    // replaces the node) but at once (Karpenter's default consolidateAfter 0s): the replacement, empty
    // until the old node is drained, must not be removed as empty meanwhile.
    const [pool] = (await api.list(Refs.nodePools)).items;
    await updateWithRetry(api, Refs.nodePools, pool.metadata.name!, undefined, (fresh) => {
      fresh.spec.template.metadata.labels = { ...fresh.spec.template.metadata.labels, team: 'checkout' };
      fresh.spec.disruption = { ...fresh.spec.disruption, consolidationPolicy: 'WhenEmpty', consolidateAfter: '0s' };
      return fresh;
    });

    await waitFor('the old claim gone', async () => (await api.get(Refs.nodeClaims, oldClaim.metadata.name!)) === undefined, 90_000, 200);
    expect(drifted()).toBe(1);
    const replacements = (await nodeClaims(api)).filter((o) => o.metadata.annotations?.['smartscale.io/replaces'] === oldNode);
    expect(replacements).toHaveLength(1); // one, not one per pass
    const moved = await untilRunning(api, 'default', 'web', 2, { awayFrom: oldNode, timeoutMs: 60_000 });
    const newNode = await api.get(Refs.nodes, moved[0].spec.nodeName as string);
    expect(newNode?.metadata.labels?.team).toBe('checkout');
    expect(await api.get(Refs.nodes, oldNode)).toBeUndefined();
    // The replacement is what the pool launches now: nothing more drifts.
    await e.sandbox.clock.sleep(60_000);
    expect(drifted()).toBe(1);
  }, 180_000);
});
