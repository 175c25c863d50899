import { describe, expect, it } from 'vitest';
import { SimCluster, type InterruptionModel } from '../../../core/sim/cluster.js';
import { runStrategy, type PreparedScenario } from '../../../core/sim/engine.js';
import { hazardPerSecond, INTERRUPTION_PERIOD_SECONDS, SPOT_NOTICE_SECONDS, SpotInterruptions, stepInterruptions } from '../../../core/sim/interruptions.js';
import type { StrategyMetrics } from '../../../core/sim/metrics.js';
import { DEFAULT_KNOBS, createStrategy, simContext, type SimContext, type StrategyKnobs } from '../../../core/sim/run.js';
import { DEFAULT_TIMING, traceScenario, type SimTiming } from '../../../core/sim/scenario.js';
import { CATALOG, NODE_TYPES, segments, traceOf } from './builders.js';

/** Lifetimes (launch → notice) handed out in launch order, then never again. */
function scripted(...lifetimes: number[]): InterruptionModel {
  return { noticeSeconds: SPOT_NOTICE_SECONDS, nextLifetime: () => lifetimes.shift() ?? Infinity };
}

/** Two hours at 10 requests/s, 1 request/s a pod, every node spot. */
function steadySpot(timing: Partial<SimTiming> = {}): SimContext {
  return simContext(traceScenario('steady', traceOf(segments([120, 10])), { mapping: { rpsPerPod: 1 }, spotShare: 1, timing }), CATALOG);
}

const NOTICE = 3600;

function run(ctx: SimContext, name: 'smartscale' | 'reactive-karpenter' | 'reactive-hpa-ca', interruptions?: InterruptionModel, knobs: StrategyKnobs = DEFAULT_KNOBS): StrategyMetrics {
  return runStrategy(ctx.prepared, ctx.nodeTypes, createStrategy(name, ctx, knobs), { seriesPoints: 1e6, interruptions });
}

/** Ready pods per tick from `from` (s) on, `count` ticks (one series point per tick). */
function readyFrom(m: StrategyMetrics, from: number, count: number): number[] {
  const i = m.series.t.findIndex((t) => t >= from);
  return m.series.readyPods.slice(i, i + count);
}

/** Requests left unserved (tick by tick, from the per-tick series) at the scenario's 10 requests/s. */
function unservedRequests(m: StrategyMetrics, prepared: PreparedScenario): number {
  const dt = prepared.scenario.timing.tickSeconds;
  return m.series.readyPods.reduce((sum, ready, k) => sum + Math.max(0, prepared.rates[0][k] - ready) * dt, 0);
}

