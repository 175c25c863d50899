/**
 * The annotation contract on a Deployment (DESIGN.md, "Annotations on a Deployment").
 *
 * Users write the opt-in and the bounds; the forecaster writes `forecast`; the webhook derives
 * `target-replicas`, `peak-replicas` and `capacity` from them. Everything here is pure: parsing
 * never throws on user input, it returns the value it could read and the reasons it could not.
 */

export const ANNOTATION_PREFIX = 'smartscale.io/';

export const Annotations = {
  enabled: 'smartscale.io/enabled',
  mode: 'smartscale.io/mode',
  minReplicas: 'smartscale.io/min-replicas',
  maxReplicas: 'smartscale.io/max-replicas',
  targetRpsPerPod: 'smartscale.io/target-rps-per-pod',
  latencySloMs: 'smartscale.io/latency-slo-ms',
  rpsQuery: 'smartscale.io/rps-query',
  /** Optional: the share of per-pod capacity pods are sized to use at the forecast's band (0 < u ≤ 1). */
  targetUtilization: 'smartscale.io/target-utilization',
  forecast: 'smartscale.io/forecast',
  targetReplicas: 'smartscale.io/target-replicas',
  peakReplicas: 'smartscale.io/peak-replicas',
  capacity: 'smartscale.io/capacity',
  /** The webhook's last decision (webhook/mutate/decision-record.ts). */
  decision: 'smartscale.io/decision',
  /** `hpa` while a HorizontalPodAutoscaler owns `spec.replicas`. */
  replicasOwner: 'smartscale.io/replicas-owner',
  doNotDisrupt: 'smartscale.io/do-not-disrupt',
} as const;

/** The annotations a user sets on a Deployment (the rest smartscale writes). */
export const USER_ANNOTATIONS: readonly string[] = [
  Annotations.enabled,
  Annotations.mode,
  Annotations.minReplicas,
  Annotations.maxReplicas,
  Annotations.targetRpsPerPod,
  Annotations.latencySloMs,
  Annotations.rpsQuery,
  Annotations.targetUtilization,
];

const KNOWN_ANNOTATIONS: ReadonlySet<string> = new Set(Object.values(Annotations));

/** Edit distance, bounded: only the few keys with our prefix are compared, and only when unknown. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/**
 * A warning for a `smartscale.io/` key smartscale does not know — most likely a typo that would
 * otherwise be silently ignored — naming the nearest user setting. The suggestion names it without
 * the prefix, so callers that match warnings by key only match the key actually written.
 */
function unknownKeyWarning(key: string): string {
  const names = USER_ANNOTATIONS.map((k) => k.slice(ANNOTATION_PREFIX.length));
  const best = nearestName(key.slice(ANNOTATION_PREFIX.length), names);
  const hint = best ? `did you mean ${best}?` : `known: ${names.join(', ')}`;
  return `${JSON.stringify(truncate(key))} is not a smartscale annotation and is ignored (${hint})`;
}

/**
 * The candidate a misspelt `name` most likely meant, if one is close: a few edits away (a third of
 * its length at most), or a shortened or lengthened form (`target-rps`, `modes`).
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  if (name.length === 0 || name.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    // A prefix either way counts as one edit; among several, the closest in length wins
    // (`controller.nodeRepairAfterSeconds` → `controller.nodeRepairAfter`, not `controller.nodeRepair`).
    const d = candidate.startsWith(name) || name.startsWith(candidate) ? 1 + Math.abs(candidate.length - name.length) / 1000 : editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Karpenter's spelling of do-not-disrupt, honoured too so existing manifests keep working. */
export const KARPENTER_DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';

export type Mode = 'observe' | 'optimize';

export function isMode(value: unknown): value is Mode {
  return value === 'observe' || value === 'optimize';
}

/** Upper limit on any replica count smartscale will ever write, whatever the annotations say. */
export const REPLICA_CEILING = 10_000;

