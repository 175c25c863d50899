/**
 * A NodeClaim the controller has just created counts as capacity at once, before its watch event
 * reaches the informer. Without this, a provisioner pass that runs in between (the informer a
 * few milliseconds behind under load) saw the pending pods with no claim for them and launched
 * the same node again — seen as an occasional second claim in test/core/controllers/startup-taints.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterState, CREATED_CLAIM_TTL_MS } from '../../../core/controllers/cluster-state.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { ManualClock } from '../../../core/model/clock.js';
import { waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
let state: ClusterState | undefined;
afterEach(async () => {
  state?.stop();
  await env?.stop();
  state = undefined;
  env = undefined;
});

function claim(name: string): KubeObject {
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodeClaim',
    metadata: { name, labels: { 'karpenter.sh/nodepool': 'demo' } },
    spec: { nodePool: 'demo', requirements: [], resources: { requests: { cpu: '1' } }, instanceTypeOptions: ['m6i.large'], taints: [], labels: {}, predicted: false },
  };
}

async function startState(clock: ManualClock): Promise<{ state: ClusterState; env: SandboxEnvironment }> {
  env = await startSandboxEnvironment({ webhook: false });
  state = new ClusterState({ client: env.sandbox.client, clock });
  await state.start();
  return { state, env };
}

const names = (s: ClusterState) => s.claims().map((c) => c.claim.name).sort();

describe('claims the controller created, before the informer has them', () => {
  it('are counted once the API has answered, whatever the watch is doing, until the TTL', async () => {
    const clock = new ManualClock(1_000_000);
    const { state, env } = await startState(clock);
    // The claims watch falls behind: nothing it would deliver arrives.
    state.nodeClaims.stop();
    const created = await env.sandbox.client.create(Refs.nodeClaims, claim('demo-aaaaa'));
    expect(names(state)).toEqual([]);
    state.recordCreatedClaim(created);
    expect(names(state)).toEqual(['demo-aaaaa']);
    expect(state.claims()[0].claim.spec.instanceTypeOptions).toEqual(['m6i.large']);
    clock.advance(CREATED_CLAIM_TTL_MS - 1);
    expect(names(state)).toEqual(['demo-aaaaa']);
    // A claim the informer never delivers (say, deleted at once) is not counted for ever.
    clock.advance(2);
    expect(names(state)).toEqual([]);
  }, 30_000);

  it('are counted once, not twice, when the informer delivers them', async () => {
    const clock = new ManualClock(1_000_000);
    const { state, env } = await startState(clock);
    const created = await env.sandbox.client.create(Refs.nodeClaims, claim('demo-bbbbb'));
    state.recordCreatedClaim(created);
    await waitFor('the informer has the claim', () => state.nodeClaims.get('demo-bbbbb'));
    expect(names(state)).toEqual(['demo-bbbbb']);
    // Deleted afterwards: gone from the count with the informer's delete, not kept by the record.
    await env.sandbox.client.delete(Refs.nodeClaims, 'demo-bbbbb');
    await waitFor('the informer saw the delete', async () => {
      const c = state.nodeClaims.get('demo-bbbbb');
      if (!c) return true;
      // The termination finalizer is not on this claim, so the delete is immediate.
      return undefined;
    });
    expect(names(state)).toEqual([]);
  }, 30_000);
});
