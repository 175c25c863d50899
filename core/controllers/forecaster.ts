/**
 * The forecaster loop: for every opted-in Deployment, reads the demand the MetricsSource has for
 * the buckets completed since the last pass, updates that Deployment's online model, propagates
 * forecasts along the learned service graph of its namespace, and patches
 * `smartscale.io/forecast` when it changed materially (the patch goes through the webhook, which
 * derives the targets). Per-pod capacity is learned from (RPS per ready pod, latency p95) where the
 * user gave none.
 *
 * Restarts: model state lives in memory and is rebuilt by backfilling `controller.backfill` of
 * history from the MetricsSource the first time a Deployment is seen (ADR 090) — what was learned
 * is what the metrics still hold, so nothing is lost that the metrics store keeps.
 *
 * Sizing inputs (ADR 075), published with the forecast for the webhook to size with, as the
 * simulator's smartscale strategy does: the served-record margin (core/sizing/served-record.ts,
 * feedback.ts) moves once per bucket fed — up when the bucket's demand exceeded the replicas ready
 * at its end × per-pod capacity, back toward 1 when not — and the surge floor
 * (core/sizing/surge.ts) is the newest bucket's demand, or, when it is above `factor` × the band
 * the previous forecast gave it — or the last `sustainBuckets` buckets were each above the band
 * forecast for them — that demand plus its rise extrapolated over `controller.surgeLead`.
 * The margin and the learned per-pod capacity are seeded from the published annotation after a
 * restart; the run of buckets above
 * their band is replayed from the backfill (the band the model gave each of the last few buckets
 * just before it was fed), so a new leader extrapolates a climb on the pass the old one would have.
 *
 * Staleness (core/metrics/source.ts contract): when the source cannot give the new buckets, the
 * models are left untouched and the last forecast is re-published with `stale: true`, which the
 * webhook and the provisioner act on nothing.
 *
 * No forecast at all: a Deployment the source has never given a bucket for (the query matches no
 * series — the simulated source on a real cluster, a preset that does not fit — or the server
 * cannot answer), or whose `smartscale.io/rps-query` cannot be rendered (it is not sent; the
 * preset is not used instead), gets a Warning Event saying why: `NoForecast` or
 * `InvalidAnnotation`, once per cause (again after it cleared and came back), at most
 * `PROBLEM_EVENTS_PER_PASS` per pass — the rest wait for later passes, none is lost to the event
 * writer's in-flight limit.
 */
import type { KubeClient, KubeObject } from '../kube/client.js';
import { patchAnnotations } from '../kube/patch.js';
import { Refs } from '../kube/refs.js';
import { toForecastAnnotation } from '../forecast/annotation.js';
import { SeriesForecaster } from '../forecast/forecaster.js';
import { changedMaterially, DEFAULT_PUBLICATION_RULE } from '../forecast/publication.js';
import { propagateForecasts, serviceForecast, ServiceGraphLearner, type ServiceForecast } from '../graph/service-graph.js';
import type { GraphSnapshot } from './graph-publisher.js';
import type { MetricsSource, Sample, SeriesReading } from '../metrics/source.js';
import { rpsQueryProblem } from '../metrics/template.js';
import { Annotations, FORECAST_ANNOTATION_MAX_BYTES, formatForecastWithinLimit, parseDeploymentSettings, parseForecastAnnotation, parseReplicaCount, type DeploymentSettings, type ForecastAnnotation, type Mode } from '../model/annotations.js';
import type { Clock } from '../model/clock.js';
import { CLUSTER_CONFIG_NAME, effectiveMode, parseWebhookDefaults } from '../model/cluster-config.js';
import { learnRpsPerPod, type LoadObservation } from '../sizing/capacity.js';
import { DEFAULT_SHORTFALL_FEEDBACK, shortfallTargetForQuantile, type ShortfallFeedbackOptions } from '../sizing/feedback.js';
import { ServedRecord } from '../sizing/served-record.js';
import { DEFAULT_SURGE, nextAboveBandRun, surgeFloorDemand } from '../sizing/surge.js';
import type { ClusterState } from './cluster-state.js';
import type { ControllerEvents } from './events.js';
import type { Loop } from './loop.js';
import type { ControllerMetrics } from './metrics.js';
import type { ControllerSettings } from './settings.js';

