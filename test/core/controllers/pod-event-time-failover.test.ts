/**
 * A node's consolidateAfter survives a change of leader (ADR 103), on the sandbox at 50×: leader a
 * watches the last pod change on a node (its large pod goes, leaving a small one a cheaper node
 * would hold), records it on the claim and stops; leader b, started on the same API with no memory
 * of it, consolidates the node neither before consolidateAfter (the demo pool's 2 min) has passed
 * since that change — its small pod, older than that, would have let it — nor consolidateAfter
 * after its own start (the wait starting again at every change of leader).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_REASON_LABEL } from '../../../core/controllers/claims.js';
import { LAST_POD_EVENT_FIELD } from '../../../core/controllers/pod-event-time.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { Refs } from '../../../core/kube/refs.js';
import { FAST_LOOPS, nodeClaims, oversizedNode, runningPods, waitFor } from './support.js';

const CONSOLIDATE_AFTER_MS = 2 * 60_000; // the demo NodePool's

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('the last pod change across a change of leader', () => {
  it('the new leader consolidates the node consolidateAfter after the change the old one recorded, not before and not from its own start', async () => {
    const e = (env = await startSandboxEnvironment({
      speed: 50,
      launchDelayMs: 20_000,
      nodeReadyDelayMs: 5_000,
      podStartDelayMs: 2_000,
      webhook: false,
      mode: 'optimize',
      controller: { ...FAST_LOOPS, intervals: { ...FAST_LOOPS.intervals, 'pod-event-time': 1_000 } },
    }));
    const api = e.sandbox.client;
    const clock = e.sandbox.clock;
    const a = await e.startController('a');
    const { node, claim } = await oversizedNode(e, a, {
      // The small pod older than consolidateAfter: judged by its pods' times alone, the node would be ready at once.
      beforeRemoval: () => clock.sleep(CONSOLIDATE_AFTER_MS + 60_000),
    });
    const name = claim.metadata.name!;
    // Once pods have settled, a has recorded the last change it saw (within the 10 s throttle and an interval).
    await clock.sleep(15_000);
    const lastChange = a.state.lastPodChangeAt(node)!;
    expect(lastChange).toBeGreaterThan(0);
    const recorded = await waitFor('a records the last change', async () => {
      const t = Date.parse((await api.get(Refs.nodeClaims, name))?.status?.[LAST_POD_EVENT_FIELD] ?? '');
      return t >= lastChange ? t : undefined;
    });
    expect(recorded - lastChange).toBeLessThan(1_000); // to the second, rounded up
    expect(a.metrics.value('actions', { loop: 'disruption', action: 'launch-replacement' }) ?? 0).toBe(0);
    await a.stop();

    // b starts a minute after the change: with the change forgotten it could act at once, with
    // the wait started again it would act two minutes from now.
    await clock.sleep(Math.max(0, lastChange + 60_000 - clock.now()));
    const b = await e.startController('b');
    await waitFor('b leads', () => b.isLeader() && b.state.synced(), 30_000);
    const bStartedAt = clock.now();
    expect(b.state.lastPodChangeAt(node)).toBeUndefined(); // b watched nothing happen
    const replacement = await waitFor('b launches the replacement', async () => (await nodeClaims(api)).find((c) => c.metadata.labels?.[CLAIM_REASON_LABEL] === 'replacement'), 60_000);
    const decidedAt = Date.parse(replacement.metadata.creationTimestamp!);
    expect(decidedAt).toBeGreaterThanOrEqual(lastChange + CONSOLIDATE_AFTER_MS);
    expect(decidedAt).toBeLessThan(bStartedAt + CONSOLIDATE_AFTER_MS);
    expect(b.metrics.value('actions', { loop: 'disruption', action: 'launch-replacement' })).toBe(1);

    // And it goes on as usual: the old node drained, its pod on the cheaper replacement.
    await waitFor('old claim gone', async () => (await api.get(Refs.nodeClaims, name)) === undefined, 60_000);
    const [pod] = await waitFor('small running again', async () => {
      const pods = await runningPods(api, 'default', 'small');
      return pods.length === 1 && pods[0].spec.nodeName !== node ? pods : undefined;
    }, 40_000);
    expect(pod.spec.nodeName).toBe((await api.get(Refs.nodeClaims, replacement.metadata.name!))?.status?.nodeName);
  }, 120_000);
});
