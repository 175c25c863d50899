/**
 * Volume attach limits on the sandbox (ADR 113): nodes whose CSINode allows two EBS volumes, five
 * pods with one volume each. The scheduler keeps a third volume pod off a node that has room for it
 * in CPU; the provisioner must see that and launch, or those pods wait forever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { volumeClaim } from '../../support/volumes.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { FAST_LOOPS, nodeClaims, podsPerNode, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

function podWithClaim(name: string, claimName: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'db' } },
    spec: {
      containers: [{ name: 'db', image: 'example', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    },
  };
}

describe('volume attach limits on the sandbox', () => {
  it('five one-volume pods on nodes that attach two: every pod runs, no node holds more than two, and the provisioner knew it', async () => {
    env = await startSandboxEnvironment({
      speed: 50,
      launchDelayMs: 20_000,
      nodeReadyDelayMs: 5_000,
      podStartDelayMs: 2_000,
      webhook: false,
      controller: FAST_LOOPS,
      csiDrivers: [{ name: 'ebs.csi.aws.com', attachLimit: 2 }],
    });
    const api = env.sandbox.client;
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader() && controller.state.synced());
    await api.create(Refs.storageClasses, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'gp3' }, provisioner: 'ebs.csi.aws.com', volumeBindingMode: 'WaitForFirstConsumer' });
    for (let i = 0; i < 5; i++) {
      await api.create(Refs.persistentVolumeClaims, volumeClaim(`data-db-${i}`, { storageClassName: 'gp3' }), 'default');
      await api.create(Refs.pods, podWithClaim(`db-${i}`, `data-db-${i}`), 'default');
    }
    const running = await waitFor('5 db pods running', async () => {
      const pods = (await api.list(Refs.pods, { namespace: 'default' })).items.filter((p) => p.status?.phase === 'Running');
      return pods.length === 5 ? pods : undefined;
    }, 60_000);
    const perNode = podsPerNode(running);
    expect(Math.max(...perNode.values())).toBeLessThanOrEqual(2);
    expect(perNode.size).toBeGreaterThanOrEqual(3);
    // The controller read the limit from the nodes' CSINodes.
    const someNode = [...perNode.keys()][0];
    expect(controller.state.volumeLimits(someNode)).toEqual({ 'ebs.csi.aws.com': 2 });
    expect(controller.state.newNodeVolumeLimits()).toEqual({ 'ebs.csi.aws.com': 2 });
    // Each node was bought for pods that could run on it: none holds no db pod.
    const claimed = (await nodeClaims(api)).length;
    expect(claimed).toBe(perNode.size);
  }, 120_000);
});
