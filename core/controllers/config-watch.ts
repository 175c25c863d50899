/**
 * The config loop: watches `smartscale-config` (through the ConfigMap informer) and makes a change
 * take effect within one tick — a mode switch triggers the provisioner and the forecaster at once,
 * a metrics change rebuilds the MetricsSource (keeping the old one if the new one cannot be
 * built), and ignored values are reported as a Warning Event on the ConfigMap. Runs on every
 * replica: each one's webhook reads the mode from here (and its `webhook.*` defaults from the same
 * ConfigMap informer, webhook/policy.ts).
 *
 * Also here, for the standalone webhook (which has no ClusterState): `watchClusterConfig`, the one
 * ConfigMap list+watched by name, and `ConfigWarnings`, the Event reporting both share.
 */
import type { KubeClient, KubeObject } from '../kube/client.js';
import type { InvolvedObject } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import { Refs } from '../kube/refs.js';
import { systemClock, type Clock } from '../model/clock.js';
import { createMetricsSource, type MetricsSourceDeps } from '../metrics/factory.js';
import type { MetricsSource } from '../metrics/source.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../model/cluster-config.js';
import type { Mode } from '../model/annotations.js';
import type { ClusterState } from './cluster-state.js';
import type { ControllerEvents } from './events.js';
import type { Loop } from './loop.js';

function configMapRef(namespace: string): InvolvedObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: CLUSTER_CONFIG_NAME, namespace };
}

/** Ignored values of `smartscale-config` as one `InvalidConfig` Warning Event on it, again only when they change. */
export class ConfigWarnings {
  private last = '';

  constructor(
    private readonly events: ControllerEvents,
    private readonly namespace: string,
  ) {}

  /** True when an Event was emitted: the warnings are new (an empty list clears, emitting nothing). */
  report(warnings: readonly string[]): boolean {
    const text = warnings.join('; ');
    const changed = text !== this.last;
    this.last = text;
    if (!changed || !text) return false;
    this.events.emit({ object: configMapRef(this.namespace), type: 'Warning', reason: 'InvalidConfig', message: text });
    return true;
  }
}

/**
 * `smartscale-config` alone, list+watched by name (a field selector, so RBAC can grant just that
 * ConfigMap); restarts and backs off like every informer. The caller starts and stops it.
 */
export function watchClusterConfig(client: KubeClient, options: { clock: Clock; namespace?: string; onError?: (error: unknown) => void }): Informer<KubeObject> {
  return new Informer<KubeObject>(client, Refs.configMaps, {
    clock: options.clock,
    // Silence is measured on the wall clock (as ClusterState does): on a sped-up clock (the demo,
    // the benchmark) every idle watch would look hung and be relisted many times a second.
    watchdogClock: systemClock,
    namespace: options.namespace ?? SMARTSCALE_NAMESPACE,
    fieldSelector: `metadata.name=${CLUSTER_CONFIG_NAME}`,
    onError: options.onError,
  });
}

export interface ConfigWatchOptions {
  state: ClusterState;
  events: ControllerEvents;
  metricsDeps: MetricsSourceDeps;
  /** Called when the effective mode changes (first call with the initial mode). */
  onModeChange: (mode: Mode, previous: Mode | undefined) => void;
  onError?: (error: unknown) => void;
  /** Logs each new set of ignored values or warnings (they also go into the InvalidConfig Event). */
  logger?: { warn(obj: object, msg?: string): void };
  intervalMs?: number;
}

export class ConfigWatchLoop implements Loop {
  readonly name = 'config';
  readonly leaderOnly = false;
  readonly intervalMs: number;
  private mode: Mode | undefined;
  private metricsKey: string | undefined;
  private source: MetricsSource | undefined;
  private readonly warnings: ConfigWarnings;

  constructor(private readonly options: ConfigWatchOptions) {
    this.intervalMs = options.intervalMs ?? 30_000;
    this.warnings = new ConfigWarnings(options.events, options.state.namespace);
  }

  currentMode(): Mode {
    return this.mode ?? this.options.state.config().cluster.mode;
  }

  /** The MetricsSource the config asks for (built on first use). */
  metricsSource(): MetricsSource {
    if (!this.source) this.refreshSource();
    return this.source!;
  }

  private refreshSource(): void {
    const config = this.options.state.config();
    const key = JSON.stringify(config.metrics);
    if (this.source && key === this.metricsKey) return;
    try {
      this.source = createMetricsSource(config.metrics, this.options.metricsDeps);
      this.metricsKey = key;
    } catch (error) {
      this.options.onError?.(error);
      this.source ??= createMetricsSource({ ...config.metrics, source: 'simulated', prometheus: undefined }, this.options.metricsDeps);
    }
  }

  async reconcile(): Promise<void> {
    const config = this.options.state.config();
    this.refreshSource();
    if (this.warnings.report(config.warnings)) {
      this.options.logger?.warn({ configMap: `${this.options.state.namespace}/${CLUSTER_CONFIG_NAME}`, warnings: config.warnings }, 'smartscale-config: values ignored or not used');
    }
    if (config.cluster.mode !== this.mode) {
      const previous = this.mode;
      this.mode = config.cluster.mode;
      if (previous !== undefined) {
        this.options.events.emit({ object: configMapRef(this.options.state.namespace), type: 'Normal', reason: 'ModeChanged', message: `cluster mode ${previous} → ${this.mode}` });
      }
      this.options.onModeChange(this.mode, previous);
    }
  }
}
