/**
 * What the controller gives extended-resource learning (ADR 116): a node's advertisements count
 * only once it has settled (device plugins advertise after the node runs), and a node that went is
 * remembered for an hour, so a resource none of a pool's nodes offered is not bought on faith again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterState, DEPARTED_MEMORY_MS } from '../../../core/controllers/cluster-state.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { EXTENDED_RESOURCES_SETTLE_MS, nodeSnapshot } from '../../../core/controllers/snapshot.js';
import { Refs } from '../../../core/kube/refs.js';
import { ManualClock } from '../../../core/model/clock.js';
import { Labels } from '../../../core/model/labels.js';
import { simulatedNode } from '../../../core/sandbox/nodes.js';
import { waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
let state: ClusterState | undefined;
afterEach(async () => {
  state?.stop();
  await env?.stop();
  state = undefined;
  env = undefined;
});

const FUSE = 'smarter-devices/fuse';

describe('extended-resource learning in the controller', () => {
  it('a node’s advertisements count once it has settled; a node that went is remembered for an hour', async () => {
    env = await startSandboxEnvironment({ webhook: false, nodeReadyDelayMs: 100 });
    const api = env.sandbox.client;
    const clock = new ManualClock(Date.now());
    state = new ClusterState({ client: api, clock });
    await state.start();
    const node = simulatedNode({ name: 'dev-1', cpu: '4', memory: '16Gi', labels: { [Labels.nodePool]: 'demo', [Labels.instanceType]: 'm5.xlarge' } });
    node.status.allocatable = { ...node.status.allocatable, [FUSE]: '2' };
    await api.create(Refs.nodes, node);
    await waitFor('node Ready in the cache', () => state!.nodes.get('dev-1')?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    const seen = () => nodeSnapshot(state!, []).nodes.find((n) => n.name === 'dev-1');
    expect(seen()?.extendedResources).toBeUndefined(); // just registered: not known yet
    clock.advance(EXTENDED_RESOURCES_SETTLE_MS + 1000);
    expect(seen()?.extendedResources).toEqual({ [FUSE]: 2 });

    await api.delete(Refs.nodes, 'dev-1');
    await waitFor('node gone from the cache', () => state!.nodes.get('dev-1') === undefined);
    expect(nodeSnapshot(state, []).advertising).toEqual([{ nodePool: 'demo', instanceType: 'm5.xlarge', extendedResources: { [FUSE]: 2 } }]);
    clock.advance(DEPARTED_MEMORY_MS + 1000);
    expect(state.departedAdvertisers()).toEqual([]);
  }, 30_000);
});
