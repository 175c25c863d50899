/**
 * The cluster-wide settings: ConfigMap `smartscale-config` in `smartscale-system`.
 *
 * Keys (all strings, as ConfigMap data is):
 * - `mode`: `observe` (the default: forecast, annotate, report) or `optimize` (act). A Deployment's
 *   own `smartscale.io/mode` annotation overrides it.
 * - `webhook.*`: the defaults the webhook applies to Deployments that set none (`parseWebhookDefaults`).
 *   An absent key leaves the webhook's own default (its environment, then the built-in value).
 *
 * Only known keys are validated; a key that is not one of them is reported with the nearest known
 * one (a typo would otherwise do nothing): `webhook.*` ones here, `controller.*` and `metrics.*` ones
 * by their parsers, any other but `mode` by `unknownTopLevelKeys`.
 * Pure: parsing never throws, it returns what it could read and one warning per value it ignored.
 */
import { isMode, MIN_UTILIZATION, nearestName, REPLICA_CEILING, truncate, type Mode, type Parsed } from './annotations.js';
import { parseDurationMs } from './duration.js';

export const CLUSTER_CONFIG_NAME = 'smartscale-config';
export const SMARTSCALE_NAMESPACE = 'smartscale-system';

export const ClusterConfigKeys = {
  mode: 'mode',
} as const;

export const DEFAULT_CLUSTER_MODE: Mode = 'observe';

export interface ClusterConfig {
  mode: Mode;
  /** True when `mode` was read from the ConfigMap (false: the default applies). */
  modeSet: boolean;
}

/** `fallbackMode`: the mode when the key is absent or ignored (the standalone webhook passes its environment's). */
export function parseClusterConfig(data: Record<string, unknown> | undefined | null, fallbackMode: Mode = DEFAULT_CLUSTER_MODE): Parsed<ClusterConfig> {
  const warnings: string[] = [];
  const raw = data?.[ClusterConfigKeys.mode];
  if (raw === undefined) return { value: { mode: fallbackMode, modeSet: false }, warnings };
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (isMode(text)) return { value: { mode: text, modeSet: true }, warnings };
  warnings.push(`${CLUSTER_CONFIG_NAME}: ${ClusterConfigKeys.mode}=${JSON.stringify(truncate(String(raw)))} ignored: expected "observe" or "optimize"; using ${fallbackMode}`);
  return { value: { mode: fallbackMode, modeSet: false }, warnings };
}

/** Key prefixes whose keys their own parsers check: `controller.*`, `metrics.*`, `webhook.*`. */
export const CONFIG_KEY_SECTIONS = ['controller.', 'metrics.', 'webhook.'] as const;

/**
 * One warning per key of the ConfigMap that is neither `mode` nor in a section (`mdoe`,
 * `controler.horizon`): a typo there would otherwise do nothing, silently. `knownKeys` (every key
 * any section reads) gives the "did you mean"; keys inside a section are left to its parser.
 */
export function unknownTopLevelKeys(data: Record<string, unknown> | undefined | null, knownKeys: readonly string[]): string[] {
  const warnings: string[] = [];
  const candidates = [ClusterConfigKeys.mode, ...knownKeys];
  for (const key of Object.keys(data ?? {})) {
    if (key === ClusterConfigKeys.mode || CONFIG_KEY_SECTIONS.some((section) => key.startsWith(section))) continue;
    const best = nearestName(key, candidates);
    warnings.push(`${CLUSTER_CONFIG_NAME}: ${JSON.stringify(truncate(key))} is not a smartscale setting and is ignored (${best ? `did you mean ${best}?` : `keys are mode, ${CONFIG_KEY_SECTIONS.map((s) => `${s}*`).join(', ')}`})`);
  }
  return warnings;
}

/** The effective mode of a Deployment: its own annotation, else the cluster's. */
export function effectiveMode(cluster: Mode, deploymentMode: Mode | undefined): Mode {
  return deploymentMode ?? cluster;
}

export const WebhookConfigKeys = {
  defaultMinReplicas: 'webhook.defaultMinReplicas',
  defaultMaxReplicas: 'webhook.defaultMaxReplicas',
  defaultRpsPerPod: 'webhook.defaultRpsPerPod',
  scaleDownFraction: 'webhook.scaleDownFraction',
  leadSteps: 'webhook.leadSteps',
  leadSeconds: 'webhook.leadSeconds',
  maxForecastAge: 'webhook.maxForecastAge',
  utilization: 'webhook.utilization',
} as const;

/**
 * The webhook defaults the ConfigMap sets. A key that is absent, or ignored with a warning, is left
 * out: whoever applies these keeps its own value for it.
 */
