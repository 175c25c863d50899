/**
 * The controller, assembled: cluster state (informers), leader election, and the loops on one
 * runner. Every replica runs the config loop (its webhook reads the mode from it); only the
 * leader runs the loops that change the cluster or the cloud. Everything is injected — the
 * KubeClient, the CloudProvider, the clock, the metrics source — so the same assembly runs in a
 * pod, in the sandbox demo and in tests.
 */
import type { CloudProvider } from '../cloud/provider.js';
import { LaunchBackoff, UnavailableOfferings } from '../cloud/unavailable-offerings.js';
import type { KubeClient } from '../kube/client.js';
import type { SimulatedMetricsSource } from '../metrics/simulated.js';
import type { MetricsSource } from '../metrics/source.js';
import type { Mode } from '../model/annotations.js';
import type { Clock } from '../model/clock.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../model/cluster-config.js';
import type { ClusterPolicy } from '../../webhook/admission/handle.js';
import { DEFAULT_CONTEXT } from '../../webhook/mutate/index.js';
import { ConfigMapPolicy } from '../../webhook/policy.js';
import { ClusterState } from './cluster-state.js';
import { ConfigWatchLoop } from './config-watch.js';
import { DisruptionLoop } from './disruption.js';
import { KubeEventRecorder, type ControllerEvents } from './events.js';
import { ForecasterLoop } from './forecaster.js';
import { NodeRepairLoop } from './node-repair.js';
import { CloudDriftLoop } from './cloud-drift.js';
import { NodeClassStatusLoop } from './node-class-status.js';
import { PodEventTimeLoop } from './pod-event-time.js';
import { InterruptionLoop } from './interruption.js';
import type { InterruptionQueue } from '../cloud/interruption.js';
import { GarbageCollectionLoop } from './garbage-collection.js';
import { GraphPublisherLoop } from './graph-publisher.js';
import { LeaderElector } from './leader-election.js';
import { LoopRunner } from './loop.js';
import { ControllerMetrics } from './metrics.js';
import { LaunchRefusalSync } from './launch-refusal-sync.js';
import { NodeClaimLifecycleLoop } from './node-claim-lifecycle.js';
import { ProvisionerLoop } from './provisioner.js';
import type { ControllerLoopName } from './process-config.js';
import { isForbidden, RBAC_HINT } from './readiness.js';

/** Minimal logger (pino fits). */
export interface ControllerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  /** For what retrying will not fix (a 403); warn when absent. */
  error?(obj: object, msg?: string): void;
}

export const SILENT_LOGGER: ControllerLogger = { info: () => {}, warn: () => {} };

export interface ControllerOptions {
  client: KubeClient;
  cloud: CloudProvider;
  clock: Clock;
  /** Unique per replica (the pod name). */
  identity: string;
  namespace?: string;
  /** The source the sandbox's workload writes to, when the config asks for `simulated`. */
  simulatedMetrics?: SimulatedMetricsSource;
  /** A MetricsSource to use whatever the config says (benchmarks, tests). */
  metricsSource?: MetricsSource;
  readFile?: (path: string) => string;
  logger?: ControllerLogger;
  /**
   * Called with the cluster state as soon as it exists, before its caches have filled (which
   * `startController` waits for): a readiness probe can say what it still waits for.
   */
  onState?: (state: ClusterState) => void;
  events?: ControllerEvents;
  leaseName?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  leaseRetryMs?: number;
  /** Loop intervals (clock ms) by loop name. */
  intervals?: Partial<Record<ControllerLoopName, number>>;
  validationMs?: number;
  gcGracePeriodMs?: number;
  registrationTimeoutMs?: number;
  /** How long a deleted NodeClaim's drain may wait before its pods are deleted (default 1 h). */
  terminationGracePeriodMs?: number;
  unavailableTtlMs?: number;
  /**
   * The offerings the cloud could not sell, shared with the CloudProvider when it keeps its own
   * (the EC2 provider's `unavailableOfferings`), so its exclusions show in status and metrics.
   * Default: a new list with `unavailableTtlMs`.
   */
  unavailable?: UnavailableOfferings;
  /** Waits after a launch the cloud refused as invalid: doubling from `initial` to `max` (default 30 s to 10 min). */
  invalidClaimBackoffMs?: { initial: number; max: number };
  informerBackoffMs?: { initial: number; max: number };
  /** Informer staleness watchdog: a watch silent this long is replaced (default 5 min). */
  informerStaleAfterMs?: number;
  /** What the watchdog measures silence on (default the wall clock; tests pass their scaled clock). */
  informerWatchdogClock?: Clock;
  loopBackoffMs?: { initial: number; max: number };
  /**
   * Where the cloud announces interruptions (spot reclaims, scheduled changes, instances stopping):
   * the EC2 interruption SQS queue, the simulated cloud's queue. None: interruptions are not handled
   * (the node simply disappears and its pods are rescheduled afterwards).
   */
  interruptions?: InterruptionQueue;
}

