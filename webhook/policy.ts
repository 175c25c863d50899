/**
 * The webhook's cluster policy from the ConfigMap `smartscale-config`, watched: its `mode` and
 * `webhook.*` keys (core/model/cluster-config.ts) over the policy the process started with (its
 * environment, webhook/config.ts, whose own defaults are the built-in ones). A key that is absent
 * or invalid leaves that fallback in force; an invalid one is reported once, never thrown.
 *
 * Inside the controller process the mode is the controller's (`mode` option), so its loops and its
 * webhook never disagree about it.
 */
import type { KubeObject } from '../core/kube/client.js';
import type { InformerHandlers } from '../core/kube/informer.js';
import type { Mode, Parsed } from '../core/model/annotations.js';
import { CLUSTER_CONFIG_NAME, parseClusterConfig, parseWebhookDefaults, WebhookConfigKeys } from '../core/model/cluster-config.js';
import type { ClusterPolicy } from './admission/handle.js';

type ConfigData = Record<string, unknown> | undefined | null;

/**
 * Pure: the policy for the ConfigMap's `data` (undefined: no ConfigMap) over `fallback`, which must
 * itself be valid (min ≤ max). `mode`, when given, replaces the ConfigMap's `mode`, which is then not read.
 */
export function resolvePolicy(data: ConfigData, fallback: ClusterPolicy, mode?: Mode): Parsed<ClusterPolicy> {
  const warnings: string[] = [];
  let clusterMode = mode;
  if (clusterMode === undefined) {
    const cluster = parseClusterConfig(data, fallback.clusterMode);
    warnings.push(...cluster.warnings);
    clusterMode = cluster.value.mode;
  }
  const defaults = parseWebhookDefaults(data);
  warnings.push(...defaults.warnings);
  const set = defaults.value;
  let defaultMinReplicas = set.defaultMinReplicas ?? fallback.defaultMinReplicas;
  let defaultMaxReplicas = set.defaultMaxReplicas ?? fallback.defaultMaxReplicas;
  if (defaultMinReplicas > defaultMaxReplicas) {
    // One bound from the ConfigMap, the other from the fallback, crossed: neither side is "the" mistake.
    warnings.push(
      `${CLUSTER_CONFIG_NAME}: default replica bounds ${defaultMinReplicas}..${defaultMaxReplicas} are crossed; ` +
        `${WebhookConfigKeys.defaultMinReplicas}/${WebhookConfigKeys.defaultMaxReplicas} ignored, using ${fallback.defaultMinReplicas}..${fallback.defaultMaxReplicas}`,
    );
    defaultMinReplicas = fallback.defaultMinReplicas;
    defaultMaxReplicas = fallback.defaultMaxReplicas;
  }
  return {
    value: {
      clusterMode,
      defaultMinReplicas,
      defaultMaxReplicas,
      defaultRpsPerPod: set.defaultRpsPerPod ?? fallback.defaultRpsPerPod,
      scaleDownFraction: set.scaleDownFraction ?? fallback.scaleDownFraction,
      leadSteps: set.leadSteps ?? fallback.leadSteps,
      leadSeconds: set.leadSeconds ?? fallback.leadSeconds,
      maxForecastAgeSec: set.maxForecastAgeSec ?? fallback.maxForecastAgeSec,
      utilization: set.utilization ?? fallback.utilization,
    },
    warnings,
  };
}

export interface ConfigMapPolicyOptions {
  /** The policy where the ConfigMap says nothing (or nothing valid). */
  fallback: ClusterPolicy;
  /** The ConfigMap's data as last seen (an informer's cache: no API call); undefined when there is none. */
  data: () => ConfigData;
  /** The mode to use instead of the ConfigMap's (the controller's, in its own process). */
  mode?: () => Mode;
  /** Called with the warnings each time the policy is worked out anew (the list may be empty). */
  onResolved?: (warnings: string[]) => void;
}

/**
 * The current policy, worked out again only when the ConfigMap's data (by identity: an informer
 * replaces the object on every change) or the mode changes, so an admission pays a comparison.
 */
export class ConfigMapPolicy {
  private cached: ClusterPolicy | undefined;
  private lastData: ConfigData;
  private lastMode: Mode | undefined;

  constructor(private readonly options: ConfigMapPolicyOptions) {}

  current(): ClusterPolicy {
    const data = this.options.data();
    const mode = this.options.mode?.();
    if (this.cached && data === this.lastData && mode === this.lastMode) return this.cached;
    const resolved = resolvePolicy(data, this.options.fallback, mode);
    this.cached = resolved.value;
    this.lastData = data;
    this.lastMode = mode;
    this.options.onResolved?.(resolved.warnings);
    return resolved.value;
  }
}

export interface PolicyWarningSink {
  /** As ConfigWarnings (core/controllers/config-watch.ts): true when these warnings are new. */
  report(warnings: readonly string[]): boolean;
}

/** What watchPolicy uses of an Informer of ConfigMaps. */
export interface ConfigMapCache {
  get(name: string, namespace?: string): KubeObject | undefined;
  on(handlers: InformerHandlers<KubeObject>): unknown;
}

export interface WatchPolicyOptions {
  /** A ConfigMap informer that holds `smartscale-config` (watchClusterConfig, or the controller's). */
  configMaps: ConfigMapCache;
  namespace: string;
  fallback: ClusterPolicy;
  mode?: () => Mode;
  /** Where new warnings go (an `InvalidConfig` Event on the ConfigMap). */
  warnings: PolicyWarningSink;
  logger: { warn(fields: object, message: string): void; info(fields: object, message: string): void };
}

/**
 * A ConfigMapPolicy fed by an informer: worked out again on every change of the ConfigMap, so a
 * bad value is reported (Event and log) even while no Deployment is admitted, and the next
 * admission sees the new policy.
 */
export function watchPolicy(options: WatchPolicyOptions): ConfigMapPolicy {
  const { configMaps, namespace, logger } = options;
  const policy = new ConfigMapPolicy({
    fallback: options.fallback,
    mode: options.mode,
    data: () => configMaps.get(CLUSTER_CONFIG_NAME, namespace)?.data,
    onResolved: (warnings) => {
      if (options.warnings.report(warnings)) logger.warn({ configMap: `${namespace}/${CLUSTER_CONFIG_NAME}`, warnings }, 'ignored invalid webhook settings');
    },
  });
  const changed = (object: KubeObject) => {
    if (object.metadata.name !== CLUSTER_CONFIG_NAME) return;
    const { clusterMode, ...defaults } = policy.current();
    logger.info({ mode: clusterMode, ...defaults }, 'webhook policy');
  };
  configMaps.on({ add: changed, update: changed, delete: changed });
  return policy;
}
