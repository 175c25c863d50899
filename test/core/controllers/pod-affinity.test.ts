/**
 * Required pod affinity on the sandbox: a pod that must run in the zone of the pods it talks to gets
 * its node launched in that zone; one whose attraction nothing satisfies is not planned and says why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeClient, KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { Labels } from '../../../core/model/labels.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { deployment, FAST_LOOPS, nodeClaims, untilRunning, waitFor } from './support.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** A sandbox at 50× with a leading, synced controller; its client. */
async function sandboxWithLeader(): Promise<KubeClient> {
  env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST_LOOPS });
  const controller = await env.startController('a');
  await waitFor('leadership', () => controller.isLeader() && controller.state.synced());
  return env.sandbox.client;
}

function near(d: KubeObject, app: string, topologyKey: string): KubeObject {
  d.spec.template.spec.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [app] }] } }] } };
  return d;
}

describe('required pod affinity on the sandbox', () => {
  it('pods that must share a zone with the cache get nodes in the cache’s zone; attraction to nothing is not planned', async () => {
    const api = await sandboxWithLeader();

    // The cache, pinned to us-east-1c (not the zone the planner picks first when prices tie).
    const cache = deployment('default', 'cache', { cpu: '1', memory: '1Gi' });
    cache.spec.template.spec.nodeSelector = { [Labels.zone]: 'us-east-1c' };
    await api.create(Refs.deployments, cache);
    const [c] = await untilRunning(api, 'default', 'cache', 1);
    const cacheZone = (await api.get(Refs.nodes, c.spec.nodeName))?.metadata.labels?.[Labels.zone];
    expect(cacheZone).toBe('us-east-1c');

    await api.create(Refs.deployments, near(deployment('default', 'web', { replicas: 6, cpu: '1', memory: '1Gi' }), 'cache', Labels.zone));
    await api.create(Refs.deployments, near(deployment('default', 'lost'), 'search', Labels.zone));
    const web = await untilRunning(api, 'default', 'web', 6, { timeoutMs: 60_000 });
    for (const p of web) expect((await api.get(Refs.nodes, p.spec.nodeName))?.metadata.labels?.[Labels.zone]).toBe('us-east-1c');

    const warning = await waitFor('FailedProvisioning for lost', async () =>
      (await api.list(Refs.events, { namespace: 'default' })).items.find((ev) => ev.reason === 'FailedProvisioning' && String(ev.involvedObject?.name).startsWith('lost')),
    );
    expect(warning.message).toBe('AwaitingPodAffinity: no running pod, nor one planned with it, matches its required pod affinity (topology key topology.kubernetes.io/zone)');
    // Every node launched is in the cache's zone: none was bought for web elsewhere, none for lost.
    expect(new Set((await nodeClaims(api)).map((x) => x.status?.zone))).toEqual(new Set(['us-east-1c']));
  }, 120_000);

  it('web pods attracted to a cache that is pending too: planned in the same pass, every node in one zone, no second wave', async () => {
    const api = await sandboxWithLeader();
    // Both at once, nothing running: each pod needs most of a 4-vCPU node, so the web pods cannot ride on the cache's node.
    await api.create(Refs.deployments, near(deployment('default', 'web', { replicas: 3, cpu: '3', memory: '2Gi' }), 'cache', Labels.zone));
    await api.create(Refs.deployments, deployment('default', 'cache', { replicas: 1, cpu: '3', memory: '2Gi' }));
    const running = (app: string, n: number) => untilRunning(api, 'default', app, n, { timeoutMs: 60_000 });
    const [cachePod] = await running('cache', 1);
    const web = await running('web', 3);
    const cacheZone = (await api.get(Refs.nodes, cachePod.spec.nodeName))?.metadata.labels?.[Labels.zone];
    for (const p of web) expect((await api.get(Refs.nodes, p.spec.nodeName))?.metadata.labels?.[Labels.zone]).toBe(cacheZone);
    const claims = await nodeClaims(api);
    expect(claims).toHaveLength(4);
    for (const claim of claims) expect(claim.spec.requirements.find((r: { key: string }) => r.key === Labels.zone)?.values).toEqual([cacheZone]);
    // Every claim was created before the cache's node was Ready (its launch takes 25 s of sandbox
    // time): the web pods' nodes did not wait for the cache to run.
    const cacheNode = await api.get(Refs.nodes, cachePod.spec.nodeName);
    const readyAt = Date.parse(cacheNode?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.lastTransitionTime);
    for (const claim of claims) expect(Date.parse(String(claim.metadata.creationTimestamp))).toBeLessThan(readyAt);
  }, 120_000);

  it('a group attracting itself by zone, none running yet: every node it gets is asked for in one zone, and it runs there', async () => {
    const api = await sandboxWithLeader();
    // Each pod needs most of a 4-vCPU node: several nodes, all in the zone the first pod lands in.
    await api.create(Refs.deployments, near(deployment('default', 'queue', { replicas: 4, cpu: '3', memory: '2Gi' }), 'queue', Labels.zone));
    const pods = await untilRunning(api, 'default', 'queue', 4, { timeoutMs: 60_000 });
    const zones = new Set<string>();
    for (const p of pods) zones.add(String((await api.get(Refs.nodes, p.spec.nodeName))?.metadata.labels?.[Labels.zone]));
    expect(zones.size).toBe(1);
    const claims = await nodeClaims(api);
    expect(claims.length).toBeGreaterThan(1);
    for (const claim of claims) expect(claim.spec.requirements.find((r: { key: string }) => r.key === Labels.zone)?.values).toEqual([...zones]);
  }, 120_000);

  it('a group attracting itself by hostname, none running yet: one node big enough for all of it, and it all runs there', async () => {
    const api = await sandboxWithLeader();
    // Three pods of 3 vCPU that must share a node: the cheapest 4-vCPU node holds one of them.
    await api.create(Refs.deployments, near(deployment('default', 'shard', { replicas: 3, cpu: '3', memory: '2Gi' }), 'shard', Labels.hostname));
    const pods = await untilRunning(api, 'default', 'shard', 3, { timeoutMs: 60_000 });
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(1);
    expect(await nodeClaims(api)).toHaveLength(1);
  }, 120_000);

  it('hostname anti-affinity and zone spread: the nodes the planner buys are the ones the scheduler (which now enforces both) uses, every pod runs', async () => {
    const api = await sandboxWithLeader();
    const apart = deployment('default', 'apart', { replicas: 3, cpu: '500m', memory: '512Mi' });
    apart.spec.template.spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: Labels.hostname, labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['apart'] }] } }] } };
    const spreadOut = deployment('default', 'spread', { replicas: 3, cpu: '500m', memory: '512Mi' });
    spreadOut.spec.template.spec.topologySpreadConstraints = [{ topologyKey: Labels.zone, maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }];
    await api.create(Refs.deployments, apart);
    await api.create(Refs.deployments, spreadOut);
    const running = (app: string, n: number) => untilRunning(api, 'default', app, n, { timeoutMs: 60_000 });
    const apartPods = await running('apart', 3);
    expect(new Set(apartPods.map((p) => p.spec.nodeName)).size).toBe(3);
    const spreadPods = await running('spread', 3);
    const zones = new Map<string, number>();
    for (const p of spreadPods) {
      const zone = String((await api.get(Refs.nodes, p.spec.nodeName))?.metadata.labels?.[Labels.zone]);
      zones.set(zone, (zones.get(zone) ?? 0) + 1);
    }
    expect(zones.size).toBe(3);
    // No pod left waiting for a node the planner thought would do.
    const pending = (await api.list(Refs.pods, { namespace: 'default' })).items.filter((p) => !p.spec.nodeName);
    expect(pending).toEqual([]);
  }, 120_000);
});
