/**
 * The controller side of bench:controller, in its own process so its resident memory is the
 * controller's alone: connects to the sandbox the parent started, runs the controller with a
 * formula-backed MetricsSource (a stand-in for Prometheus: values computed on request, nothing
 * stored, so the source's data does not count as controller memory), and times forecaster ticks.
 * Prints one JSON line.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { startController } from '../../core/controllers/controller.js';
import { SimulatedCloudProvider } from '../../core/cloud/simulated/provider.js';
import { loadCatalogSync } from '../../core/cloud/catalog/index.js';
import { HttpKubeClient } from '../../core/kube/client.js';
import type { EdgeHistoryReading, EdgesReading, LatestReading, MetricsSource, SeriesReading, Signal, TimeRange, WorkloadRef } from '../../core/metrics/source.js';
import { ScaledClock } from '../../core/sandbox/clock.js';

const [kubeconfigPath, ticksText] = process.argv.slice(2);
const TICKS = Number(ticksText ?? 5);

/** Daily-seasonal demand per Deployment, from its name: deterministic, O(1) memory. */
class FormulaSource implements MetricsSource {
  readonly description = 'formula';
  constructor(private readonly clock: { now(): number }) {}
  private value(workload: WorkloadRef, t: number): number {
    let h = 0;
    for (const c of workload.deployment) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    const base = 5 + (h % 50);
    const daily = 1 + 0.5 * Math.cos(((((t % 86_400) / 3600) - 15) / 24) * 2 * Math.PI);
    const noise = 1 + 0.05 * Math.sin(t * 0.37 + h);
    return base * daily * noise;
  }
  async history(_signal: Signal, workload: WorkloadRef, range: TimeRange): Promise<SeriesReading> {
    const now = Math.floor(this.clock.now() / 1000);
    const samples = [];
    for (let t = range.start; t <= Math.min(range.end, now); t += range.stepSeconds) samples.push({ t, v: this.value(workload, t) });
    return { freshness: samples.length ? 'fresh' : 'missing', range, samples, gaps: 0 };
  }
  async latest(_signal: Signal, workload: WorkloadRef): Promise<LatestReading> {
    const now = Math.floor(this.clock.now() / 1000);
    return { freshness: 'fresh', value: this.value(workload, now), at: now };
  }
  async edgeHistory(_namespace: string, range: TimeRange): Promise<EdgeHistoryReading> {
    return { freshness: 'missing', range, edges: [], reason: 'no edges' };
  }
  async edges(): Promise<EdgesReading> {
    return { freshness: 'missing', edges: [], at: Math.floor(this.clock.now() / 1000) };
  }
}

async function main(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  // A minute per second: every tick has one new bucket per Deployment.
  const clock = new ScaledClock(60);
  const client = new HttpKubeClient(kc, 'bench-controller');
  const cloud = new SimulatedCloudProvider({ clock, instanceTypes: loadCatalogSync('builtin') });
  const rssBefore = process.memoryUsage().rss;
  const controller = await startController({
    client,
    cloud,
    clock,
    identity: 'bench',
    metricsSource: new FormulaSource(clock),
    // Ticks are driven below, one per new bucket.
    intervals: { forecaster: 1e13, provisioner: 60_000, 'node-claim-lifecycle': 60_000, disruption: 60_000, 'garbage-collection': 600_000, config: 60_000 },
  });
  const synced = process.memoryUsage().rss;
  while (!controller.isLeader()) await new Promise((r) => setTimeout(r, 50));
  // The first pass backfills every Deployment's history (leadership triggers it).
  await controller.runner.runOnce('forecaster');
  while (!controller.loops.forecaster.firstPass) await controller.runner.runOnce('forecaster');
  const backfillStats = controller.loops.forecaster.firstPass;
  const backfillSeconds = backfillStats.seconds;
  const rssAfterBackfillMB = Math.round(process.memoryUsage().rss / 2 ** 20);
  const ticks: Array<{ seconds: number; patched: number; fed: number }> = [];
  for (let i = 0; i < TICKS; i++) {
    const nextMinute = (Math.floor(clock.now() / 60_000) + 1) * 60_000 + 50;
    await clock.sleep(nextMinute - clock.now());
    await controller.runner.runOnce('forecaster');
    const s = controller.loops.forecaster.lastStats;
    ticks.push({ seconds: Math.round(s.seconds * 1000) / 1000, patched: s.patched, fed: s.fedBuckets });
  }
  if (global.gc) global.gc();
  const mem = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({
      deployments: backfillStats.deployments,
      backfillTickSeconds: Math.round(backfillSeconds * 100) / 100,
      backfillBucketsFed: backfillStats.fedBuckets,
      ticks,
      maxTickSeconds: Math.max(...ticks.map((t) => t.seconds)),
      rssMB: Math.round(mem.rss / 2 ** 20),
      heapUsedMB: Math.round(mem.heapUsed / 2 ** 20),
      externalMB: Math.round(mem.external / 2 ** 20),
      arrayBuffersMB: Math.round(mem.arrayBuffers / 2 ** 20),
      rssAfterBackfillMB,
      rssAtStartMB: Math.round(rssBefore / 2 ** 20),
      rssAfterSyncMB: Math.round(synced / 2 ** 20),
      informerObjects: { deployments: controller.state.deployments.list().length, pods: controller.state.pods.list().length, nodes: controller.state.nodes.list().length },
    })}\n`,
  );
  await controller.stop();
  client.close();
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
