/**
 * The config loop: watches `smartscale-config` (through the ConfigMap informer) and makes a change
 * take effect within one tick — a mode switch triggers the provisioner and the forecaster at once,
 * a metrics change rebuilds the MetricsSource (keeping the old one if the new one cannot be
 * built), and ignored values are reported as a Warning Event on the ConfigMap. Runs on every
 * replica: each one's webhook reads the mode from here.
 */
import { createMetricsSource, type MetricsSourceDeps } from '../metrics/factory.js';
import type { MetricsSource } from '../metrics/source.js';
import { CLUSTER_CONFIG_NAME } from '../model/cluster-config.js';
import type { Mode } from '../model/annotations.js';
import type { ClusterState } from './cluster-state.js';
import type { ControllerEvents } from './events.js';
import type { Loop } from './loop.js';

export interface ConfigWatchOptions {
  state: ClusterState;
  events: ControllerEvents;
  metricsDeps: MetricsSourceDeps;
  /** Called when the effective mode changes (first call with the initial mode). */
  onModeChange: (mode: Mode, previous: Mode | undefined) => void;
  onError?: (error: unknown) => void;
  intervalMs?: number;
}

export class ConfigWatchLoop implements Loop {
  readonly name = 'config';
  readonly leaderOnly = false;
  readonly intervalMs: number;
  private mode: Mode | undefined;
  private metricsKey: string | undefined;
  private source: MetricsSource | undefined;
  private lastWarnings = '';

  constructor(private readonly options: ConfigWatchOptions) {
    this.intervalMs = options.intervalMs ?? 30_000;
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
    const warnings = config.warnings.join('; ');
    if (warnings && warnings !== this.lastWarnings) {
      this.options.events.emit({ object: { apiVersion: 'v1', kind: 'ConfigMap', name: CLUSTER_CONFIG_NAME, namespace: this.options.state.namespace }, type: 'Warning', reason: 'InvalidConfig', message: warnings });
    }
    this.lastWarnings = warnings;
    if (config.cluster.mode !== this.mode) {
      const previous = this.mode;
      this.mode = config.cluster.mode;
      if (previous !== undefined) {
        this.options.events.emit({ object: { apiVersion: 'v1', kind: 'ConfigMap', name: CLUSTER_CONFIG_NAME, namespace: this.options.state.namespace }, type: 'Normal', reason: 'ModeChanged', message: `cluster mode ${previous} → ${this.mode}` });
      }
      this.options.onModeChange(this.mode, previous);
    }
  }
}
