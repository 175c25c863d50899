import { describe, expect, it } from 'vitest';
import { runStrategy, prepareScenario } from '../../../core/sim/engine.js';
import { DEFAULT_KNOBS, STRATEGY_NAMES, createStrategy, simContext } from '../../../core/sim/run.js';
import { runOracle } from '../../../core/sim/oracle.js';
import { simulate } from '../../../core/sim/simulate.js';
import { generateWorkload } from '../../../core/workload/synthetic.js';
import { traceScenario } from '../../../core/sim/scenario.js';
import { CATALOG, scenarioOf, segments, traceOf } from './builders.js';

const SUMMARY_KEYS = ['costUsd', 'unservedPct', 'violationMinutes', 'launches', 'terminations', 'interruptions', 'meanNodes', 'p95Nodes', 'costRatio'].sort();

describe('simulate', () => {
  it('prints the documented JSON schema, with the frontier only under --sweep', async () => {
    const scenario = scenarioOf(segments([120, 20], [60, 60], [120, 20]), 1);
    const plain = await simulate(scenario, CATALOG, { strategies: [...STRATEGY_NAMES], knobs: DEFAULT_KNOBS, sweep: false, workers: 0 });
    const json = JSON.parse(JSON.stringify(plain.summary));
    expect(Object.keys(json).sort()).toEqual(['days', 'seconds', 'strategies', 'trace']);
    expect(Object.keys(json.strategies)).toEqual([...STRATEGY_NAMES]);
    for (const s of Object.values(json.strategies) as Array<Record<string, unknown>>) {
      expect(Object.keys(s).sort()).toEqual(SUMMARY_KEYS);
      expect(typeof s.costRatio).toBe('number');
    }
    expect(json.strategies.oracle.costRatio).toBe(1);
    // With a spot share, `spot` says what the interruption counts assumed; the oracle is never interrupted.
    const spotScenario = traceScenario('spot', scenario.services[0].counts, { mapping: { rpsPerPod: 1 }, spotShare: 0.5, spotInterruptions: 0.2 });
    const spot = JSON.parse(JSON.stringify((await simulate(spotScenario, CATALOG, { strategies: ['reactive-karpenter', 'oracle'], knobs: DEFAULT_KNOBS, sweep: false, workers: 0 })).summary));
    expect(Object.keys(spot)).toEqual(['trace', 'days', 'spot', 'strategies', 'seconds']);
    expect(spot.spot).toEqual({ share: 0.5, interruptionsPer30Days: 0.2 });
    for (const s of Object.values(spot.strategies) as Array<Record<string, unknown>>) expect(Object.keys(s).sort()).toEqual(SUMMARY_KEYS);
    expect(spot.strategies.oracle.interruptions).toBe(0);
    const swept = await simulate(scenario, CATALOG, { strategies: ['reactive-karpenter', 'smartscale'], knobs: DEFAULT_KNOBS, sweep: true, workers: 0 });
    const j2 = JSON.parse(JSON.stringify(swept.summary));
    expect(Object.keys(j2).sort()).toEqual(['days', 'frontier', 'seconds', 'strategies', 'trace']);
    expect(Object.keys(j2.frontier)).toEqual(['reactive-karpenter', 'smartscale']);
    for (const f of Object.values(j2.frontier) as Array<Record<string, unknown>>) {
      expect(Object.keys(f)).toEqual(['costAtUnserved0_1']);
      expect(f.costAtUnserved0_1 === null || typeof f.costAtUnserved0_1 === 'number').toBe(true);
    }
  }, 60_000);

  it('gives the same results on worker threads as in this thread', async () => {
    const scenario = scenarioOf(segments([60, 10], [30, 40], [60, 10]), 1);
    const options = { strategies: ['reactive-karpenter', 'smartscale', 'oracle'] as const, knobs: DEFAULT_KNOBS, sweep: false };
    const inline = await simulate(scenario, CATALOG, { ...options, strategies: [...options.strategies], workers: 0 });
    const threaded = await simulate(scenario, CATALOG, { ...options, strategies: [...options.strategies], workers: 2 });
    expect(threaded.summary.strategies).toEqual(inline.summary.strategies);
    // Spot interruptions too: the seed travels with the scenario.
    const spot = traceScenario('spot', traceOf(segments([1440, 10], [1440, 40])), { mapping: { rpsPerPod: 1 }, spotShare: 1, spotInterruptions: 0.999, seed: 5 });
    const spotInline = await simulate(spot, CATALOG, { ...options, strategies: ['reactive-karpenter', 'smartscale'], workers: 0 });
    expect(spotInline.summary.strategies['reactive-karpenter'].interruptions).toBeGreaterThan(0);
    expect((await simulate(spot, CATALOG, { ...options, strategies: ['reactive-karpenter', 'smartscale'], workers: 2 })).summary.strategies).toEqual(spotInline.summary.strategies);
  }, 60_000);

  it('no strategy that serves everything costs less than the oracle', () => {
    const traces = [
      scenarioOf(segments([240, 5], [120, 30], [240, 8]), 1),
      scenarioOf(segments([600, 2]), 0.5),
      traceScenario('synthetic', generateWorkload({ days: 2, seed: 7 }).series, { mapping: { peakPods: 60 } }),
    ];
    let servedEverything = 0;
    for (const scenario of traces) {
      for (const knobs of [DEFAULT_KNOBS, { ...DEFAULT_KNOBS, hpaTarget: 0.4, headroom: 1, quantile: 0.99 }]) {
        const ctx = simContext(scenario, CATALOG);
        const oracle = runOracle(ctx.prepared, ctx.nodeTypes);
        expect(oracle.unservedPct).toBe(0);
        for (const name of ['reactive-hpa-ca', 'reactive-karpenter', 'overprovisioned', 'smartscale'] as const) {
          const m = runStrategy(ctx.prepared, ctx.nodeTypes, createStrategy(name, ctx, knobs));
          if (m.unservedPct === 0) {
            servedEverything++;
            expect(m.costUsd).toBeGreaterThanOrEqual(oracle.costUsd);
          }
        }
      }
    }
    expect(servedEverything).toBeGreaterThan(0); // the property was exercised
  }, 120_000);

  it('leaves demand unserved while a reactive cluster catches up with a step, and none once it has', () => {
    const scenario = scenarioOf(segments([30, 10], [60, 40]), 1);
    const ctx = simContext(scenario, CATALOG);
    const m = runStrategy(prepareScenario(scenario), ctx.nodeTypes, createStrategy('reactive-karpenter', ctx, DEFAULT_KNOBS));
    expect(m.unservedPct).toBeGreaterThan(0);
    // The 4× step at 30 min needs the metrics lag (30 s), several HPA syncs (CPU saturates at 100%,
    // so each sync grows at most 1/0.7×), a node (60 s) and pod starts (20 s): minutes, not the hour.
    expect(m.violationMinutes).toBeGreaterThan(1);
    expect(m.violationMinutes).toBeLessThanOrEqual(8);
    const last = m.series.readyPods.length - 1;
    expect(m.series.readyPods[last]).toBeGreaterThanOrEqual(m.series.demandPods[last]);
  });
});