export interface WebhookDefaults {
  defaultMinReplicas?: number;
  defaultMaxReplicas?: number;
  /** Requests/second one pod serves, when neither the user nor the forecaster gives one. */
  defaultRpsPerPod?: number;
  /** Most of the current replicas one decision may remove, 0..1. */
  scaleDownFraction?: number;
  leadSteps?: number;
  /** Seconds of lead the target covers after a forecast (0 = whole steps, `leadSteps`). */
  leadSeconds?: number;
  maxForecastAgeSec?: number;
  /** Share of per-pod capacity pods are sized to use at the forecast's band, when the Deployment sets none. */
  utilization?: number;
}

/**
 * | key | accepts |
 * |---|---|
 * | `webhook.defaultMinReplicas` | whole number 0..10,000 |
 * | `webhook.defaultMaxReplicas` | whole number 1..10,000 (not below the minimum) |
 * | `webhook.defaultRpsPerPod` | number 0.001..1e9 |
 * | `webhook.scaleDownFraction` | number 0..1 |
 * | `webhook.leadSteps` | whole number 1..1440 |
 * | `webhook.leadSeconds` | duration 0s..1h in whole seconds (default 110s, ADR 076; 0 = whole steps) |
 * | `webhook.maxForecastAge` | duration 1s..1d (`15m`) |
 * | `webhook.utilization` | number 0.1..1 (default 0.88, ADR 075) |
 *
 * Pure: never throws, one warning per value ignored. Both bounds set with the minimum above the
 * maximum: both ignored (one warning), since neither alone says which one was meant.
 */
export function parseWebhookDefaults(data: Record<string, unknown> | undefined | null): Parsed<WebhookDefaults> {
  const d = data ?? {};
  const warnings: string[] = [];
  const read = (key: string, expected: string, parse: (text: string) => number | undefined): number | undefined => {
    const raw = d[key];
    if (raw === undefined) return undefined;
    const value = typeof raw === 'string' ? parse(raw.trim()) : undefined;
    if (value === undefined) warnings.push(`${CLUSTER_CONFIG_NAME}: ${key}=${JSON.stringify(truncate(String(raw)))} ignored: expected ${expected}`);
    return value;
  };
  const whole = (min: number, max: number) => (text: string) => (/^\d{1,9}$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined);
  const decimal = (min: number, max: number) => (text: string) => (/^\d+(\.\d+)?$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined);
  const seconds = (min: number, max: number) => (text: string) => {
    let value = NaN;
    try {
      value = parseDurationMs(text) / 1000;
    } catch {
      /* reported by read */
    }
    return Number.isInteger(value) && value >= min && value <= max ? value : undefined;
  };
  const K = WebhookConfigKeys;
  const value: WebhookDefaults = {
    defaultMinReplicas: read(K.defaultMinReplicas, `a whole number from 0 to ${REPLICA_CEILING}`, whole(0, REPLICA_CEILING)),
    defaultMaxReplicas: read(K.defaultMaxReplicas, `a whole number from 1 to ${REPLICA_CEILING}`, whole(1, REPLICA_CEILING)),
    defaultRpsPerPod: read(K.defaultRpsPerPod, 'a number from 0.001 to 1e9', decimal(0.001, 1e9)),
    scaleDownFraction: read(K.scaleDownFraction, 'a number from 0 to 1', decimal(0, 1)),
    leadSteps: read(K.leadSteps, 'a whole number from 1 to 1440', whole(1, 1440)),
    leadSeconds: read(K.leadSeconds, 'a duration from 0s to 1h in whole seconds, e.g. 110s', seconds(0, 3600)),
    maxForecastAgeSec: read(K.maxForecastAge, 'a duration from 1s to 1d in whole seconds, e.g. 15m', seconds(1, 86_400)),
    utilization: read(K.utilization, `a number from ${MIN_UTILIZATION} to 1, e.g. 0.88`, decimal(MIN_UTILIZATION, 1)),
  };
  if (value.defaultMinReplicas !== undefined && value.defaultMaxReplicas !== undefined && value.defaultMinReplicas > value.defaultMaxReplicas) {
    warnings.push(`${CLUSTER_CONFIG_NAME}: ${K.defaultMinReplicas}=${value.defaultMinReplicas} is above ${K.defaultMaxReplicas}=${value.defaultMaxReplicas}; both ignored`);
    value.defaultMinReplicas = undefined;
    value.defaultMaxReplicas = undefined;
  }
  const known: string[] = Object.values(K);
  for (const key of Object.keys(d)) {
    if (!key.startsWith('webhook.') || known.includes(key)) continue;
    const best = nearestName(key, known);
    warnings.push(`${CLUSTER_CONFIG_NAME}: ${JSON.stringify(truncate(key))} is not a webhook setting and is ignored (${best ? `did you mean ${best}?` : `known: ${known.join(', ')}`})`);
  }
  for (const key of Object.keys(value) as (keyof WebhookDefaults)[]) if (value[key] === undefined) delete value[key];
  return { value, warnings };
}
