/**
 * Pods with persistent volumes on the sandbox: the provisioner launches where the volume can be
 * attached (a zonal EBS volume's zone, a StorageClass's allowed zones), not in the cheapest zone it
 * would otherwise pick; a pod whose claim does not exist is not planned and says why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { volumeClaim as claim, zonalVolume as volume } from '../../support/volumes.js';
import { Labels } from '../../../core/model/labels.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { ClusterState } from '../../../core/controllers/cluster-state.js';
import { ManualClock } from '../../../core/model/clock.js';
import { deployment, FAST_LOOPS, nodeClaims, runningPods, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

function withVolume(d: KubeObject, claimName: string): KubeObject {
  d.spec.template.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName } }];
  return d;
}
const zoneOfNode = async (name: string) => (await env!.sandbox.client.get(Refs.nodes, name))?.metadata.labels?.[Labels.zone];

describe('volume topology on the sandbox', () => {
  it('a pod with a zonal volume gets a node in that zone; one with a class limited to a zone, in it; a missing claim is not planned', async () => {
    env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS });
    const api = env.sandbox.client;
    const controller = await env.startController('a');
    await waitFor('leadership', () => controller.isLeader() && controller.state.synced());

    // A statically provisioned volume in us-east-1c, and a class that only makes volumes in us-east-1b.
    await api.create(Refs.persistentVolumes, volume('pv-c', 'us-east-1c'));
    await api.create(Refs.persistentVolumeClaims, claim('data-c', { volumeName: 'pv-c', storageClassName: '' }), 'default');
    await api.create(Refs.storageClasses, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gp3-b' },
      provisioner: 'ebs.csi.aws.com',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.ebs.csi.aws.com/zone', values: ['us-east-1b'] }] }],
    });
    await api.create(Refs.persistentVolumeClaims, claim('data-b', { storageClassName: 'gp3-b' }), 'default');

    await api.create(Refs.deployments, withVolume(deployment('default', 'db-c'), 'data-c'));
    await api.create(Refs.deployments, withVolume(deployment('default', 'db-b'), 'data-b'));
    await api.create(Refs.deployments, withVolume(deployment('default', 'db-missing'), 'no-such-claim'));

    const [c] = await waitFor('db-c running', async () => ((await runningPods(api, 'default', 'db-c')).length === 1 ? runningPods(api, 'default', 'db-c') : undefined), 40_000);
    expect(await zoneOfNode(c.spec.nodeName)).toBe('us-east-1c');
    const [b] = await waitFor('db-b running', async () => ((await runningPods(api, 'default', 'db-b')).length === 1 ? runningPods(api, 'default', 'db-b') : undefined), 40_000);
    expect(await zoneOfNode(b.spec.nodeName)).toBe('us-east-1b');
    // The sandbox's provisioner made db-b's volume in the zone the pod landed in.
    const bound = await waitFor('data-b bound', async () => (await api.get(Refs.persistentVolumeClaims, 'data-b', 'default'))?.spec?.volumeName);
    expect((await api.get(Refs.persistentVolumes, bound))?.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values).toEqual(['us-east-1b']);

    // The pod with no claim: a warning naming it, and no capacity bought for it.
    const warning = await waitFor('FailedProvisioning for db-missing', async () =>
      (await api.list(Refs.events, { namespace: 'default' })).items.find((ev) => ev.reason === 'FailedProvisioning' && String(ev.involvedObject?.name).startsWith('db-missing')),
    );
    expect(warning.message).toBe('not planned: PersistentVolumeClaim default/no-such-claim not found');
    const claims = await nodeClaims(api);
    // One node for db-c (us-east-1c) and one for db-b (us-east-1b): none for db-missing.
    expect(claims).toHaveLength(2);
    expect(new Set(claims.map((x) => x.status?.zone))).toEqual(new Set(['us-east-1b', 'us-east-1c']));
  }, 120_000);
});

describe('what wakes the provisioner for pods waiting on volumes', () => {
  it('a claim created, and a claim bound to its volume (what a pod of an Immediate class waits for)', async () => {
    env = await startSandboxEnvironment({ webhook: false });
    const state = new ClusterState({ client: env.sandbox.client, clock: new ManualClock(0) });
    try {
      await state.start();
      const heard: string[] = [];
      state.subscribe((kind) => heard.push(kind));
      await env.sandbox.client.create(Refs.persistentVolumeClaims, claim('data', { storageClassName: 'gp2' }), 'default');
      await waitFor('claim seen', () => state.persistentVolumeClaims.get('data', 'default') !== undefined);
      expect(heard.filter((k) => k === 'pending-pod')).toHaveLength(1);
      await env.sandbox.client.patch(Refs.persistentVolumeClaims, 'data', 'default', { metadata: { labels: { touched: 'yes' } } }, 'merge');
      await waitFor('label seen', () => state.persistentVolumeClaims.get('data', 'default')?.metadata.labels?.touched === 'yes');
      expect(heard.filter((k) => k === 'pending-pod')).toHaveLength(1);
      await env.sandbox.client.patch(Refs.persistentVolumeClaims, 'data', 'default', { spec: { volumeName: 'pv-data' } }, 'merge');
      await waitFor('bound seen', () => state.persistentVolumeClaims.get('data', 'default')?.spec?.volumeName === 'pv-data');
      expect(heard.filter((k) => k === 'pending-pod')).toHaveLength(2);
    } finally {
      state.stop();
    }
  });
});
