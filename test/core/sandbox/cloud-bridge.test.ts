import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedNodeEvent } from '../../../core/cloud/simulated/provider.js';
import { GIB } from '../../../core/model/quantity.js';
import { resources } from '../../../core/model/resources.js';
import { connectSimulatedCloud } from '../../../core/sandbox/cloud-bridge.js';
import { NODES } from '../../../core/sandbox/controlplane/refs.js';
import { startSandbox, type Sandbox } from '../../../core/sandbox/sandbox.js';
import { eventually } from './support.js';

/** Stands in for SimulatedCloudProvider's event side: the bridge only subscribes. */
class CloudEvents {
  private listener: ((e: SimulatedNodeEvent) => void) | undefined;
  subscribe(listener: (e: SimulatedNodeEvent) => void): () => void {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
  emit(e: SimulatedNodeEvent): void {
    this.listener?.(e);
  }
}

let sandbox: Sandbox;
beforeAll(async () => {
  // A long default delay: bridged nodes must not wait for it.
  sandbox = await startSandbox({ nodeReadyDelayMs: 60_000, podStartDelayMs: 10 });
});
afterAll(() => sandbox.stop());

describe('simulated cloud → sandbox Nodes', () => {
  it('registers a Ready Node for a ready instance and deletes it when the instance terminates', async () => {
    const cloud = new CloudEvents();
    const errors: unknown[] = [];
    const stop = connectSimulatedCloud(cloud, sandbox.client, (e) => errors.push(e));
    const ready: SimulatedNodeEvent = {
      type: 'NodeReady',
      providerId: 'sim:///us-east-1a/i-1',
      nodeClaimName: 'default-abc12',
      nodeName: 'sim-us-east-1a-1',
      nodePool: 'default',
      instanceType: 'm7i.large',
      zone: 'us-east-1a',
      capacityType: 'spot',
      pricePerHour: 0.05,
      labels: { 'node.kubernetes.io/instance-type': 'm7i.large', 'topology.kubernetes.io/zone': 'us-east-1a' },
      taints: [{ key: 'smartscale.io/new', effect: 'NoSchedule' }],
      capacity: resources({ milliCpu: 2000, memoryBytes: 8 * GIB, pods: 29 }),
      allocatable: resources({ milliCpu: 1930, memoryBytes: 7 * GIB, pods: 29 }),
      at: 0,
    };
    cloud.emit(ready);
    cloud.emit(ready);
    const node = await eventually(async () => {
      const n = await sandbox.client.get(NODES, 'sim-us-east-1a-1');
      return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && n;
    }, 3000, 'bridged node Ready');
    expect(node.spec).toMatchObject({ providerID: 'sim:///us-east-1a/i-1', taints: [{ key: 'smartscale.io/new', effect: 'NoSchedule' }] });
    expect(node.status.allocatable).toMatchObject({ cpu: '1930m', pods: '29' });
    expect(node.metadata.labels['topology.kubernetes.io/zone']).toBe('us-east-1a');
    cloud.emit({ type: 'NodeTerminated', providerId: ready.providerId, nodeClaimName: ready.nodeClaimName, nodeName: ready.nodeName, at: 1 });
    await eventually(async () => (await sandbox.client.get(NODES, 'sim-us-east-1a-1')) === undefined, 3000, 'node deleted');
    expect(errors).toEqual([]);
    stop();
  });
});
