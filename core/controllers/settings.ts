/**
 * The controller's own keys in the `smartscale-config` ConfigMap (`controller.*`), next to `mode`
 * (core/model/cluster-config.ts) and `metrics.*` (core/metrics/config.ts). Pure: never throws,
 * one warning per value ignored.
 *
 * | key | default | meaning |
 * |---|---|---|
 * | `controller.forecastStep` | 1m | bucket of the demand series the models learn on |
 * | `controller.horizon` | 15m | how far ahead forecasts look (whole steps, rounded up; at most 720 steps, 12h of 1m steps) |
 * | `controller.backfill` | 7d | history read when a Deployment is first seen (learning survives restarts) |
 * | `controller.provisionLead` | 0s | also launch the horizon's peak (`peak-replicas`) once it is needed within this; 0 = only the target's lead window (ADR 101) |
 * | `controller.defaultLatencySlo` | 250ms | SLO used to learn per-pod capacity when a Deployment sets none |
 * | `controller.maxLaunchesPerPass` | 20 | node claims created per provisioner pass, at most |
 * | `controller.maxDisruptions` | 1 | nodes drained at the same time, at most |
 * | `controller.bandQuantile` | 0.965 | quantile of the forecast's upper band (ADR 075); also sets the served-record margin's target |
 * | `controller.surgeLead` | 110s | lead a surge's observed rise is extrapolated over (metrics lag + node Ready + pod start) |
 * | `controller.spotToSpotConsolidation` | false | replace a spot node with a cheaper spot node (one at a time, from the 15 cheapest of at least 15 cheaper types; Karpenter's rules) |
 * | `controller.nodeRepair` | true | replace nodes smartscale launched that stay unhealthy (core/disruption/repair.ts) |
 * | `controller.nodeRepairAfter` | 30m | how long a node may be not Ready (Ready False or Unknown) before it is replaced |
 * | `controller.nodeRepairConditions` | the well-known list | other conditions that make a node unhealthy, `Type=Status:toleration` comma-separated (`KernelReady=False:30m,GPUReady=False:10m`); `""`: Ready only |
 *
 * `bandQuantile` and `surgeLead` default to the simulator's smartscale strategy (core/sim/knobs.ts,
 * core/sim/scenario.ts DEFAULT_TIMING: 30 s + 60 s + 20 s), so the simulated numbers carry over.
 */
import { FORECAST_ANNOTATION_MAX_BYTES, FORECAST_MAX_PUBLISHED_STEPS, nearestName, truncate } from '../model/annotations.js';
import { parseClusterConfig, unknownTopLevelKeys, WebhookConfigKeys, type ClusterConfig } from '../model/cluster-config.js';
import { formatDurationMs, parseDurationMs } from '../model/duration.js';
import { MetricsConfigKeys, parseMetricsConfig, type MetricsConfig } from '../metrics/config.js';
import { CONDITION_STATUSES, isConditionStatus, WELL_KNOWN_REPAIR_POLICIES, type RepairPolicy } from '../disruption/repair.js';

export interface ControllerSettings {
  forecastStepSeconds: number;
  horizonSteps: number;
  backfillSeconds: number;
  provisionLeadSeconds: number;
  defaultLatencySloMs: number;
  maxLaunchesPerPass: number;
  maxDisruptions: number;
  /** Quantile of the forecast's upper band the webhook sizes at. */
  bandQuantile: number;
  /** Seconds a surge's observed rise is extrapolated over (core/sizing/surge.ts). */
  surgeLeadSeconds: number;
  /** Replace spot nodes with cheaper spot nodes (core/disruption/planner.ts `spotToSpotReplacement`). */
  spotToSpotConsolidation: boolean;
  /** Replace nodes smartscale launched that stay unhealthy (optimize mode; observe mode reports). */
  nodeRepair: boolean;
  /** Seconds a node may be not Ready before it is replaced. */
  nodeRepairAfterSeconds: number;
  /** The conditions besides Ready that make a node unhealthy, each with its toleration. */
  nodeRepairConditions: readonly RepairPolicy[];
}

