/**
 * Running many simulations of one scenario: in this thread, or spread over worker threads (one per
 * core). A job is one strategy at one setting; workers take the heaviest first, and results come
 * back in job order.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InstanceType } from '../model/instance-type.js';
import type { StrategyMetrics } from './metrics.js';
import { runOne, simContext, type SimContext, type StrategyKnobs, type StrategyName } from './run.js';
import type { Scenario } from './scenario.js';

export interface SimJob {
  readonly strategy: StrategyName;
  readonly knobs: StrategyKnobs;
  /** Keep the time series (for the report); sweep points drop them. */
  readonly keepSeries: boolean;
}

export interface WorkerInit {
  readonly scenario: Scenario;
  readonly catalog: readonly InstanceType[];
}

export type WorkerRequest = { readonly id: number; readonly job: SimJob };
export type WorkerReply = { readonly id: number; readonly result?: StrategyMetrics; readonly error?: string };

export function runJob(ctx: SimContext, job: SimJob, onProgress?: (done: number) => void): StrategyMetrics {
  const m = runOne(job.strategy, ctx, job.knobs, onProgress);
  return job.keepSeries ? m : { ...m, series: { t: [], demandPods: [], readyPods: [], nodes: [], costUsd: [] } };
}

/**
 * A job's rough cost relative to reactive-karpenter's, for handing out the longest jobs first
 * (measured on the shared traces: smartscale with the production disruption planner, a planner
 * call per consolidation decision, costs 2–3 times as much; overprovisioned's placeholder pods
 * add about half; HPA + CA with one node group is cheaper; the oracle is a single pass).
 */
export function jobWeight(job: SimJob): number {
  switch (job.strategy) {
    case 'smartscale':
      return job.knobs.disruption === 'slots' ? 1.5 : 3;
    case 'overprovisioned':
      return 1.5;
    case 'reactive-karpenter':
      return 1;
    case 'reactive-hpa-ca':
      return 0.8;
    case 'oracle':
      return 0.1;
  }
}

/**
 * The order workers take jobs in: heaviest first (ties in job order), so one long job does not
 * start last and leave the other cores idle at the end (longest-processing-time-first).
 */
export function dispatchOrder(jobs: readonly SimJob[]): number[] {
  return jobs.map((_, i) => i).sort((a, b) => jobWeight(jobs[b]) - jobWeight(jobs[a]) || a - b);
}

export interface RunJobsOptions {
  /** Worker threads; 0 runs in this thread. Default: one per core, at most one per job. */
  readonly workers?: number;
  /** Called with the share of jobs finished (0..1). */
  readonly onProgress?: (done: number) => void;
}

/**
 * Starts a worker: the compiled JavaScript next to this module, or — when running from source
 * (tests, benchmarks under tsx) — the TypeScript worker loaded through tsx's loader.
 */
function startWorker(init: WorkerInit): Worker {
  const js = new URL('./sim-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: init });
  const ts = new URL('./sim-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

export async function runJobs(init: WorkerInit, jobs: readonly SimJob[], options: RunJobsOptions = {}): Promise<StrategyMetrics[]> {
  const count = Math.max(0, Math.min(jobs.length, options.workers ?? availableParallelism()));
  const results: StrategyMetrics[] = new Array(jobs.length);
  if (count <= 1) {
    const ctx = simContext(init.scenario, init.catalog);
    jobs.forEach((job, i) => {
      results[i] = runJob(ctx, job, (d) => options.onProgress?.((i + d) / jobs.length));
    });
    options.onProgress?.(1);
    return results;
  }
  const order = dispatchOrder(jobs);
  let next = 0;
  let finished = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker) => {
        if (next >= jobs.length) return;
        const id = order[next++];
        w.postMessage({ id, job: jobs[id] } satisfies WorkerRequest);
      };
      for (let i = 0; i < count; i++) {
        const w = startWorker(init);
        workers.push(w);
        w.on('message', (reply: WorkerReply) => {
          if (reply.error !== undefined || !reply.result) {
            reject(new Error(`simulation job ${reply.id} failed: ${reply.error}`));
            return;
          }
          results[reply.id] = reply.result;
          finished++;
          options.onProgress?.(finished / jobs.length);
          if (finished === jobs.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
