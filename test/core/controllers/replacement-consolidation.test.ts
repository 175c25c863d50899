/**
 * Replacement-first consolidation on the sandbox: a node much larger than its remaining pod is
 * replaced by a cheaper one. The replacement NodeClaim is created first, nothing is evicted until
 * its Node is Ready, then the old node drains and goes. When the cloud cannot sell any cheaper
 * node (insufficient capacity), nothing is drained and the old node stays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { HttpKubeClient, type KubeObject, type ResourceRef } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { CLAIM_REASON_LABEL } from '../../../core/controllers/claims.js';
import { isNodeReady } from '../../../core/controllers/objects.js';
import type { ControllerOptions } from '../../../core/controllers/controller.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import type { Clock } from '../../../core/model/clock.js';
import { FaultyClient } from './faulty-client.js';
import { nodeClaims, oversizedNode, runningPods, setClusterMode, waitFor } from './support.js';

const FAST: Partial<ControllerOptions> = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 5_000, 'garbage-collection': 10_000, forecaster: 60_000, config: 5_000 },
  validationMs: 5_000,
};

type Step =
  | { kind: 'replacement-created'; at: number; claim: string; oldNodePods: string[] }
  | { kind: 'evict'; at: number; pod: string; replacementsReady: boolean; replacements: number };

/** The controller's client, recording when replacements are created and what was Ready at each eviction. */
class RecordingClient extends FaultyClient {
  readonly steps: Step[] = [];
  oldNode = '';

  constructor(inner: HttpKubeClient, private readonly api: HttpKubeClient, private readonly at: Clock) {
    super(inner, at);
  }

  private async replacementClaims(): Promise<KubeObject[]> {
    return (await this.api.list(Refs.nodeClaims)).items.filter((c) => c.metadata.labels?.[CLAIM_REASON_LABEL] === 'replacement');
  }

  override async create<T extends KubeObject>(res: ResourceRef, object: T, namespace?: string) {
    const created = await super.create<T>(res, object, namespace);
    if (res.plural === 'nodeclaims' && object.metadata.labels?.[CLAIM_REASON_LABEL] === 'replacement') {
      const pods = (await this.api.list(Refs.pods)).items.filter((p) => p.spec?.nodeName === this.oldNode).map((p) => p.metadata.name!);
      this.steps.push({ kind: 'replacement-created', at: this.at.now(), claim: object.metadata.name!, oldNodePods: pods });
    }
    return created;
  }

  override async postSubresource<T>(res: ResourceRef, name: string, namespace: string | undefined, subresource: string, body: unknown) {
    if (subresource === 'eviction') {
      const claims = await this.replacementClaims();
      const nodes = (await this.api.list(Refs.nodes)).items;
      const ready = claims.every((c) => nodes.some((n) => n.spec?.providerID && n.spec.providerID === c.status?.providerID && isNodeReady(n)));
      this.steps.push({ kind: 'evict', at: this.at.now(), pod: `${namespace}/${name}`, replacementsReady: claims.length > 0 && ready, replacements: claims.length });
    }
    return super.postSubresource<T>(res, name, namespace, subresource, body);
  }
}

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

function httpClient(e: SandboxEnvironment, name: string): HttpKubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(e.sandbox.kubeconfig);
  return new HttpKubeClient(kc, name);
}

