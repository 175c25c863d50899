/**
 * The controller's /readyz when a cache cannot fill: an upgrade whose ClusterRole was not applied
 * (the new version watches a resource the old role did not grant) leaves no loop running; the
 * probe names the resource and the fix instead of a bare "not ready".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterState } from '../../../core/controllers/cluster-state.js';
import { RBAC_HINT, readiness } from '../../../core/controllers/readiness.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { KubeApiError, type KubeClient } from '../../../core/kube/client.js';
import { systemClock } from '../../../core/model/clock.js';
import { waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
let state: ClusterState | undefined;
afterEach(async () => {
  state?.stop();
  await env?.stop();
  state = undefined;
  env = undefined;
});

describe('readiness', () => {
  it('names the caches without their first list, says a 403 is RBAC, and is ready once the role allows the list', async () => {
    env = await startSandboxEnvironment({ webhook: false });
    const real = env.sandbox.client;
    let granted = false;
    const forbidden = () => new KubeApiError(403, 'Forbidden', 'storageclasses.storage.k8s.io is forbidden: User "system:serviceaccount:smartscale-system:smartscale" cannot list resource "storageclasses" in API group "storage.k8s.io" at the cluster scope');
    const client: KubeClient = {
      ...real,
      get: real.get.bind(real),
      create: real.create.bind(real),
      replace: real.replace.bind(real),
      patch: real.patch.bind(real),
      delete: real.delete.bind(real),
      postSubresource: real.postSubresource.bind(real),
      watch: real.watch.bind(real),
      list: (res, options) => (res.plural === 'storageclasses' && !granted ? Promise.reject(forbidden()) : real.list(res, options)),
    };
    const errors: string[] = [];
    state = new ClusterState({ client, clock: systemClock, initialBackoffMs: 20, maxBackoffMs: 50, onError: (where) => errors.push(where) });
    void state.start();
    const s = state;
    await waitFor('every other cache filled', () => s.unsyncedInformers().length === 1 && errors.includes('informer/storageclasses'));
    const waiting = readiness({ stopping: false, state: s });
    expect(waiting.ready).toBe(false);
    expect(waiting.message).toBe(`not ready: waiting for the first list of storageclasses; forbidden: storageclasses — ${RBAC_HINT}`);
    granted = true;
    await waitFor('the storage classes listed', () => s.synced());
    expect(readiness({ stopping: false, state: s })).toEqual({ ready: true, message: 'ready' });
    expect(readiness({ stopping: true, state: s }).ready).toBe(false);
  });

  it('a list failing otherwise is named with its error; a controller still starting is not ready', () => {
    const state = { unsyncedInformers: () => [{ resource: 'pods', error: new Error('connect ECONNREFUSED') }, { resource: 'nodes' }], staleInformers: () => [] };
    expect(readiness({ stopping: false, state }).message).toBe('not ready: waiting for the first list of pods, nodes; failing: pods (connect ECONNREFUSED)');
    expect(readiness({ stopping: false }).message).toBe('not ready: starting');
    expect(readiness({ stopping: false, state: { unsyncedInformers: () => [], staleInformers: () => ['pods'] } }).message).toBe('not ready: stale cache (pods)');
  });
});
