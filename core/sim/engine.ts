/**
 * The replay loop: a virtual clock that ticks every `tickSeconds`, a shared simulated cluster, and
 * one strategy deciding replicas, launches and removals. Each tick: pods finish starting, spot
 * interruptions due are delivered (reclaims, notices and the strategy's reaction, hand-offs), nodes
 * due for removal go, the strategy acts, the scheduler binds, then the tick is measured — demand
 * above ready pods × per-pod capacity is unserved; every live node costs its price for the tick.
 */
import { SimCluster, type InterruptionModel, type NodeType } from './cluster.js';
import { SpotInterruptions, stepInterruptions, type InterruptionHandling } from './interruptions.js';
import { tickRates } from './demand.js';
import { MetricsRecorder, type StrategyMetrics } from './metrics.js';
import { scenarioSeconds, type Scenario } from './scenario.js';

/** What a strategy may look at and act on during a tick. */
export interface TickContext {
  /** Seconds since the scenario start. */
  readonly now: number;
  readonly tick: number;
  readonly cluster: SimCluster;
  readonly scenario: Scenario;
  readonly nodeTypes: readonly NodeType[];
  /**
   * True demand (requests per second) of service `svc` at tick `tick`. Reactive strategies read it
   * only at or before `now - metricsLag`; the forecasters read completed trace buckets only.
   */
  demandAt(svc: number, tick: number): number;
}

export interface Strategy {
  readonly name: string;
  /** What its system does on a Spot interruption notice (default `none`: nothing until the instance goes). */
  readonly interruptionHandling?: InterruptionHandling;
  /** Called once per tick, after pods became ready and before the scheduler binds. */
  step(ctx: TickContext): void;
}

export interface PreparedScenario {
  readonly scenario: Scenario;
  readonly ticks: number;
  /** Demand per service per tick, requests per second. */
  readonly rates: readonly Float64Array[];
}

export function prepareScenario(scenario: Scenario): PreparedScenario {
  const tick = scenario.timing.tickSeconds;
  const ticks = Math.floor(scenarioSeconds(scenario) / tick);
  const rates = scenario.services.map((s) => tickRates(s.counts, tick, ticks));
  return { scenario, ticks, rates };
}

export interface RunOptions {
  /** Points kept per time series for the report. */
  readonly seriesPoints?: number;
  /** Called now and then with the share done (0..1). */
  readonly onProgress?: (done: number) => void;
  /** Spot nodes' lifetimes to their notice (default: the scenario's rate and seed; tests script them). */
  readonly interruptions?: InterruptionModel;
}

export function runStrategy(prepared: PreparedScenario, nodeTypes: readonly NodeType[], strategy: Strategy, options: RunOptions = {}): StrategyMetrics {
  const { scenario, ticks, rates } = prepared;
  const tickSeconds = scenario.timing.tickSeconds;
  // Every strategy draws from the same seed: the n-th spot node each launches lives as long.
  const interruptions = options.interruptions ?? (scenario.spotShare > 0 && scenario.spotInterruptions > 0 ? new SpotInterruptions(scenario.spotInterruptions, scenario.seed) : undefined);
  const cluster = new SimCluster(scenario.services.length, scenario.timing, scenario.spotShare, interruptions);
  const handling = strategy.interruptionHandling ?? 'none';
  const recorder = new MetricsRecorder(strategy.name, prepared, options.seriesPoints ?? 600);
  const ctx = {
    now: 0,
    tick: 0,
    cluster,
    scenario,
    nodeTypes,
    demandAt: (svc: number, k: number) => rates[svc][Math.max(0, Math.min(ticks - 1, k))],
  };
  const progressEvery = Math.max(1, Math.floor(ticks / 100));
  for (let k = 0; k < ticks; k++) {
    const now = k * tickSeconds;
    ctx.now = now;
    ctx.tick = k;
    cluster.advance(now);
    if (interruptions) stepInterruptions(now, cluster, handling);
    for (let i = cluster.nodes.length - 1; i >= 0; i--) {
      const n = cluster.nodes[i];
      if (n.drainAt <= now) cluster.terminate(n);
    }
    strategy.step(ctx);
    if (k === 0) cluster.warmStart(now);
    cluster.schedule(now);
    cluster.advance(now);
    recorder.record(k, cluster);
    if (options.onProgress && k % progressEvery === 0) options.onProgress(k / ticks);
  }
  return recorder.finish(cluster);
}