describe('replacement-first consolidation', () => {
  it('launches the cheaper replacement first, evicts nothing until its Node is Ready, then drains and removes the old node', async () => {
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST }));
    const recording = new RecordingClient(httpClient(e, 'controller'), e.sandbox.client, e.sandbox.clock);
    const c = await e.startController('a', { client: recording });
    const { node: oldNode, claim: oldClaim } = await oversizedNode(e, c);
    recording.oldNode = oldNode;
    const oldPrice = Number(oldClaim.status.pricePerHour);

    // Observe mode (the default) moves no pod: the consolidation is reported, once, and not done.
    const would = await waitFor('the WouldDisrupt Event', async () => {
      const events = (await e.sandbox.client.list(Refs.events)).items.filter((ev) => ev.reason === 'WouldDisrupt');
      return events.length > 0 ? events : undefined;
    }, 30_000);
    expect(would[0].message).toMatch(/^observe mode: would SingleNodeConsolidation \(Underutilized\) .*launching 1 replacement\(s\) first/);
    await e.sandbox.clock.sleep(60_000);
    expect((await e.sandbox.client.list(Refs.events)).items.filter((ev) => ev.reason === 'WouldDisrupt')).toHaveLength(1);
    expect(recording.steps.filter((s) => s.kind === 'replacement-created' || s.kind === 'evict')).toEqual([]);
    expect(c.metrics.value('actions', { loop: 'disruption', action: 'would-disrupt-underutilized' })).toBe(1);
    await setClusterMode(e.sandbox.client, c, 'optimize');

    await waitFor('old claim gone', async () => (await e.sandbox.client.get(Refs.nodeClaims, oldClaim.metadata.name!)) === undefined, 60_000);
    const created = recording.steps.filter((s) => s.kind === 'replacement-created');
    const evictions = recording.steps.filter((s) => s.kind === 'evict');
    expect(created).toHaveLength(1);
    expect(evictions.map((s) => s.pod.split('/')[1].split('-')[0])).toEqual(['small']);
    // The replacement came first, while the old node still held its pod; every eviction found it Ready.
    expect(created[0].oldNodePods.some((p) => p.startsWith('small-'))).toBe(true);
    expect(created[0].at).toBeLessThan(evictions[0].at);
    expect(evictions.every((s) => s.kind === 'evict' && s.replacementsReady && s.replacements === 1)).toBe(true);

    // The old node and instance are gone; the pod runs on the cheaper replacement.
    await waitFor('old node gone', async () => (await e.sandbox.client.get(Refs.nodes, oldNode)) === undefined, 20_000);
    expect((await e.cloud.list()).map((i) => i.name)).not.toContain(oldClaim.metadata.name);
    const [pod] = await waitFor('small running again', async () => {
      const pods = await runningPods(e.sandbox.client, 'default', 'small');
      return pods.length === 1 ? pods : undefined;
    }, 40_000);
    const replacement = (await e.sandbox.client.get(Refs.nodeClaims, created[0].kind === 'replacement-created' ? created[0].claim : ''))!;
    expect(pod.spec.nodeName).toBe(replacement.status.nodeName);
    expect(Number(replacement.status.pricePerHour)).toBeLessThan(oldPrice);
    expect(c.metrics.value('actions', { loop: 'disruption', action: 'launch-replacement' })).toBe(1);
    expect(c.loops.disruption.evicted).toEqual([evictions[0].pod]);
  }, 120_000);

  it('a replacement the cloud cannot launch: nothing is drained and the old node stays', async () => {
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 20_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST, mode: 'optimize' }));
    const recording = new RecordingClient(httpClient(e, 'controller'), e.sandbox.client, e.sandbox.clock);
    const c = await e.startController('a', { client: recording });
    const api = e.sandbox.client;
    // Before the oversized node exists, nothing is refused; once it does, every cheaper offering is.
    await waitFor('leader', () => c.isLeader());
    const { node: oldNode, claim: oldClaim } = await (async () => {
      const result = oversizedNode(e, c);
      const claim = await waitFor('the first claim launched', async () => (await nodeClaims(api)).find((x) => x.status?.providerID), 40_000);
      const oldPrice = Number(claim.status.pricePerHour);
      for (const t of await e.cloud.getInstanceTypes()) {
        for (const o of t.offerings) if (o.pricePerHour < oldPrice) e.cloud.injectInsufficientCapacity({ instanceType: t.name, zone: o.zone, capacityType: o.capacityType });
      }
      return result;
    })();
    recording.oldNode = oldNode;

    await waitFor('a replacement attempted and refused', () => (c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'insufficient-capacity' }) ?? 0) >= 1, 40_000);
    // Ten more minutes of clock: retries may come, drains may not.
    await e.sandbox.clock.sleep(10 * 60_000);
    expect(recording.steps.filter((s) => s.kind === 'evict')).toEqual([]);
    expect(c.loops.disruption.evicted).toEqual([]);
    expect(recording.steps.filter((s) => s.kind === 'replacement-created').length).toBeGreaterThanOrEqual(1);
    const node = await api.get(Refs.nodes, oldNode);
    expect(node?.spec?.unschedulable).toBeFalsy();
    expect((await api.get(Refs.nodeClaims, oldClaim.metadata.name!))?.metadata.deletionTimestamp).toBeUndefined();
    const pods = await runningPods(api, 'default', 'small');
    expect(pods.map((p) => p.spec.nodeName)).toEqual([oldNode]);
    // No failed replacement is left behind.
    expect((await nodeClaims(api)).map((x) => x.metadata.name)).toEqual([oldClaim.metadata.name]);
  }, 120_000);

  it('a new leader waits for the replacement the previous one launched before draining anything', async () => {
    // A launch longer than what a new leader waits before it may decide (lease, validation; the
    // node's consolidateAfter has passed: counted from the last pod change a recorded, ADR 103), so
    // it decides while the replacement launches.
    const e = (env = await startSandboxEnvironment({ speed: 50, launchDelayMs: 240_000, nodeReadyDelayMs: 5_000, podStartDelayMs: 2_000, webhook: false, controller: FAST, mode: 'optimize' }));
    const recordingA = new RecordingClient(httpClient(e, 'a'), e.sandbox.client, e.sandbox.clock);
    const a = await e.startController('a', { client: recordingA });
    const { node: oldNode, claim: oldClaim } = await oversizedNode(e, a);
    recordingA.oldNode = oldNode;
    await waitFor('a launches a replacement', () => recordingA.steps.some((s) => s.kind === 'replacement-created'), 40_000);
    await a.crash();

    const recordingB = new RecordingClient(httpClient(e, 'b'), e.sandbox.client, e.sandbox.clock);
    recordingB.oldNode = oldNode;
    const b = await e.startController('b', { client: recordingB });
    await waitFor('b leads', () => b.isLeader(), 30_000);
    await waitFor('old claim gone', async () => (await e.sandbox.client.get(Refs.nodeClaims, oldClaim.metadata.name!)) === undefined, 60_000);
    const evictions = recordingB.steps.filter((s) => s.kind === 'evict');
    expect(evictions).toHaveLength(1);
    expect(evictions[0]).toMatchObject({ replacementsReady: true, replacements: 1 });
    // b launched no second replacement: it adopted a's.
    expect(recordingB.steps.filter((s) => s.kind === 'replacement-created')).toEqual([]);
    expect(recordingA.steps.filter((s) => s.kind === 'evict')).toEqual([]);
  }, 120_000);
});
