/**
 * NodeClaims smartscale did not make: a claim with no NodePool (made by hand, restored from a
 * backup) or one of a pool that does not exist is not launched — it would have bought whatever its
 * requests asked, outside every pool's limits — and the lifecycle says why once; the pool's own
 * claims launch as always. (A real API server's schema rejects most malformed specs; the sandbox
 * does not, like a cluster with an older CRD.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { CLAIM_REASON_LABEL } from '../../../core/controllers/claims.js';
import { pendingReplacements } from '../../../core/controllers/disruption.js';
import { NOT_LAUNCHED_GRACE_MS } from '../../../core/controllers/node-claim-lifecycle.js';
import { FAST_LOOPS, runDeployment, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

function handMade(name: string, spec: unknown): KubeObject {
  return { apiVersion: 'smartscale.io/v1', kind: 'NodeClaim', metadata: { name }, spec } as KubeObject;
}

describe('claims smartscale did not make', () => {
  it('are not launched, and said once; the pool still launches its own', async () => {
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS }));
    const api = e.sandbox.client;
    const c = await e.startController('a');
    await waitFor('leader', () => c.isLeader() && c.state.synced());
    await api.create(Refs.nodeClaims, handMade('manual-big', { instanceTypeOptions: ['m6i.32xlarge'], requirements: [], resources: { requests: { cpu: '150' } } }));
    await api.create(Refs.nodeClaims, handMade('orphan', { nodePool: 'deleted-pool', instanceTypeOptions: ['m6i.large'], requirements: [] }));
    await api.create(Refs.nodeClaims, handMade('garbage', { nodePool: 'demo', instanceTypeOptions: ['m6i.large'], resources: { requests: { cpu: 'lots' } } }));
    const said = await waitFor('each said', async () => {
      const events = (await api.list(Refs.events)).items.filter((ev) => ev.reason === 'NotLaunched');
      return events.length === 3 ? events : undefined;
    }, 20_000);
    const byClaim = new Map(said.map((ev) => [ev.involvedObject.name, ev.message]));
    expect(byClaim.get('manual-big')).toMatch(/^spec.nodePool is empty/);
    expect(byClaim.get('orphan')).toMatch(/^NodePool "deleted-pool" does not exist or is invalid; not launched/);
    expect(byClaim.get('garbage')).toMatch(/^spec.resources.requests: /);

    // The pool's own pending pods still get a node; the hand-made claims never get an instance.
    await runDeployment(api, 'default', 'web', 1);
    await e.sandbox.clock.sleep(60_000);
    const launched = (await e.cloud.list()).map((i) => i.name);
    expect(launched).toHaveLength(1);
    for (const name of ['manual-big', 'orphan', 'garbage']) expect(launched).not.toContain(name);
    expect((await api.list(Refs.events)).items.filter((ev) => ev.reason === 'NotLaunched')).toHaveLength(3);
    expect(c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'not-launchable' })).toBe(3);
  }, 60_000);

  it("one smartscale made whose pool is gone is deleted after NOT_LAUNCHED_GRACE_MS, and holds no disruption back meanwhile; a hand-made one stays", async () => {
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS }));
    const api = e.sandbox.client;
    const c = await e.startController('a');
    await waitFor('leader', () => c.isLeader() && c.state.synced());
    // A replacement the disruption loop created just before its pool was deleted (GitOps delete and re-create).
    const ours = handMade('gone-replacement', { nodePool: 'gone', instanceTypeOptions: ['m6i.large'], requirements: [] });
    ours.metadata.labels = { 'karpenter.sh/nodepool': 'gone', [CLAIM_REASON_LABEL]: 'replacement' };
    await api.create(Refs.nodeClaims, ours);
    await api.create(Refs.nodeClaims, handMade('by-hand', { nodePool: 'gone', instanceTypeOptions: ['m6i.large'], requirements: [] }));
    await waitFor('both refused', () => (c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'not-launchable' }) ?? 0) === 2, 20_000);
    const refusedAt = e.sandbox.clock.now();
    // It would never be Ready: the disruption loop does not wait for it.
    expect(pendingReplacements(c.state)).toEqual([]);
    await waitFor('ours deleted', async () => (await api.get(Refs.nodeClaims, 'gone-replacement')) === undefined, 30_000);
    // Not before the grace period (the lifecycle looks every 2 s).
    expect(e.sandbox.clock.now() - refusedAt).toBeGreaterThanOrEqual(NOT_LAUNCHED_GRACE_MS - 5_000);
    expect((await api.get(Refs.nodeClaims, 'by-hand'))?.metadata.deletionTimestamp).toBeUndefined();
    expect(c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'not-launchable-deleted' })).toBe(1);
    const said = (await api.list(Refs.events)).items.filter((ev) => ev.reason === 'NotLaunched' && ev.involvedObject.name === 'gone-replacement').map((ev) => ev.message);
    expect(said).toEqual([
      `NodePool "gone" does not exist or is invalid; not launched (deleted in ${NOT_LAUNCHED_GRACE_MS / 60_000} minutes unless it is fixed)`,
      `its NodePool stayed missing or invalid for ${NOT_LAUNCHED_GRACE_MS / 60_000} minutes: claim deleted`,
    ]);
  }, 60_000);
});