/** The `controller.*` keys the ConfigMap may set; any other is reported with the nearest one. */
export const CONTROLLER_CONFIG_KEYS = [
  'controller.forecastStep',
  'controller.horizon',
  'controller.backfill',
  'controller.provisionLead',
  'controller.defaultLatencySlo',
  'controller.maxLaunchesPerPass',
  'controller.maxDisruptions',
  'controller.bandQuantile',
  'controller.surgeLead',
  'controller.spotToSpotConsolidation',
  'controller.nodeRepair',
  'controller.nodeRepairAfter',
  'controller.nodeRepairConditions',
] as const;

export const DEFAULT_SETTINGS: ControllerSettings = {
  forecastStepSeconds: 60,
  horizonSteps: 15,
  backfillSeconds: 7 * 86_400,
  provisionLeadSeconds: 0,
  defaultLatencySloMs: 250,
  maxLaunchesPerPass: 20,
  maxDisruptions: 1,
  bandQuantile: 0.965,
  surgeLeadSeconds: 110,
  spotToSpotConsolidation: false,
  nodeRepair: true,
  nodeRepairAfterSeconds: 1800,
  nodeRepairConditions: WELL_KNOWN_REPAIR_POLICIES,
};

export interface FullConfig {
  cluster: ClusterConfig;
  metrics: MetricsConfig;
  controller: ControllerSettings;
  warnings: string[];
}

