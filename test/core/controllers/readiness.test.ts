/**
 * The controller's /readyz when a cache cannot fill: an upgrade whose ClusterRole was not applied
 * (the new version watches a resource the old role did not grant) leaves no loop running; the
 * probe names the resource and the fix instead of a bare "not ready".
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../../core/controllers/cluster-state.js';
import { RBAC_HINT, readiness } from '../../../core/controllers/readiness.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { KubeApiError, type KubeClient } from '../../../core/kube/client.js';
import { waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** The sandbox's client with lists refused where `refusal` gives an error for the resource. */
function refusingLists(real: KubeClient, refusal: (plural: string) => Error | undefined): KubeClient {
  return {
    get: real.get.bind(real),
    create: real.create.bind(real),
    replace: real.replace.bind(real),
    patch: real.patch.bind(real),
    delete: real.delete.bind(real),
    postSubresource: real.postSubresource.bind(real),
    watch: real.watch.bind(real),
    list: (res, options) => {
      const error = refusal(res.plural);
      return error ? Promise.reject(error) : real.list(res, options);
    },
  };
}

describe('readiness', () => {
  it('a controller whose role forbids one list: the probe names it and the fix while startController waits; ready once granted', async () => {
    env = await startSandboxEnvironment({ webhook: false });
    const real = env.sandbox.client;
    let granted = false;
    const forbidden = () => new KubeApiError(403, 'Forbidden', 'storageclasses.storage.k8s.io is forbidden: User "system:serviceaccount:smartscale-system:smartscale" cannot list resource "storageclasses" in API group "storage.k8s.io" at the cluster scope');
    const client = refusingLists(real, (plural) => (plural === 'storageclasses' && !granted ? forbidden() : undefined));
    // As main.ts wires it: the state from onState, "started" once startController has returned.
    let seen: ClusterState | undefined;
    let started = false;
    const starting = env.startController('a', { client, informerBackoffMs: { initial: 20, max: 50 }, onState: (s) => (seen = s) }).then((c) => {
      started = true;
      return c;
    });
    expect(readiness({ stopping: false, state: undefined, started }).message).toBe('not ready: starting');
    await waitFor('every other cache filled', () => seen !== undefined && seen.unsyncedInformers().length === 1 && seen.unsyncedInformers()[0].error !== undefined);
    const waiting = readiness({ stopping: false, state: seen, started });
    expect(waiting.ready).toBe(false);
    expect(waiting.message).toBe(`not ready: waiting for the first list of storageclasses; forbidden: storageclasses — ${RBAC_HINT}`);
    expect(started).toBe(false);
    granted = true;
    const controller = await starting;
    expect(controller.state).toBe(seen);
    expect(readiness({ stopping: false, state: seen, started })).toEqual({ ready: true, message: 'ready' });
    expect(readiness({ stopping: true, state: seen, started }).ready).toBe(false);
  });

  it('CSINodes forbidden (an upgrade without the csinodes grant): the controller starts and is ready, counting no attach limits', async () => {
    env = await startSandboxEnvironment({ webhook: false });
    const real = env.sandbox.client;
    const forbidden = () => new KubeApiError(403, 'Forbidden', 'csinodes.storage.k8s.io is forbidden');
    const client = refusingLists(real, (plural) => (plural === 'csinodes' ? forbidden() : undefined));
    const controller = await env.startController('a', { client, informerBackoffMs: { initial: 20, max: 50 } });
    expect(controller.state.synced()).toBe(true);
    expect(readiness({ stopping: false, state: controller.state, started: true })).toEqual({ ready: true, message: 'ready' });
    expect(controller.state.newNodeVolumeLimits()).toBeUndefined();
    expect(controller.state.csiNodes.hasSynced()).toBe(false);
  });

  it('a list failing otherwise is named with its error; a controller still starting is not ready', () => {
    const state = { unsyncedInformers: () => [{ resource: 'pods', error: new Error('connect ECONNREFUSED') }, { resource: 'nodes' }], staleInformers: () => [] };
    expect(readiness({ stopping: false, state }).message).toBe('not ready: waiting for the first list of pods, nodes; failing: pods (connect ECONNREFUSED)');
    expect(readiness({ stopping: false }).message).toBe('not ready: starting');
    expect(readiness({ stopping: false, state: { unsyncedInformers: () => [], staleInformers: () => ['pods'] } }).message).toBe('not ready: stale cache (pods)');
  });
});