/** Observed buckets kept per Deployment for propagation within an edge's lag. */
const RECENT = 8;
const MAX_OBSERVATIONS = 2000;
/** Buckets this recent (seconds) are paired with the current ready replicas to learn per-pod capacity. */
const CAPACITY_WINDOW_SECONDS = 300;
/** Window of history the graph learner starts from for a new namespace. */
const GRAPH_BACKFILL_SECONDS = 86_400;
/**
 * Most `NoForecast`/`InvalidAnnotation` Events one pass emits (below the event writer's 16 in
 * flight, which drops the rest): 2,000 Deployments with no data are told within 50 minutes.
 */
export const PROBLEM_EVENTS_PER_PASS = 10;

/** Why a Deployment gets no forecast from this process, as its Event says it. */
interface ForecastProblem {
  reason: 'NoForecast' | 'InvalidAnnotation';
  /** The cause without details that vary from pass to pass (a timeout's duration): reported once per key. */
  key: string;
  message: string;
}

interface SeriesState {
  forecaster: SeriesForecaster;
  stepSeconds: number;
  /** Sample time (end of bucket) of the newest bucket fed; NaN before any. */
  lastFedSec: number;
  recent: number[];
  observations: LoadObservation[];
  learnedRpsPerPod?: number;
  /** Samples fed this pass (the graph learner pairs them with edges). */
  fedThisPass: Sample[];
  stale: boolean;
  staleReason?: string;
  /** Why this Deployment gets no forecast now, if it gets none; and the cause last reported as an Event. */
  problem?: ForecastProblem;
  reportedProblem?: string;
  /** Ready replicas over time and the served-record margin. */
  served: ServedRecord;
  /** The last forecast's upper band (requests/second) and the end of the bucket before its first step. */
  band?: { fromSec: number; upperRps: number[] };
  /** Demand the replicas must cover now (requests/second); undefined before any bucket. */
  surgeFloor?: number;
  /** Buckets in a row above the upper band the forecast before each gave it (`nextAboveBandRun`). */
  aboveBandRun?: number;
  /** A forecast had to be cut to fit its annotation and the Event said so (again only after one fits). */
  reportedTruncation?: boolean;
  /**
   * Before any bucket: when the source, which had nothing, is asked again (clock seconds), and the
   * wait after that. Each empty answer to the backfill's range query doubles the wait (60 s up to
   * `NO_DATA_MAX_WAIT_SEC`): 2,000 Deployments without data would otherwise send 2,000 seven-day
   * range queries every pass. A source that could not answer (an outage) is not an empty answer:
   * asked again every pass, so forecasts start as soon as it is back.
   */
  nextProbeSec?: number;
  probeWaitSec?: number;
  /** The source and query the wait is for: a new one (a Prometheus URL added, a query fixed) is asked at once. */
  probeKey?: string;
}

/** The longest wait before a source that had no data for a Deployment is asked again. */
export const NO_DATA_MAX_WAIT_SEC = 600;
const NO_DATA_FIRST_WAIT_SEC = 60;

interface GraphState {
  learner: ServiceGraphLearner;
  lastEdgeSec: number;
  hasEdges: boolean;
  nextProbeSec: number;
}

/** What the loop reads of the cluster state (ClusterState is one). */
export type ForecasterClusterView = Pick<ClusterState, 'config' | 'optedInDeployments' | 'namespace'> & { configMaps: Pick<ClusterState['configMaps'], 'get'> };