describe('spot interruptions: the model', () => {
  it('converts the share per 30 days to a constant hazard: 1 − e^(−λ·30 d) is the share', () => {
    expect(hazardPerSecond(0)).toBe(0);
    for (const f of [0.05, 0.2, 0.9]) expect(1 - Math.exp(-hazardPerSecond(f) * INTERRUPTION_PERIOD_SECONDS)).toBeCloseTo(f, 12);
    expect(() => hazardPerSecond(1)).toThrow(/\[0, 1\)/);
    expect(() => hazardPerSecond(-0.1)).toThrow(RangeError);
    expect(new SpotInterruptions(0, 1).nextLifetime()).toBe(Infinity);
  });

  it('the scenario takes a rate in [0, 1) and a whole seed, and defaults to 0.05 and 42', () => {
    const series = traceOf(segments([60, 5]));
    const with_ = (o: object) => traceScenario('t', series, { mapping: { rpsPerPod: 1 }, ...o });
    expect(with_({})).toMatchObject({ spotInterruptions: 0.05, seed: 42, spotShare: 0 });
    expect(() => with_({ spotInterruptions: 1 })).toThrow(/spot interruptions must be in \[0, 1\) \(the share of spot instances interrupted per 30 days\), got 1/);
    expect(() => with_({ spotInterruptions: Number.NaN })).toThrow(RangeError);
    expect(() => with_({ seed: 0.5 })).toThrow(/seed must be a whole number/);
  });

  it('interrupts the Advisor share of nodes within 30 days (binomial, within 4 standard deviations)', () => {
    for (const [f, seed] of [[0.05, 7], [0.2, 8], [0.9, 9]] as const) {
      const cluster = new SimCluster(1, DEFAULT_TIMING, 1, new SpotInterruptions(f, seed));
      const nodes = 4000;
      for (let i = 0; i < nodes; i++) cluster.launch(NODE_TYPES[0], 0);
      // The notices are checked hourly here: the draws are made at launch, not per check.
      for (let t = 0; t <= INTERRUPTION_PERIOD_SECONDS; t += 3600) stepInterruptions(t, cluster, 'terminate');
      const mean = nodes * f;
      const sd = Math.sqrt(nodes * f * (1 - f));
      expect(Math.abs(cluster.interruptions - mean)).toBeLessThan(4 * sd);
    }
  });

  it('over many spot node-hours of a replay, the count is the Poisson mean λ × node-seconds (within 4 standard deviations)', () => {
    const f = 0.99;
    const scenario = traceScenario('steady', traceOf(segments([25 * 1440, 60])), { mapping: { rpsPerPod: 1 }, spotShare: 1, spotInterruptions: f, seed: 3 });
    const ctx = simContext(scenario, CATALOG);
    const m = runStrategy(ctx.prepared, ctx.nodeTypes, createStrategy('reactive-karpenter', ctx, DEFAULT_KNOBS));
    // Karpenter terminates a node at its notice, so a node's time alive is its time at risk.
    const nodeSeconds = m.meanNodes * ctx.prepared.ticks * scenario.timing.tickSeconds;
    const expected = hazardPerSecond(f) * nodeSeconds;
    expect(expected).toBeGreaterThan(100); // enough node-hours for the check to bite (about 29 nodes for 25 days)
    expect(Math.abs(m.interruptions - expected)).toBeLessThan(4 * Math.sqrt(expected));
  }, 60_000);

  it('is deterministic: the same seed gives the same run; another rate another count', () => {
    const at = (spotInterruptions: number, seed: number) => {
      const scenario = traceScenario('steady', traceOf(segments([5 * 1440, 60])), { mapping: { rpsPerPod: 1 }, spotShare: 0.5, spotInterruptions, seed });
      const ctx = simContext(scenario, CATALOG);
      return runStrategy(ctx.prepared, ctx.nodeTypes, createStrategy('reactive-karpenter', ctx, DEFAULT_KNOBS));
    };
    const a = at(0.99, 11);
    expect(a.interruptions).toBeGreaterThan(3);
    expect(at(0.99, 11)).toEqual(a);
    expect(at(0.2, 11).interruptions).toBeLessThan(a.interruptions);
    expect(at(0, 11).interruptions).toBe(0);
    expect(at(0.99, 12)).not.toEqual(a);
  }, 60_000);

  it('changes nothing without spot nodes, whatever the rate', () => {
    const ctx = (spotInterruptions: number) => simContext(traceScenario('t', traceOf(segments([60, 5], [30, 20], [60, 5])), { mapping: { rpsPerPod: 1 }, spotInterruptions }), CATALOG);
    for (const name of ['smartscale', 'reactive-karpenter', 'reactive-hpa-ca'] as const) {
      const plain = run(ctx(0), name);
      expect(run(ctx(0.99), name)).toEqual(plain);
      expect(plain.interruptions).toBe(0);
    }
  }, 60_000);
});