export function parseControllerSettings(data: Record<string, string | undefined> | undefined | null): { value: ControllerSettings; warnings: string[] } {
  const d = data ?? {};
  const warnings: string[] = [];
  const seconds = (key: string, fallback: number, min: number, max: number): number => {
    const raw = d[key];
    if (raw === undefined) return fallback;
    let value = NaN;
    let why = '';
    try {
      value = parseDurationMs(String(raw)) / 1000;
    } catch (error) {
      why = ` (${(error as Error).message})`;
    }
    if (!(value >= min && value <= max)) {
      warnings.push(`${key}=${JSON.stringify(truncate(String(raw)))} ignored: expected a duration ${max === Infinity ? `of at least ${formatDurationMs(min * 1000)}` : `from ${formatDurationMs(min * 1000)} to ${formatDurationMs(max * 1000)}`}${why}`);
      return fallback;
    }
    return value;
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = d[key];
    if (raw === undefined) return fallback;
    const value = /^\d{1,6}$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
    if (!(value >= min && value <= max)) {
      warnings.push(`${key}=${JSON.stringify(raw)} ignored: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const quantile = (key: string, fallback: number, min: number, max: number): number => {
    const raw = d[key];
    if (raw === undefined) return fallback;
    const text = String(raw).trim();
    const value = /^\d*\.\d+$|^\d+$/.test(text) ? Number(text) : NaN;
    if (!(value >= min && value <= max)) {
      warnings.push(`${key}=${JSON.stringify(raw)} ignored: expected a number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const boolean = (key: string, fallback: boolean): boolean => {
    const raw = d[key];
    if (raw === undefined) return fallback;
    const text = String(raw).trim();
    if (text === 'true' || text === 'false') return text === 'true';
    warnings.push(`${key}=${JSON.stringify(truncate(String(raw)))} ignored: expected "true" or "false"`);
    return fallback;
  };
  const known: readonly string[] = CONTROLLER_CONFIG_KEYS;
  for (const key of Object.keys(d)) {
    if (!key.startsWith('controller.') || known.includes(key)) continue;
    const best = nearestName(key, known);
    warnings.push(`${JSON.stringify(truncate(key))} is not a controller setting and is ignored (${best ? `did you mean ${best}?` : `known: ${known.join(', ')}`})`);
  }
  const step = seconds('controller.forecastStep', DEFAULT_SETTINGS.forecastStepSeconds, 10, 3600);
  return {
    value: {
      forecastStepSeconds: step,
      horizonSteps: horizonSteps(d['controller.horizon'], step, (key) => seconds(key, step * DEFAULT_SETTINGS.horizonSteps, step, Infinity), warnings),
      backfillSeconds: seconds('controller.backfill', DEFAULT_SETTINGS.backfillSeconds, 0, 35 * 86_400),
      provisionLeadSeconds: seconds('controller.provisionLead', DEFAULT_SETTINGS.provisionLeadSeconds, 0, 86_400),
      defaultLatencySloMs: seconds('controller.defaultLatencySlo', DEFAULT_SETTINGS.defaultLatencySloMs / 1000, 0.001, 3600) * 1000,
      maxLaunchesPerPass: integer('controller.maxLaunchesPerPass', DEFAULT_SETTINGS.maxLaunchesPerPass, 1, 1000),
      maxDisruptions: integer('controller.maxDisruptions', DEFAULT_SETTINGS.maxDisruptions, 0, 100),
      bandQuantile: quantile('controller.bandQuantile', DEFAULT_SETTINGS.bandQuantile, 0.5, 0.999),
      surgeLeadSeconds: seconds('controller.surgeLead', DEFAULT_SETTINGS.surgeLeadSeconds, 0, 3600),
      spotToSpotConsolidation: boolean('controller.spotToSpotConsolidation', DEFAULT_SETTINGS.spotToSpotConsolidation),
      nodeRepair: boolean('controller.nodeRepair', DEFAULT_SETTINGS.nodeRepair),
      nodeRepairAfterSeconds: seconds('controller.nodeRepairAfter', DEFAULT_SETTINGS.nodeRepairAfterSeconds, 60, 86_400),
      nodeRepairConditions: d['controller.nodeRepairConditions'] === undefined ? DEFAULT_SETTINGS.nodeRepairConditions : parseRepairConditions(String(d['controller.nodeRepairConditions']), warnings),
    },
    warnings,
  };
}

/**
 * `controller.horizon` in whole forecast steps. A horizon that is not a whole number of steps is
 * rounded up — the forecast looks at least as far as asked — and said (15m in 7m steps is 3 steps,
 * 21m). One longer than a published forecast can hold (FORECAST_MAX_PUBLISHED_STEPS) is cut to that
 * maximum, and said: the longest forecast the webhook will read beats falling back to the default.
 */
function horizonSteps(raw: string | undefined, step: number, read: (key: string) => number, warnings: string[]): number {
  const key = 'controller.horizon';
  const horizon = read(key);
  const steps = Math.max(1, Math.ceil(horizon / step - 1e-9));
  const stepText = formatDurationMs(step * 1000);
  if (steps > FORECAST_MAX_PUBLISHED_STEPS) {
    const max = formatDurationMs(FORECAST_MAX_PUBLISHED_STEPS * step * 1000);
    warnings.push(
      `${key}=${JSON.stringify(truncate(String(raw)))} is ${steps} steps of ${stepText}, more than the ${FORECAST_MAX_PUBLISHED_STEPS} a forecast annotation holds (${FORECAST_ANNOTATION_MAX_BYTES} bytes): using the maximum, ${max}; raise controller.forecastStep to look further ahead`,
    );
    return FORECAST_MAX_PUBLISHED_STEPS;
  }
  if (raw !== undefined && steps * step !== horizon) {
    warnings.push(`${key}=${JSON.stringify(truncate(String(raw)))} is not a whole number of controller.forecastStep=${stepText} steps: using ${steps} steps (${formatDurationMs(steps * step * 1000)})`);
  }
  return steps;
}

/**
 * A Kubernetes condition type as node problem detectors write them: a CamelCase name
 * (`KernelDeadlock`), optionally behind a DNS subdomain prefix (`example.com/GPUReady`).
 */
const CONDITION_TYPE = /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Z][A-Za-z0-9]*$/;
/** Bounds of a condition's toleration (as `controller.nodeRepairAfter`'s). */
const MIN_TOLERATION_MS = 60_000;
const MAX_TOLERATION_MS = 86_400_000;
/** More entries than any node carries conditions: the rest is ignored (and said). */
const MAX_REPAIR_CONDITIONS = 32;

/**
 * `controller.nodeRepairConditions`: `Type=Status:toleration` entries separated by commas, e.g.
 * `KernelReady=False:30m,GPUReady=False:10m`. Each bad entry is reported and left out, the others
 * are used; empty entries are skipped, so `""` leaves Ready alone (it has `controller.nodeRepairAfter`).
 * A value replaces the default list (repeat the defaults to keep them); one with no valid entry at
 * all keeps the defaults.
 */
function parseRepairConditions(raw: string, warnings: string[]): RepairPolicy[] {
  const key = 'controller.nodeRepairConditions';
  const policies: RepairPolicy[] = [];
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries.slice(0, MAX_REPAIR_CONDITIONS)) {
    const bad = (why: string) => warnings.push(`${key}: entry ${JSON.stringify(truncate(entry))} ignored: ${why}`);
    const m = /^([^=:\s]+)\s*=\s*([^=:\s]+)\s*:\s*([^=:\s]+)$/.exec(entry);
    if (!m) {
      bad('expected Type=Status:toleration, e.g. KernelReady=False:30m');
      continue;
    }
    const [, conditionType, status, duration] = m;
    if (conditionType.length > 316 || !CONDITION_TYPE.test(conditionType)) {
      bad(`${JSON.stringify(truncate(conditionType))} is not a condition type (a CamelCase name such as KernelReady, optionally prefixed: example.com/GPUReady)`);
      continue;
    }
    if (conditionType === 'Ready') {
      bad('Ready is tolerated for controller.nodeRepairAfter');
      continue;
    }
    if (!isConditionStatus(status)) {
      const hint = CONDITION_STATUSES.find((s) => s.toLowerCase() === status.toLowerCase());
      bad(`status ${JSON.stringify(truncate(status))} is not True, False or Unknown${hint ? ` (did you mean ${hint}?)` : ''}`);
      continue;
    }
    let tolerationMs = NaN;
    try {
      tolerationMs = parseDurationMs(duration);
    } catch {
      /* reported below */
    }
    if (!(tolerationMs >= MIN_TOLERATION_MS && tolerationMs <= MAX_TOLERATION_MS)) {
      bad(`toleration ${JSON.stringify(truncate(duration))} is not a duration from 1m to 1d`);
      continue;
    }
    if (policies.some((p) => p.conditionType === conditionType && p.status === status)) {
      bad(`${conditionType}=${status} is listed already (the first one is used)`);
      continue;
    }
    policies.push({ conditionType, status, tolerationMs });
  }
  if (entries.length > MAX_REPAIR_CONDITIONS) {
    warnings.push(`${key}: only the first ${MAX_REPAIR_CONDITIONS} of ${entries.length} entries are used`);
  }
  // A value whose every entry is wrong is a mistake, not a wish for "Ready only" (that is ""): the
  // default list stays, and the warning says so.
  if (entries.length > 0 && policies.length === 0) {
    warnings.push(`${key}: no valid entry; the default list is used (set "" for Ready only)`);
    return [...WELL_KNOWN_REPAIR_POLICIES];
  }
  return policies;
}

/** Everything the ConfigMap says; a missing ConfigMap gives the defaults (observe mode). */
export function parseFullConfig(data: Record<string, string | undefined> | undefined | null): FullConfig {
  const cluster = parseClusterConfig(data);
  const metrics = parseMetricsConfig(data);
  const controller = parseControllerSettings(data);
  // webhook.* keys are the webhook's to report (it reads them); the rest of the ConfigMap is checked here.
  const unknown = unknownTopLevelKeys(data, [...CONTROLLER_CONFIG_KEYS, ...Object.values(MetricsConfigKeys), ...Object.values(WebhookConfigKeys)]);
  return { cluster: cluster.value, metrics: metrics.value, controller: controller.value, warnings: [...cluster.warnings, ...unknown, ...metrics.warnings, ...controller.warnings] };
}