export interface ForecasterLoopOptions {
  client: KubeClient;
  state: ForecasterClusterView;
  metrics: () => MetricsSource;
  clock: Clock;
  controllerMetrics: ControllerMetrics;
  events: ControllerEvents;
  intervalMs?: number;
  /** Relative change of the upper band's peak that counts as material (default 0.05). */
  materialChange?: number;
  /** Re-publish at least this often even when unchanged, seconds (default 300; the webhook ignores forecasts older than 900 s). */
  refreshSeconds?: number;
}

export interface ForecastTickStats {
  deployments: number;
  patched: number;
  stale: number;
  fedBuckets: number;
  seconds: number;
}

export class ForecasterLoop implements Loop {
  readonly name = 'forecaster';
  readonly leaderOnly = true;
  readonly intervalMs: number;
  private readonly series = new Map<string, SeriesState>();
  private readonly graphs = new Map<string, GraphState>();
  private webhookDefaults?: { data: unknown; rpsPerPod: number | undefined };
  lastStats: ForecastTickStats = { deployments: 0, patched: 0, stale: 0, fedBuckets: 0, seconds: 0 };
  /** The first pass that fed anything (the backfill), for the benchmark. */
  firstPass?: ForecastTickStats;

  constructor(private readonly options: ForecasterLoopOptions) {
    this.intervalMs = options.intervalMs ?? 15_000;
  }

