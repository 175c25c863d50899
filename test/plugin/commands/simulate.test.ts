import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSimulateArgs, parseStrategies, renderSimulationTable, runSimulateCommand, type SimulateArgs } from '../../../plugin/commands/simulate.js';
import { CliError } from '../../../plugin/exit-codes.js';

const DEFAULTS: SimulateArgs = {
  strategies: 'reactive-hpa-ca,reactive-karpenter,overprovisioned,smartscale,oracle',
  sweep: false,
  cpu: '500m',
  memory: '1Gi',
  'pod-start': '20s',
  'node-ready': '60s',
  'metrics-lag': '30s',
  tick: '10s',
  catalog: 'builtin',
  'spot-share': 0,
  'spot-interruptions': 0.05,
  'hpa-target': 0.7,
  headroom: 0.3,
  quantile: 0.98,
  utilization: 0.85,
  disruption: 'planner',
  days: 7,
  seed: 42,
};

function usageError(args: Partial<SimulateArgs>): string {
  try {
    parseSimulateArgs({ ...DEFAULTS, ...args });
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('simulate flags', () => {
  it('parses the defaults into a scenario and knobs', () => {
    const parsed = parseSimulateArgs(DEFAULTS);
    expect(parsed.scenario.mapping).toEqual({ peakPods: 200 });
    expect(parsed.scenario.pod).toEqual({ milliCpu: 500, memoryBytes: 1024 ** 3 });
    expect(parsed.scenario.timing).toEqual({ tickSeconds: 10, podStartSeconds: 20, nodeReadySeconds: 60, metricsLagSeconds: 30 });
    expect(parsed.strategies).toHaveLength(5);
    expect(parsed.scenario).toMatchObject({ spotShare: 0, spotInterruptions: 0.05, seed: 42 });
    expect(parseSimulateArgs({ ...DEFAULTS, 'spot-share': 0.5, 'spot-interruptions': 0 }).scenario).toMatchObject({ spotShare: 0.5, spotInterruptions: 0 });
    expect(parsed.knobs.smartscale).toBeUndefined();
    expect(parseSimulateArgs({ ...DEFAULTS, 'shortfall-target': 0 }).knobs.smartscale).toEqual({ shortfallTarget: 0 });
    // --surge-factor 0 turns the whole surge floor off, the run-of-misses rule with it.
    expect(parseSimulateArgs({ ...DEFAULTS, 'shortfall-target': 0, 'surge-factor': 0 }).knobs.smartscale).toEqual({ shortfallTarget: 0, surgeFactor: 0, surgeSustainBuckets: 0 });
    expect(parseSimulateArgs({ ...DEFAULTS, 'surge-factor': 1.5 }).knobs.smartscale).toEqual({ surgeFactor: 1.5 });
  });

  it.each([
    [{ 'peak-pods': 10, 'rps-per-pod': 2 }, /exclusive/],
    [{ 'peak-pods': 0 }, /--peak-pods 0/],
    [{ cpu: 'lots' }, /--cpu/],
    [{ tick: '30s' }, /--tick 30s/],
    [{ 'pod-start': 'soon' }, /--pod-start/],
    [{ strategies: 'smartscale,magic' }, /unknown strategy "magic"/],
    [{ 'hpa-target': 1.5 }, /--hpa-target 1.5/],
    [{ quantile: 1 }, /--quantile 1/],
    [{ 'spot-share': -0.1 }, /--spot-share/],
    [{ 'spot-interruptions': 1 }, /--spot-interruptions 1: must be below 1/],
    [{ 'spot-interruptions': -0.05 }, /--spot-interruptions -0.05: must be between 0 and 1/],
    [{ 'spot-interruptions': Number.NaN }, /--spot-interruptions NaN/],
    [{ seed: 1.5 }, /--seed 1.5: must be a whole number/],
    [{ output: 'wide' }, /-o wide: simulate prints table, json or yaml/],
    [{ trace: [] }, /--trace: name at least one CSV file/],
    [{ report: 'out.pdf' }, /HTML file/],
    [{ horizon: '10m' }, /at least 1h/],
    [{ disruption: 'chaos' }, /--disruption chaos/],
    [{ 'shortfall-target': 0.7 }, /--shortfall-target 0.7/],
    [{ 'shortfall-target': -0.01 }, /--shortfall-target -0.01/],
    [{ 'surge-factor': -1 }, /--surge-factor -1/],
  ] as Array<[Partial<SimulateArgs>, RegExp]>)('rejects %o with a clear message', (args, message) => {
    expect(usageError(args)).toMatch(message);
  });

  it('deduplicates strategies and renders the table with the frontier column only under --sweep', () => {
    expect(parseStrategies('smartscale, oracle,smartscale')).toEqual(['smartscale', 'oracle']);
    const strategies = { smartscale: { costUsd: 10, unservedPct: 0.01, violationMinutes: 1, launches: 2, terminations: 1, interruptions: 0, meanNodes: 3, p95Nodes: 4, costRatio: 1.2 } };
    expect(renderSimulationTable({ trace: 't', days: 1, strategies, seconds: 1 })).not.toContain('COST@');
    const table = renderSimulationTable({ trace: 't', days: 1, strategies, frontier: { smartscale: { costAtUnserved0_1: null } }, seconds: 1 });
    expect(table).toContain('COST@0.1%');
    expect(table).toContain('not reached');
    expect(table).not.toContain('INTERRUPTIONS');
    const spot = renderSimulationTable({ trace: 't', days: 1, spot: { share: 0.5, interruptionsPer30Days: 0.05 }, strategies: { smartscale: { ...strategies.smartscale, interruptions: 7 } }, seconds: 1 });
    expect(spot).toContain('spot share 0.5, 0.05 of spot instances interrupted per 30 days');
    expect(spot).toMatch(/INTERRUPTIONS\n/);
    expect(spot.trimEnd().split('\n').at(-1)).toMatch(/ 7$/);
  });
});

describe('the pods --rps-per-pod implies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simulate-rps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // 60 requests a minute, every minute for 3 hours: 1 request/second at every percentile.
  const trace = join(dir, 'steady.csv');
  writeFileSync(trace, `timestamp,value\n${Array.from({ length: 180 }, (_, i) => `${1_700_000_000 + 60 * i},60`).join('\n')}\n`);
  const io = () => ({ stdout: new PassThrough(), stderr: new PassThrough() });

  it.each([
    [1e-300, '1.00e+300 pods'],
    [0.9e-5, '111,112 pods'],
  ])('--rps-per-pod %s is refused before the replay, with the cap --peak-pods has', async (rps, pods) => {
    const started = Date.now();
    const run = runSimulateCommand({ ...DEFAULTS, trace: [trace], 'rps-per-pod': rps, strategies: 'oracle' }, io());
    await expect(run).rejects.toMatchObject({ exitCode: 2, message: `--rps-per-pod ${rps}: trace ${trace} would need ${pods} at its 99th-percentile demand, more than 100,000 (the --peak-pods cap); give a larger --rps-per-pod` });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the built-in scenario is held to it too, and a workload within it runs', async () => {
    await expect(runSimulateCommand({ ...DEFAULTS, 'rps-per-pod': 1e-9, strategies: 'oracle', days: 1 }, io())).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--rps-per-pod 1e-9: the built-in scenario would need [\d.e+,]+ pods at its 99th-percentile demand, more than 100,000/) });
    const [result] = await runSimulateCommand({ ...DEFAULTS, trace: [trace], 'rps-per-pod': 0.1, strategies: 'oracle', workers: 0 }, io());
    expect(result.summary.strategies.oracle.p95Nodes).toBeGreaterThan(0);
  });
});