describe('spot interruptions: how each system reacts', () => {
  it('smartscale hands over: the pods serve through the notice and move once the replacement is Ready', () => {
    const ctx = steadySpot();
    const calm = run(ctx, 'smartscale');
    // The first node, launched at 0 s, gets its notice at 3600 s.
    const m = run(ctx, 'smartscale', scripted(NOTICE));
    expect(m.interruptions).toBe(1);
    const before = readyFrom(calm, NOTICE, 14);
    const during = readyFrom(m, NOTICE, 14);
    // From the notice until the replacement is Ready (60 s later) every pod keeps serving.
    expect(during.slice(0, DEFAULT_TIMING.nodeReadySeconds / DEFAULT_TIMING.tickSeconds)).toEqual(before.slice(0, 6));
    // Then the node's pods move together and each needs its 20 s start: the dip is that start, no more.
    const dipTicks = during.filter((r, i) => r < before[i]).length;
    expect(dipTicks).toBeGreaterThan(0);
    expect(dipTicks).toBeLessThanOrEqual(DEFAULT_TIMING.podStartSeconds / DEFAULT_TIMING.tickSeconds);
    expect(during.slice(-4)).toEqual(before.slice(-4));
    expect(m.launches).toBe(calm.launches + 1);
  });

  it('Karpenter drains at the notice: the pods are pending until a new node and their start, and demand goes unserved', () => {
    const ctx = steadySpot();
    // An HPA target that leaves no headroom for three lost pods (10 requests/s on 11 pods).
    const knobs = { ...DEFAULT_KNOBS, hpaTarget: 0.95 };
    const calm = run(ctx, 'reactive-karpenter', undefined, knobs);
    // Karpenter's first node is launched at 1 s (its batch): its notice comes at 3600 s.
    const m = run(ctx, 'reactive-karpenter', scripted(NOTICE - 1), knobs);
    expect(m.interruptions).toBe(1);
    const before = readyFrom(calm, NOTICE, 14);
    const during = readyFrom(m, NOTICE, 14);
    expect(during[0]).toBeLessThan(before[0]); // evicted at the notice
    const lostTicks = during.filter((r, i) => r < before[i]).length;
    // Karpenter's 1 s batch, the node's 60 s to Ready, the pods' 20 s start.
    const tick = DEFAULT_TIMING.tickSeconds;
    expect(lostTicks * tick).toBeGreaterThanOrEqual(DEFAULT_TIMING.nodeReadySeconds + DEFAULT_TIMING.podStartSeconds);
    expect(lostTicks * tick).toBeLessThanOrEqual(DEFAULT_TIMING.nodeReadySeconds + DEFAULT_TIMING.podStartSeconds + 2 * tick);
    expect(unservedRequests(m, ctx.prepared)).toBeGreaterThan(unservedRequests(calm, ctx.prepared) + 100);
    // smartscale on the same interruption loses a fraction of that.
    const smartCalm = run(ctx, 'smartscale');
    const smart = run(ctx, 'smartscale', scripted(NOTICE));
    const smartLoss = unservedRequests(smart, ctx.prepared) - unservedRequests(smartCalm, ctx.prepared);
    const karpenterLoss = unservedRequests(m, ctx.prepared) - unservedRequests(calm, ctx.prepared);
    expect(smartLoss).toBeLessThan(karpenterLoss / 3);
  });

  it('smartscale evicts at the hand-off deadline when the replacement cannot be Ready in time', () => {
    // A node takes 90 s to be Ready: later than the last eviction, 120 − 30 (grace) − 20 (margin) = 70 s after the notice.
    const ctx = steadySpot({ nodeReadySeconds: 90 });
    const calm = run(ctx, 'smartscale');
    const m = run(ctx, 'smartscale', scripted(NOTICE));
    const before = readyFrom(calm, NOTICE, 16);
    const during = readyFrom(m, NOTICE, 16);
    const firstDrop = during.findIndex((r, i) => r < before[i]);
    expect(firstDrop * DEFAULT_TIMING.tickSeconds).toBe(70);
    expect(m.interruptions).toBe(1);
  });

  it('Cluster Autoscaler with the Node Termination Handler drains at the notice and keeps the empty instance until the reclaim', () => {
    const ctx = steadySpot();
    const calm = run(ctx, 'reactive-hpa-ca', undefined, { ...DEFAULT_KNOBS, hpaTarget: 0.95 });
    const m = run(ctx, 'reactive-hpa-ca', scripted(NOTICE), { ...DEFAULT_KNOBS, hpaTarget: 0.95 });
    expect(m.interruptions).toBe(1);
    expect(readyFrom(m, NOTICE, 1)[0]).toBeLessThan(readyFrom(calm, NOTICE, 1)[0]);
    // The drained instance is billed until EC2 takes it, next to CA's new node.
    const i = m.series.t.findIndex((t) => t >= NOTICE);
    const j = calm.series.t.findIndex((t) => t >= NOTICE);
    expect(m.series.nodes[i + 1]).toBe(calm.series.nodes[j + 1] + 1);
    expect(m.costUsd).toBeGreaterThan(calm.costUsd);
  });
});