  async reconcile(): Promise<void> {
    const config = this.options.state.config();
    const settings = config.controller;
    const step = settings.forecastStepSeconds;
    const nowSec = Math.floor(this.options.clock.now() / 1000);
    const lastComplete = Math.floor(nowSec / step) * step;
    const deployments = this.options.state.optedInDeployments();
    const seen = new Set<string>();
    const started = performance.now();
    const stats: ForecastTickStats = { deployments: deployments.length, patched: 0, stale: 0, fedBuckets: 0, seconds: 0 };
    const source = this.options.metrics();

    // 1. Feed every Deployment's new buckets (in parallel: the source is I/O).
    await runLimited(deployments, 16, async (d) => {
      const key = keyOf(d);
      seen.add(key);
      const fed = await this.feed(d, key, source, settings, config.cluster.mode, lastComplete, nowSec);
      stats.fedBuckets += fed;
    });
    for (const key of [...this.series.keys()]) if (!seen.has(key)) this.series.delete(key);

    // 2. Learn the service graph per namespace from the same buckets.
    const byNamespace = new Map<string, KubeObject[]>();
    for (const d of deployments) {
      const ns = d.metadata.namespace ?? 'default';
      (byNamespace.get(ns) ?? byNamespace.set(ns, []).get(ns)!).push(d);
    }
    for (const [ns, list] of byNamespace) await this.learnGraph(ns, list, source, step, lastComplete, nowSec);
    for (const ns of [...this.graphs.keys()]) if (!byNamespace.has(ns)) this.graphs.delete(ns);

    // 3. Forecast, propagate, publish.
    const writes: Array<() => Promise<void>> = [];
    let problemEvents = 0;
    for (const [ns, list] of byNamespace) {
      const own: Record<string, ServiceForecast> = {};
      const forecasts = new Map<string, ReturnType<SeriesForecaster['forecast']>>();
      for (const d of list) {
        const s = this.series.get(keyOf(d));
        if (!s || Number.isNaN(s.lastFedSec)) continue;
        const f = s.forecaster.forecast(settings.horizonSteps);
        forecasts.set(d.metadata.name!, f);
        own[d.metadata.name!] = serviceForecast(f, s.recent.length ? s.recent : [0]);
      }
      const graph = this.graphs.get(ns);
      const merged = graph?.hasEdges ? propagateForecasts(own, graph.learner.explanations()) : own;
      for (const d of list) {
        const name = d.metadata.name!;
        const s = this.series.get(keyOf(d));
        const f = forecasts.get(name);
        if (!s) continue;
        if (s.problem && s.problem.key !== s.reportedProblem && problemEvents < PROBLEM_EVENTS_PER_PASS) {
          problemEvents++;
          s.reportedProblem = s.problem.key;
          this.options.events.emit({ object: deploymentRef(d), type: 'Warning', reason: s.problem.reason, message: s.problem.message });
        }
        const current = parseForecastAnnotation(d.metadata.annotations?.[Annotations.forecast]).value;
        let next: ForecastAnnotation | undefined;
        if (s.stale) {
          stats.stale++;
          // Nothing new to say: mark what is there stale, once.
          if (current && !current.stale) next = { ...current, stale: true };
        } else if (f) {
          s.band = { fromSec: s.lastFedSec, upperRps: merged[name].upper.map((u) => u / s.stepSeconds) };
          next = toForecastAnnotation(
            { ...f, point: merged[name].point, upper: merged[name].upper },
            { generatedAt: s.lastFedSec, observedCount: s.recent.at(-1), learnedRpsPerPod: s.learnedRpsPerPod, margin: s.served.margin, surgeFloor: s.surgeFloor },
          );
          this.observeMetrics(ns, name, next);
          if (current && !changedMaterially(current, next, keyOf(d), { threshold: this.options.materialChange ?? DEFAULT_PUBLICATION_RULE.threshold, refreshSeconds: this.options.refreshSeconds ?? DEFAULT_PUBLICATION_RULE.refreshSeconds })) next = undefined;
        }
        if (!next) continue;
        // Never publish what the webhook would ignore: a forecast over its size limit is cut to the
        // steps that fit (settings keep the horizon within FORECAST_MAX_PUBLISHED_STEPS; this is the
        // backstop), and the Deployment is told once.
        const fitted = formatForecastWithinLimit(next);
        if (!fitted) continue;
        if (fitted.steps === next.point.length) s.reportedTruncation = false;
        else if (!s.reportedTruncation && problemEvents < PROBLEM_EVENTS_PER_PASS) {
          problemEvents++;
          s.reportedTruncation = true;
          this.options.events.emit({
            object: deploymentRef(d),
            type: 'Warning',
            reason: 'ForecastTruncated',
            message: `the ${next.point.length}-step forecast does not fit in the ${FORECAST_ANNOTATION_MAX_BYTES} bytes of ${Annotations.forecast} the webhook reads: published its first ${fitted.steps} steps; lower controller.horizon or raise controller.forecastStep`,
          });
        }
        stats.patched++;
        const body = fitted.body;
        const stale = next.stale === true;
        writes.push(() =>
          patchAnnotations(this.options.client, Refs.deployments, name, ns, { [Annotations.forecast]: body }).then(
            () => this.options.controllerMetrics.action(this.name, stale ? 'mark-stale' : 'publish'),
            (error) => {
              this.options.controllerMetrics.apiErrors.add({ where: 'forecaster/patch' });
              throw error;
            },
          ),
        );
        if (next.stale) {
          this.options.events.emit({ object: deploymentRef(d), type: 'Warning', reason: 'ForecastStale', message: `metrics are stale (${s.staleReason ?? 'no new data'}): forecast marked stale, nothing acts on it` });
        }
      }
    }
    // This pass's buckets have been learned from: let them go now, not when each series is next fed
    // (after the backfill they are 12 h of sample objects per Deployment — about 100 MB of heap for
    // 2,000 Deployments, held through the next pass; bench:controller ran out of its 192 MB).
    for (const s of this.series.values()) s.fedThisPass = [];
    // Bounded concurrency: thousands of Deployments must not open thousands of connections.
    let failure: unknown;
    await runLimited(writes, 32, (write) => write().catch((error) => void (failure ??= error)));
    stats.seconds = (performance.now() - started) / 1000;
    this.lastStats = stats;
    if (!this.firstPass && stats.fedBuckets > 0) this.firstPass = stats;
    if (failure) throw failure;
  }