export interface RunningController {
  readonly state: ClusterState;
  readonly runner: LoopRunner;
  readonly elector: LeaderElector;
  readonly metrics: ControllerMetrics;
  readonly unavailable: UnavailableOfferings;
  readonly launchBackoff: LaunchBackoff;
  readonly loops: {
    forecaster: ForecasterLoop;
    provisioner: ProvisionerLoop;
    lifecycle: NodeClaimLifecycleLoop;
    disruption: DisruptionLoop;
    gc: GarbageCollectionLoop;
    config: ConfigWatchLoop;
  };
  isLeader(): boolean;
  mode(): Mode;
  /** The webhook's cluster policy, following the ConfigMap. */
  policy(): ClusterPolicy;
  /** Graceful: stops the loops, waits for running passes, releases the lease. */
  stop(): Promise<void>;
  /** What a crash looks like to others: stops everything without releasing the lease (tests). */
  crash(): Promise<void>;
}

export async function startController(options: ControllerOptions): Promise<RunningController> {
  const { client, cloud, clock } = options;
  const log = options.logger ?? SILENT_LOGGER;
  const metrics = new ControllerMetrics();
  const namespace = options.namespace ?? SMARTSCALE_NAMESPACE;
  const onApiError = (where: string, error: unknown) => {
    metrics.apiErrors.add({ where });
    // A 403 does not pass by retrying: say which permission is missing, loudly.
    if (isForbidden(error)) (log.error ?? log.warn).call(log, { where, err: (error as Error).message, hint: RBAC_HINT }, 'forbidden by RBAC; retrying');
    else log.warn({ where, err: (error as Error)?.message ?? String(error) }, 'recovering from an error');
  };
  const events = options.events ?? new KubeEventRecorder(client, clock, (e) => onApiError('events', e));
  const state = new ClusterState({
    client,
    clock,
    namespace,
    onError: onApiError,
    initialBackoffMs: options.informerBackoffMs?.initial,
    maxBackoffMs: options.informerBackoffMs?.max,
    staleAfterMs: options.informerStaleAfterMs,
    watchdogClock: options.informerWatchdogClock,
  });
  metrics.collectOnRender(() => metrics.informers(state.informerHealth()));
  options.onState?.(state);
  const unavailable = options.unavailable ?? new UnavailableOfferings(clock, { ttlMs: options.unavailableTtlMs });
  metrics.collectOnRender(() => {
    const current = unavailable.list();
    metrics.unavailableOfferings.retain(() => false);
    for (const e of current) metrics.unavailableOfferings.set({ instance_type: e.ref.instanceType, zone: e.ref.zone, capacity_type: e.ref.capacityType, reason: e.reason }, 1);
  });
  const launchBackoff = new LaunchBackoff(clock, { initialMs: options.invalidClaimBackoffMs?.initial, maxMs: options.invalidClaimBackoffMs?.max });
  // One queue of status reads and writes per NodePool for both loops that write the refusals (ADR 095).
  const launchRefusals = new LaunchRefusalSync(launchBackoff, client);
  let runner!: LoopRunner;
  const elector = new LeaderElector({
    client,
    clock,
    namespace,
    name: options.leaseName ?? 'smartscale-controller',
    identity: options.identity,
    leaseDurationSeconds: options.leaseDurationSeconds,
    renewDeadlineMs: options.renewDeadlineMs,
    retryMs: options.leaseRetryMs,
    onStartedLeading: () => {
      metrics.leader.set({ identity: options.identity }, 1);
      log.info({ identity: options.identity }, 'became the leader');
      runner?.trigger();
    },
    onStoppedLeading: () => {
      metrics.leader.set({ identity: options.identity }, 0);
      log.info({ identity: options.identity }, 'stopped leading');
      // Another leader may undo or redo our drains meanwhile: a later term starts from the cluster.
      runner?.leadershipLost();
    },
    onError: (e) => onApiError('leader-election', e),
  });
  const interval = options.intervals ?? {};
  const config = new ConfigWatchLoop({
    state,
    events,
    metricsDeps: { clock, readFile: options.readFile ?? (() => { throw new Error('no file access'); }), simulated: options.simulatedMetrics },
    onModeChange: (mode, previous) => {
      log.info({ mode, previous }, 'cluster mode');
      runner?.trigger('provisioner', 'forecaster');
    },
    onError: (e) => onApiError('config', e),
    logger: log,
    intervalMs: interval.config,
  });
  const common = { client, state, clock, controllerMetrics: metrics, events };
  const forecaster = new ForecasterLoop({ ...common, metrics: () => options.metricsSource ?? config.metricsSource(), intervalMs: interval.forecaster });
  const loops = {
    config,
    forecaster,
    graph: new GraphPublisherLoop({ client, clock, namespace, snapshot: () => forecaster.graphSnapshot(), intervalMs: interval['graph-publisher'], logger: log }),
    provisioner: new ProvisionerLoop({ ...common, cloud, unavailable, launchBackoff, launchRefusals, intervalMs: interval.provisioner, logger: log }),
    lifecycle: new NodeClaimLifecycleLoop({ ...common, cloud, unavailable, launchBackoff, launchRefusals, intervalMs: interval['node-claim-lifecycle'], registrationTimeoutMs: options.registrationTimeoutMs, terminationGracePeriodMs: options.terminationGracePeriodMs }),
    disruption: new DisruptionLoop({ ...common, cloud, unavailable, intervalMs: interval.disruption, validationMs: options.validationMs }),
    repair: new NodeRepairLoop({ ...common, intervalMs: interval['node-repair'] }),
    cloudDrift: new CloudDriftLoop({ ...common, cloud, intervalMs: interval['cloud-drift'] }),
    ...(options.interruptions ? { interruption: new InterruptionLoop({ ...common, unavailable, cloud, queue: options.interruptions, isLeader: () => elector.isLeader(), intervalMs: interval.interruption }) } : {}),
    podEventTime: new PodEventTimeLoop({ ...common, intervalMs: interval['pod-event-time'] }),
    nodeClassStatus: new NodeClassStatusLoop({ client, clock, events, controllerMetrics: metrics, cloud, intervalMs: interval['node-class-status'] }),
    gc: new GarbageCollectionLoop({ ...common, cloud, intervalMs: interval['garbage-collection'], gracePeriodMs: options.gcGracePeriodMs }),
  };
  runner = new LoopRunner({
    clock,
    metrics,
    isLeader: () => elector.isLeader() && state.synced(),
    onError: (loop, e) => onApiError(`loop/${loop}`, e),
    initialBackoffMs: options.loopBackoffMs?.initial,
    maxBackoffMs: options.loopBackoffMs?.max,
  });
  for (const loop of Object.values(loops)) runner.add(loop);
  const unsubscribe = state.subscribe((kind) => {
    if (kind === 'config') runner.trigger('config');
    else if (kind === 'pending-pod') runner.trigger('provisioner');
    else if (kind === 'nodeclaim' || kind === 'node') runner.trigger('node-claim-lifecycle');
  });
  // Decide nothing before the caches hold the cluster (a half-filled cache looks like missing nodes).
  await state.start();
  elector.start();
  runner.start();
  const shutdown = async (release: boolean) => {
    unsubscribe();
    await runner.stop();
    if (release) await elector.stop();
    else await elector.abandon();
    state.stop();
  };
  // The built-in defaults under smartscale-config's `webhook.*` keys, and this controller's mode.
  const webhookPolicy = new ConfigMapPolicy({ fallback: DEFAULT_CONTEXT, data: () => state.configMaps.get(CLUSTER_CONFIG_NAME, namespace)?.data, mode: () => config.currentMode() });
  return {
    state,
    runner,
    elector,
    metrics,
    unavailable,
    launchBackoff,
    loops,
    isLeader: () => elector.isLeader(),
    mode: () => config.currentMode(),
    policy: () => webhookPolicy.current(),
    stop: () => shutdown(true),
    crash: () => shutdown(false),
  };
}