export interface DeploymentSettings {
  enabled: boolean;
  /** The Deployment's own mode, when it overrides the cluster's. */
  mode?: Mode;
  minReplicas?: number;
  maxReplicas?: number;
  targetRpsPerPod?: number;
  latencySloMs?: number;
  rpsQuery?: string;
  targetUtilization?: number;
}

export interface Parsed<T> {
  value: T;
  /** One human-readable sentence per annotation that was ignored, naming it and why. */
  warnings: string[];
}

type AnnotationMap = Record<string, string | undefined> | undefined | null;

/**
 * A replica count as written in an annotation (`target-replicas`, `peak-replicas`, `min-replicas`,
 * `max-replicas`): up to nine decimal digits, surrounding blanks allowed. Anything else — empty, signed, "1e3", "0x10", fractions — is
 * not one (`Number()` would read "" as 0 and "1e3" as 1000).
 */
export function parseReplicaCount(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

function readInteger(
  annotations: Record<string, string | undefined>,
  key: string,
  min: number,
  max: number,
  warnings: string[],
): number | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const value = parseReplicaCount(raw);
  if (value === undefined) {
    warnings.push(`${key}=${JSON.stringify(truncate(String(raw)))} ignored: expected a whole number from ${min} to ${max}`);
    return undefined;
  }
  if (value < min || value > max) {
    warnings.push(`${key}=${JSON.stringify(truncate(String(raw)))} ignored: expected a whole number from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

function readPositiveNumber(
  annotations: Record<string, string | undefined>,
  key: string,
  max: number,
  warnings: string[],
): number | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    warnings.push(`${key}=${JSON.stringify(truncate(String(raw)))} ignored: expected a positive number up to ${max}`);
    return undefined;
  }
  return value;
}

/** Lowest utilization accepted: below it a typo (5 for 0.05?) would multiply the replicas 20-fold. */
export const MIN_UTILIZATION = 0.1;

function readUtilization(annotations: Record<string, string | undefined>, warnings: string[]): number | undefined {
  const key = Annotations.targetUtilization;
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value >= MIN_UTILIZATION && value <= 1)) {
    warnings.push(`${key}=${JSON.stringify(truncate(String(raw)))} ignored: expected a number from ${MIN_UTILIZATION} to 1 (the share of per-pod capacity to use, e.g. 0.88)`);
    return undefined;
  }
  return value;
}

export function truncate(text: string, length = 64): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/** Reads the user-written annotations of a Deployment. Never throws. */
export function parseDeploymentSettings(input: AnnotationMap): Parsed<DeploymentSettings> {
  const annotations = input ?? {};
  const warnings: string[] = [];
  const enabledRaw = annotations[Annotations.enabled];
  const settings: DeploymentSettings = { enabled: enabledRaw === 'true' };
  if (enabledRaw !== undefined && enabledRaw !== 'true' && enabledRaw !== 'false') {
    warnings.push(`${Annotations.enabled}=${JSON.stringify(truncate(String(enabledRaw)))} ignored: expected "true" or "false"`);
  }
  const modeRaw = annotations[Annotations.mode];
  if (modeRaw !== undefined) {
    if (isMode(modeRaw)) settings.mode = modeRaw;
    else warnings.push(`${Annotations.mode}=${JSON.stringify(truncate(String(modeRaw)))} ignored: expected "observe" or "optimize"`);
  }
  const minReplicas = readInteger(annotations, Annotations.minReplicas, 0, REPLICA_CEILING, warnings);
  const maxReplicas = readInteger(annotations, Annotations.maxReplicas, 1, REPLICA_CEILING, warnings);
  if (minReplicas !== undefined && maxReplicas !== undefined && minReplicas > maxReplicas) {
    warnings.push(`${Annotations.minReplicas}=${minReplicas} is above ${Annotations.maxReplicas}=${maxReplicas}: both ignored`);
  } else {
    if (minReplicas !== undefined) settings.minReplicas = minReplicas;
    if (maxReplicas !== undefined) settings.maxReplicas = maxReplicas;
  }
  // Only the keys that have a value (no `delete` afterwards: it turns the object into a slow
  // dictionary, and this runs on every admission).
  const targetRpsPerPod = readPositiveNumber(annotations, Annotations.targetRpsPerPod, 1e9, warnings);
  if (targetRpsPerPod !== undefined) settings.targetRpsPerPod = targetRpsPerPod;
  const latencySloMs = readPositiveNumber(annotations, Annotations.latencySloMs, 3_600_000, warnings);
  if (latencySloMs !== undefined) settings.latencySloMs = latencySloMs;
  const targetUtilization = readUtilization(annotations, warnings);
  if (targetUtilization !== undefined) settings.targetUtilization = targetUtilization;
  const query = annotations[Annotations.rpsQuery];
  if (query !== undefined) {
    if (typeof query === 'string' && query.trim().length > 0 && query.length <= 4096) settings.rpsQuery = query;
    else warnings.push(`${Annotations.rpsQuery} ignored: expected a non-empty PromQL expression of at most 4096 characters`);
  }
  for (const key in annotations) {
    if (key.startsWith(ANNOTATION_PREFIX) && !KNOWN_ANNOTATIONS.has(key)) warnings.push(unknownKeyWarning(key));
  }
  return { value: settings, warnings };
}

/**
 * The forecast the forecaster writes on a Deployment (`smartscale.io/forecast`).
 * Demand is in requests per second. `point[i]` and `upper[i]` are for the step that ends
 * `(i + 1) * stepSeconds` after `generatedAt`.
 */
export interface ForecastAnnotation {
  /** Format version. */
  v: 1;
  /** Unix seconds when the forecast was made. */
  generatedAt: number;
  stepSeconds: number;
  /** Expected demand (requests/second) per horizon step. */
  point: number[];
  /** Upper band (requests/second) per horizon step, at `quantile`. */
  upper: number[];
  /** Quantile of the upper band, e.g. 0.9. */
  quantile: number;
  /** The model the selector chose for this series. */
  model: string;
  /** Recent mean absolute error relative to persistence (below 1 beats a reactive autoscaler). */
  recentRelMae?: number;
  /** Demand observed at generation time (requests/second). */
  observed?: number;
  /** Per-pod capacity (requests/second at the latency objective) learned by the forecaster. */
  learnedRpsPerPod?: number;
  /** True when the metrics behind it are missing or old: nothing may act on a stale forecast. */
  stale?: boolean;
  /**
   * Optional (added after v1 shipped; readers that do not know it ignore it): the served-record
   * margin (core/sizing/feedback.ts) the forecaster keeps for this Deployment, ≥ 1. Sizing divides
   * per-pod capacity by it (`marginedRpsPerPod`).
   */
  margin?: number;
  /**
   * Optional, likewise: demand (requests/second) the replicas must cover now whatever the band
   * says — the observed demand, or in a surge (far above the band, or three buckets in a row above
   * it) its rise extrapolated over the node lead (core/sizing/surge.ts `surgeFloorDemand`).
   */
  surgeFloor?: number;
}

/**
 * Forecasts older than this (seconds) are not acted on: the webhook's default `maxForecastAgeSec`
 * (`webhook.maxForecastAge` in smartscale-config overrides it), and the planners' too.
 */
export const DEFAULT_MAX_FORECAST_AGE_SEC = 900;
/** Clock skew tolerated on a forecast's time; one dated further ahead is corrupt. */
export const FORECAST_FUTURE_TOLERANCE_SEC = 60;

/**
 * Why a decision derived from the forecast made at `generatedAt` (unix seconds) must not be acted
 * on at `nowSec`: older than `maxAgeSec`, or dated in the future beyond clock skew. Undefined when
 * it may. Shared by the webhook (which drops the capacity then) and the planners (which ignore a
 * capacity the webhook could not drop: core/controllers/snapshot.ts).
 */
export function forecastAgeProblem(generatedAt: number, nowSec: number, maxAgeSec: number): string | undefined {
  const age = nowSec - generatedAt;
  if (age > maxAgeSec) return `forecast is ${Math.round(age)}s old (limit ${maxAgeSec}s)`;
  if (age < -FORECAST_FUTURE_TOLERANCE_SEC) return 'forecast is dated in the future';
  return undefined;
}

export const FORECAST_ANNOTATION_MAX_BYTES = 16 * 1024;
export const FORECAST_MAX_STEPS = 1440;
/**
 * The longest forecast (steps) the controller publishes: one that always fits in
 * FORECAST_ANNOTATION_MAX_BYTES. formatForecastAnnotation writes each value in at most 10
 * characters (four significant digits, at most six decimals, demand at most 1e9), so a step of
 * `point` and `upper` takes at most 22 bytes: 720 steps are 15,840 bytes, and the other fields
 * (about 350 bytes at their longest) fit in the rest. 1,440 one-minute steps did not fit (17 KB
 * for an ordinary series), and the webhook ignored every such forecast.
 */
export const FORECAST_MAX_PUBLISHED_STEPS = 720;
/** Decimals a forecast value keeps at most: below a millionth of a request per step is none. */
const MAX_ANNOTATION_DECIMALS = 6;
/** Any demand above this (requests/second) is treated as corrupt input. */
export const MAX_DEMAND_RPS = 1e9;
/** A served-record margin above this is corrupt input (the feedback's own bound is 3). */
export const MAX_FORECAST_MARGIN = 10;

function roundForAnnotation(value: number): number {
  if (value === 0) return 0;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const factor = 10 ** Math.min(MAX_ANNOTATION_DECIMALS, Math.max(0, 3 - magnitude));
  return Math.round(value * factor) / factor;
}

/** Serialises a forecast compactly (about four significant digits per value). */
export function formatForecastAnnotation(forecast: ForecastAnnotation): string {
  const compact: ForecastAnnotation = {
    ...forecast,
    point: forecast.point.map(roundForAnnotation),
    upper: forecast.upper.map(roundForAnnotation),
  };
  if (compact.recentRelMae !== undefined) compact.recentRelMae = roundForAnnotation(compact.recentRelMae);
  if (compact.observed !== undefined) compact.observed = roundForAnnotation(compact.observed);
  if (compact.learnedRpsPerPod !== undefined) compact.learnedRpsPerPod = roundForAnnotation(compact.learnedRpsPerPod);
  if (compact.margin !== undefined) compact.margin = roundForAnnotation(compact.margin);
  if (compact.surgeFloor !== undefined) compact.surgeFloor = roundForAnnotation(compact.surgeFloor);
  return JSON.stringify(compact);
}

/**
 * The forecast as formatForecastAnnotation writes it, cut to the longest prefix of its steps whose
 * text fits in FORECAST_ANNOTATION_MAX_BYTES, so the webhook never receives one it must ignore;
 * `steps` says how many were kept. Undefined when not even one step fits (no valid forecast does).
 */
export function formatForecastWithinLimit(forecast: ForecastAnnotation): { body: string; steps: number } | undefined {
  const cut = (steps: number) => formatForecastAnnotation({ ...forecast, point: forecast.point.slice(0, steps), upper: forecast.upper.slice(0, steps) });
  const whole = formatForecastAnnotation(forecast);
  if (whole.length <= FORECAST_ANNOTATION_MAX_BYTES) return { body: whole, steps: forecast.point.length };
  // The text grows with the steps kept: the largest count that fits, by bisection (about 11 formats).
  let fits = 0;
  let tooLong = forecast.point.length;
  while (tooLong - fits > 1) {
    const mid = (fits + tooLong) >> 1;
    if (cut(mid).length <= FORECAST_ANNOTATION_MAX_BYTES) fits = mid;
    else tooLong = mid;
  }
  return fits === 0 ? undefined : { body: cut(fits), steps: fits };
}

function isNonNegativeFinite(value: unknown, max = MAX_DEMAND_RPS): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max;
}

/**
 * Parses text that must hold one JSON object: the object, or why it is not one. Shared by the
 * parsers of smartscale's JSON contracts so they reject bad documents in the same words.
 */
export function readJsonObject(raw: string): { object: Record<string, unknown> } | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { error: 'expected a JSON object' };
  return { object: data as Record<string, unknown> };
}

/** Reads and validates a forecast annotation. Returns `value: undefined` and the reason when unusable. */
export function parseForecastAnnotation(raw: string | undefined): Parsed<ForecastAnnotation | undefined> {
  const key = Annotations.forecast;
  if (raw === undefined) return { value: undefined, warnings: [] };
  const fail = (why: string): Parsed<undefined> => ({ value: undefined, warnings: [`${key} ignored: ${why}`] });
  if (typeof raw !== 'string') return fail('not a string');
  if (raw.length > FORECAST_ANNOTATION_MAX_BYTES) return fail(`longer than ${FORECAST_ANNOTATION_MAX_BYTES} bytes`);
  const read = readJsonObject(raw);
  if ('error' in read) return fail(read.error);
  const f = read.object;
  if (f.v !== 1) return fail(`unsupported format version ${JSON.stringify(f.v)}`);
  if (!isNonNegativeFinite(f.generatedAt, 1e11)) return fail('generatedAt must be unix seconds');
  if (!isNonNegativeFinite(f.stepSeconds, 86_400) || f.stepSeconds < 1) return fail('stepSeconds must be from 1 to 86400');
  if (!Array.isArray(f.point) || !Array.isArray(f.upper)) return fail('point and upper must be arrays');
  if (f.point.length === 0 || f.point.length > FORECAST_MAX_STEPS) return fail(`point must have 1 to ${FORECAST_MAX_STEPS} steps`);
  if (f.upper.length !== f.point.length) return fail('upper must have as many steps as point');
  if (!f.point.every((v) => isNonNegativeFinite(v))) return fail(`point values must be numbers from 0 to ${MAX_DEMAND_RPS}`);
  if (!f.upper.every((v) => isNonNegativeFinite(v))) return fail(`upper values must be numbers from 0 to ${MAX_DEMAND_RPS}`);
  if (!isNonNegativeFinite(f.quantile, 1) || f.quantile <= 0 || f.quantile >= 1) return fail('quantile must be between 0 and 1');
  if (typeof f.model !== 'string' || f.model.length === 0 || f.model.length > 64) return fail('model must be a short string');
  const forecast: ForecastAnnotation = {
    v: 1,
    generatedAt: f.generatedAt,
    stepSeconds: f.stepSeconds,
    point: f.point as number[],
    // The band is never below the point forecast, whatever was written.
    upper: (f.upper as number[]).map((u, i) => Math.max(u, (f.point as number[])[i])),
    quantile: f.quantile,
    model: f.model,
  };
  const warnings: string[] = [];
  const optional = (name: 'recentRelMae' | 'observed' | 'learnedRpsPerPod' | 'margin' | 'surgeFloor', max: number, min = 0) => {
    if (f[name] === undefined) return;
    if (isNonNegativeFinite(f[name], max) && f[name] >= min) forecast[name] = f[name] as number;
    else warnings.push(`${key}: field ${name} ignored: expected a number from ${min} to ${max}`);
  };
  optional('recentRelMae', 1e6);
  optional('observed', MAX_DEMAND_RPS);
  optional('learnedRpsPerPod', MAX_DEMAND_RPS);
  optional('margin', MAX_FORECAST_MARGIN, 1);
  optional('surgeFloor', MAX_DEMAND_RPS);
  if (f.stale !== undefined) {
    if (typeof f.stale === 'boolean') forecast.stale = f.stale;
    else warnings.push(`${key}: field stale ignored: expected true or false`);
  }
  return { value: forecast, warnings };
}

/** The capacity a Deployment will need within the horizon beyond what it has (`smartscale.io/capacity`). */
export interface CapacityAnnotation {
  /** Additional replicas needed at the peak of the horizon beyond the current ones. */
  replicas: number;
  /** Kubernetes quantities for the total additional requests of those replicas. */
  cpu: string;
  memory: string;
  pods: number;
  /** Unix seconds when the capacity is first needed (the earliest step that needs more replicas). */
  neededAt?: number;
}