  /** Feeds new buckets; returns how many. */
  private async feed(d: KubeObject, key: string, source: MetricsSource, settings: ControllerSettings, clusterMode: Mode, lastComplete: number, nowSec: number): Promise<number> {
    const step = settings.forecastStepSeconds;
    const ns = d.metadata.namespace ?? 'default';
    const name = d.metadata.name!;
    const userSettings = parseDeploymentSettings(d.metadata.annotations).value;
    let s = this.series.get(key);
    if (!s || s.stepSeconds !== step || s.forecaster.options.horizonSteps < settings.horizonSteps || s.forecaster.options.quantile !== settings.bandQuantile) {
      // The margin and the learned per-pod capacity survive a restart through the annotation they
      // were published in (a new settings' rebuild keeps them): the capacity needs ready replicas
      // over time and cannot be backfilled, and a new leader publishing none until it has learned
      // again (40 observations) would size with the webhook's default meanwhile.
      const published = parseForecastAnnotation(d.metadata.annotations?.[Annotations.forecast]).value;
      s = {
        forecaster: new SeriesForecaster({ stepSeconds: step, horizonSteps: settings.horizonSteps, quantile: settings.bandQuantile }),
        stepSeconds: step,
        lastFedSec: NaN,
        recent: [],
        observations: s?.observations ?? [],
        learnedRpsPerPod: s ? s.learnedRpsPerPod : published?.learnedRpsPerPod || undefined,
        fedThisPass: [],
        stale: false,
        reportedProblem: s?.reportedProblem,
        served: new ServedRecord(s?.served.margin ?? published?.margin),
      };
      this.series.set(key, s);
    }
    s.fedThisPass = [];
    const start = Number.isNaN(s.lastFedSec) ? lastComplete - Math.max(step, settings.backfillSeconds) + step : s.lastFedSec + step;
    if (start > lastComplete) {
      this.observeServed(d, s, userSettings, settings, clusterMode, nowSec);
      return 0;
    }
    const queryProblem = userSettings.rpsQuery === undefined ? undefined : rpsQueryProblem(userSettings.rpsQuery);
    if (queryProblem) {
      // Not sent (it could match anything), and the preset not read instead: no demand, so the
      // forecast published from an earlier query is marked stale (nothing acts on it).
      this.noForecast(s, { reason: 'InvalidAnnotation', key: queryProblem, message: queryProblem });
      return 0;
    }
    // Nothing yet from this source: asked again only once its wait is over (or asked something new).
    const probeKey = `${source.description}\n${userSettings.rpsQuery ?? ''}`;
    if (Number.isNaN(s.lastFedSec) && s.nextProbeSec !== undefined && nowSec < s.nextProbeSec && s.probeKey === probeKey) return 0;
    const workload = { namespace: ns, deployment: name, ...(userSettings.rpsQuery ? { rpsQuery: userSettings.rpsQuery } : {}) };
    const reading = await source.history('demand', workload, { start, end: lastComplete, stepSeconds: step });
    if (Number.isNaN(s.lastFedSec) && reading.samples.length === 0) {
      // Never a bucket to learn from: no forecast can be made (a forecast an earlier leader
      // published is marked stale: this source cannot keep it current).
      this.noForecast(s, noDataProblem(source, reading, userSettings.rpsQuery !== undefined));
      // A source that answered with nothing waits; one that could not answer (an outage) is asked every pass.
      if (reading.freshness !== 'unavailable') {
        s.probeWaitSec = Math.min(NO_DATA_MAX_WAIT_SEC, s.probeWaitSec === undefined || s.probeKey !== probeKey ? NO_DATA_FIRST_WAIT_SEC : s.probeWaitSec * 2);
        s.nextProbeSec = nowSec + s.probeWaitSec;
        s.probeKey = probeKey;
      } else {
        s.nextProbeSec = undefined;
        s.probeWaitSec = undefined;
      }
      return 0;
    }
    s.nextProbeSec = undefined;
    s.probeWaitSec = undefined;
    s.problem = undefined;
    s.reportedProblem = undefined;
    if (reading.freshness === 'unavailable' || (reading.samples.length === 0 && !Number.isNaN(s.lastFedSec))) {
      // Buckets that should exist are missing: stale once they are older than the source tolerates.
      const latest = await source.latest('demand', workload);
      if (latest.freshness !== 'fresh') {
        s.stale = true;
        s.staleReason = latest.reason ?? reading.reason;
      }
      return 0;
    }
    s.stale = false;
    // No forecast of this process's gave these buckets a band (a start, a new leader, new
    // settings: the backfill): the band the model gave each of the last `sustainBuckets` just
    // before it was fed stands in, so a run of buckets above their band already under way goes
    // on where the previous leader's stood (ADR 077, amendment). More would not change the floor.
    const replayed = s.band ? undefined : new Map<number, number>();
    const replayFrom = reading.samples.length - DEFAULT_SURGE.sustainBuckets;
    for (const [i, sample] of reading.samples.entries()) {
      if (sample.t <= s.lastFedSec) continue;
      if (replayed && i >= replayFrom && !Number.isNaN(s.lastFedSec)) replayed.set(sample.t, bandAt(s.forecaster.forecast(settings.horizonSteps).upper, s.lastFedSec, sample.t, step) / step);
      const count = sample.v * step;
      s.forecaster.update(sample.t - step, count);
      s.recent.push(count);
      if (s.recent.length > RECENT) s.recent.shift();
      s.lastFedSec = sample.t;
      s.fedThisPass.push(sample);
    }
    if (userSettings.targetRpsPerPod === undefined && s.fedThisPass.length > 0 && !Number.isNaN(s.lastFedSec)) await this.learnCapacity(d, s, source, workload, userSettings.latencySloMs ?? settings.defaultLatencySloMs, step);
    this.observeServed(d, s, userSettings, settings, clusterMode, nowSec, replayed);
    return s.fedThisPass.length;
  }

  /**
   * The served record and the surge floor from this pass's buckets (ADR 075), then today's ready
   * replicas, which the buckets still to come are compared with.
   */
  private observeServed(d: KubeObject, s: SeriesState, user: DeploymentSettings, settings: ControllerSettings, clusterMode: Mode, nowSec: number, replayed?: ReadonlyMap<number, number>): void {
    const step = s.stepSeconds;
    const fed = s.fedThisPass;
    if (fed.length > 0) {
      const rpsPerPod = user.targetRpsPerPod ?? s.learnedRpsPerPod ?? this.defaultRpsPerPod();
      if (rpsPerPod !== undefined) s.served.observe(fed, rpsPerPod, step, this.feedback(settings));
      const newest = fed.at(-1)!;
      const earlier = fed.length > 1 ? fed.at(-2)!.v : s.recent.length > 1 ? s.recent.at(-2)! / step : newest.v;
      // The band the last forecast gave the bucket ending at t (0 when it gave none: more buckets
      // fed in one pass than it covered), or, with no forecast yet, the one replayed in the backfill.
      const band = s.band;
      const bandFor = (t: number) => (band ? bandAt(band.upperRps, band.fromSec, t, step) : (replayed?.get(t) ?? 0));
      for (const sample of fed) s.aboveBandRun = nextAboveBandRun(s.aboveBandRun ?? 0, sample.v, bandFor(sample.t));
      s.surgeFloor = surgeFloorDemand(newest.v, earlier, bandFor(newest.t), settings.surgeLeadSeconds, { ...DEFAULT_SURGE, windowSeconds: step }, s.aboveBandRun);
    }
    const serving = servingReplicas(d, effectiveMode(clusterMode, user.mode));
    if (serving !== undefined) s.served.recordReady(nowSec, serving);
  }

  /** The Deployment gets no forecast this pass, for `problem` (reported by the publish step). */
  private noForecast(s: SeriesState, problem: ForecastProblem): void {
    s.stale = true;
    s.staleReason = problem.message;
    s.problem = problem;
  }

  private feedback(settings: ControllerSettings): ShortfallFeedbackOptions {
    return { ...DEFAULT_SHORTFALL_FEEDBACK, target: shortfallTargetForQuantile(settings.bandQuantile) };
  }

  /** The webhook's cluster-wide per-pod capacity (`webhook.defaultRpsPerPod`), for Deployments with no other. */
  private defaultRpsPerPod(): number | undefined {
    const { state } = this.options;
    const data = state.configMaps.get(CLUSTER_CONFIG_NAME, state.namespace)?.data;
    // Parsed again only when the informer replaced the ConfigMap: this runs per Deployment per pass.
    if (!this.webhookDefaults || this.webhookDefaults.data !== data) this.webhookDefaults = { data, rpsPerPod: parseWebhookDefaults(data).value.defaultRpsPerPod };
    return this.webhookDefaults.rpsPerPod;
  }

  /**
   * One observation per bucket fed this pass: its demand per ready pod, paired with the latency
   * p95 of the same bucket (not the newest latency, which may belong to another load). Only recent
   * buckets count: the ready count is today's, and older buckets may have run on other replicas.
   */
  private async learnCapacity(d: KubeObject, s: SeriesState, source: MetricsSource, workload: { namespace: string; deployment: string }, sloMs: number, step: number): Promise<void> {
    const ready = Number(d.status?.readyReplicas ?? 0);
    if (!(ready > 0)) return;
    const newest = s.fedThisPass.at(-1)!.t;
    const recent = s.fedThisPass.filter((x) => x.t > newest - CAPACITY_WINDOW_SECONDS);
    const latency = await source.history('latencyP95', workload, { start: recent[0].t, end: newest, stepSeconds: step });
    if (latency.freshness !== 'fresh') return;
    const latencyAt = new Map(latency.samples.map((x) => [x.t, x.v]));
    for (const sample of recent) {
      const latencyMs = latencyAt.get(sample.t);
      if (latencyMs !== undefined) s.observations.push({ rpsPerPod: sample.v / ready, latencyMs });
    }
    if (s.observations.length > MAX_OBSERVATIONS) s.observations.splice(0, s.observations.length - MAX_OBSERVATIONS);
    const estimate = learnRpsPerPod(s.observations, { sloMs });
    if (estimate) s.learnedRpsPerPod = estimate.rpsPerPod;
  }

  /** The service graph learned so far, per namespace with edges (the graph publisher writes it). */
  graphSnapshot(): GraphSnapshot {
    const graphs: GraphSnapshot['graphs'] = [];
    for (const [namespace, g] of this.graphs) {
      if (!g.hasEdges) continue;
      const edges = g.learner.edges();
      if (edges.length > 0) graphs.push({ namespace, edges, explanations: g.learner.explanations() });
    }
    return { stepSeconds: this.options.state.config().controller.forecastStepSeconds, graphs };
  }

  private async learnGraph(ns: string, list: KubeObject[], source: MetricsSource, step: number, lastComplete: number, nowSec: number): Promise<void> {
    let g = this.graphs.get(ns);
    if (!g) {
      g = { learner: new ServiceGraphLearner(), lastEdgeSec: NaN, hasEdges: false, nextProbeSec: 0 };
      this.graphs.set(ns, g);
    }
    if (!g.hasEdges && nowSec < g.nextProbeSec) return;
    const first = Number.isNaN(g.lastEdgeSec);
    const start = first ? lastComplete - GRAPH_BACKFILL_SECONDS + step : g.lastEdgeSec + step;
    if (start > lastComplete) return;
    const range = { start, end: lastComplete, stepSeconds: step };
    const edges = await source.edgeHistory(ns, range);
    if (edges.freshness !== 'fresh') {
      if (!g.hasEdges) g.nextProbeSec = nowSec + 10 * step;
      return;
    }
    g.hasEdges = true;
    // Demand per bucket of every service in the namespace: this pass's samples, or (first time) history.
    const demand = new Map<number, Record<string, number>>();
    for (const d of list) {
      const s = this.series.get(keyOf(d));
      let samples = s?.fedThisPass ?? [];
      if (first) {
        // The Deployment's demand as the forecaster reads it: its own query where it has a usable one.
        const rpsQuery = parseDeploymentSettings(d.metadata.annotations).value.rpsQuery;
        if (rpsQuery !== undefined && rpsQueryProblem(rpsQuery)) continue;
        samples = (await source.history('demand', { namespace: ns, deployment: d.metadata.name!, ...(rpsQuery !== undefined ? { rpsQuery } : {}) }, range)).samples;
      }
      for (const p of samples) (demand.get(p.t) ?? demand.set(p.t, {}).get(p.t)!)[d.metadata.name!] = p.v * step;
    }
    const calls = new Map<number, Record<string, number>>();
    for (const e of edges.edges) for (const p of e.samples) (calls.get(p.t) ?? calls.set(p.t, {}).get(p.t)!)[`${e.client}->${e.server}`] = p.v * step;
    const times = [...demand.keys()].filter((t) => t >= start).sort((a, b) => a - b);
    for (const t of times) g.learner.observe(demand.get(t)!, calls.get(t) ?? {});
    if (times.length > 0) g.lastEdgeSec = times.at(-1)!;
  }

  private observeMetrics(ns: string, name: string, f: ForecastAnnotation): void {
    const m = this.options.controllerMetrics;
    const labels = { namespace: ns, deployment: name };
    if (f.recentRelMae !== undefined) m.forecastRelMae.set(labels, f.recentRelMae);
    m.forecastDemand.set({ ...labels, kind: 'observed' }, f.observed ?? 0);
    m.forecastDemand.set({ ...labels, kind: 'forecast_peak' }, f.upper.reduce((a, b) => Math.max(a, b), 0));
  }
}

/**
 * Why a Deployment the source never gave a bucket gets no forecast, and what to check: on the
 * simulated source (which holds only what the sandbox or the simulator loads) the configuration;
 * on Prometheus, a query that matches nothing or a server that cannot answer.
 */
function noDataProblem(source: MetricsSource, reading: SeriesReading, ownQuery: boolean): ForecastProblem {
  const why = reading.reason ?? (reading.freshness === 'unavailable' ? 'the source could not answer' : 'no data');
  const hint =
    source.description === 'simulated'
      ? 'on a real cluster set metrics.prometheus.url in smartscale-config (and no metrics.source: simulated)'
      : reading.freshness === 'unavailable'
        ? 'it is retried every pass'
        : ownQuery
          ? `check ${Annotations.rpsQuery}`
          : `check metrics.preset in smartscale-config, or set ${Annotations.rpsQuery}`;
  return {
    reason: 'NoForecast',
    key: `${source.description}/${reading.freshness}`,
    message: `no forecast: the metrics source ${source.description} has no demand for this Deployment (${why}); ${hint}`,
  };
}

/**
 * The upper band (per step, any unit) a forecast made after the bucket ending at `fromSec` gave
 * the bucket ending at `t`; 0 beyond its horizon or before its first step.
 */
function bandAt(upper: readonly number[], fromSec: number, t: number, step: number): number {
  const i = Math.round((t - fromSec) / step) - 1;
  return i >= 0 && i < upper.length ? upper[i] : 0;
}

export function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

export function deploymentRef(d: KubeObject) {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name ?? '', namespace: d.metadata.namespace, uid: d.metadata.uid };
}

/**
 * The replicas the served record compares demand with (ADR 075, amended): in optimize mode the
 * Deployment's ready replicas, which smartscale's targets set; in observe mode the webhook's
 * `target-replicas` — what smartscale would have had running — since the ready count there is
 * whatever another autoscaler (or nobody) chose, and learning from its shortfalls would publish a
 * margin that answers for that autoscaler and carry it into optimize mode (it decays over days).
 * Undefined in observe mode until the webhook has written a target: nothing is recorded.
 */
export function servingReplicas(d: KubeObject, mode: Mode): number | undefined {
  if (mode === 'optimize') return Number(d.status?.readyReplicas ?? 0);
  return parseReplicaCount(d.metadata.annotations?.[Annotations.targetReplicas]);
}

/** Runs `work` over items with at most `limit` in flight. */
export async function runLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
