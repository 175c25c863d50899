/**
 * The webhook's decision: forecast + policy → replica target, capacity, and (optimize mode)
 * spec.replicas. Pure: the Deployment and a context in, the admitted Deployment out. No I/O, no clock.
 *
 * Invariants:
 * - never throws on any input shape; bad values are ignored and explained in `warnings`;
 * - every replica count written is within the bounds and never above REPLICA_CEILING;
 * - idempotent: mutate(mutate(d).deployment) returns that same deployment (no second patch);
 * - only smartscale's own annotations and `spec.replicas` are ever changed.
 */
import { rpsQueryProblem } from '../../core/metrics/template.js';
import {
  Annotations,
  forecastAgeProblem,
  parseDeploymentSettings,
  parseForecastAnnotation,
  REPLICA_CEILING,
  type DeploymentSettings,
  type ForecastAnnotation,
  type Mode,
} from '../../core/model/annotations.js';
import { marginedRpsPerPod } from '../../core/sizing/feedback.js';
import { forecastLeadPeak } from '../../core/sizing/lead.js';
import { clampReplicas, dampScaleDown, planReplicas, replicasForDemand, scaleDownFractionFor, type ReplicaBounds } from '../../core/sizing/replicas.js';
import { capacityFor, podRequests } from './capacity.js';
import { parseDecisionRecord, formatDecisionRecord } from './decision-record.js';
import { WebhookAnnotations, type DecisionRecord, type MutateContext, type MutateResult } from './types.js';

type Json = Record<string, unknown>;

function asRecord(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/**
 * The annotations, with any non-string value under a smartscale key reported and left out. The
 * common case (all strings) returns the object itself: this runs on every admission.
 */
function readAnnotations(metadata: Json | undefined, warnings: string[]): Record<string, string> {
  const raw = asRecord(metadata?.annotations);
  if (!raw) return {};
  let clean: Record<string, string> | undefined;
  for (const key in raw) {
    if (typeof raw[key] !== 'string' && key.startsWith('smartscale.io/')) {
      warnings.push(`${key} ignored: annotation values must be strings`);
      clean ??= {};
    }
  }
  if (!clean) return raw as Record<string, string>;
  for (const key in raw) if (typeof raw[key] === 'string') clean[key] = raw[key] as string;
  return clean;
}

function cap(n: number): number {
  return Math.min(REPLICA_CEILING, Math.max(0, Math.floor(Number.isFinite(n) ? n : 0)));
}

function boundsFor(settings: { minReplicas?: number; maxReplicas?: number }, ctx: MutateContext): ReplicaBounds {
  const minReplicas = cap(settings.minReplicas ?? ctx.defaultMinReplicas);
  let maxReplicas = Math.max(1, cap(settings.maxReplicas ?? ctx.defaultMaxReplicas));
  // A user's own minimum above the cluster's default maximum wins over that default.
  if (settings.maxReplicas === undefined && minReplicas > maxReplicas) maxReplicas = minReplicas;
  return { minReplicas: Math.min(minReplicas, maxReplicas), maxReplicas };
}

/** spec.replicas is an int32 in the API: anything larger is not a replica count (and would not round-trip the decision record). */
export const MAX_REPLICAS = 2 ** 31 - 1;

function readReplicas(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_REPLICAS ? value : undefined;
}

interface Writes {
  annotations: Record<string, string | undefined>;
  replicas?: number;
}

function copyObject(source: Json): Json {
  const copy: Json = {};
  for (const key in source) copy[key] = source[key];
  return copy;
}

/** Applies writes copy-on-write; returns the input itself when nothing differs. */
function applyWrites(deployment: Json, writes: Writes): Json {
  const metadata = asRecord(deployment.metadata) ?? {};
  const current = asRecord(metadata.annotations) ?? {};
  let annotations: Json | undefined;
  for (const [key, value] of Object.entries(writes.annotations)) {
    if (current[key] === value || (value === undefined && !(key in current))) continue;
    // A key-by-key copy, not `{ ...current }`: V8 makes adding keys to a spread clone costly
    // (microseconds per admission, measured), and this runs on every admission.
    annotations ??= copyObject(current);
    if (value === undefined) delete annotations[key];
    else annotations[key] = value;
  }
  const spec = asRecord(deployment.spec);
  const replicasChange = writes.replicas !== undefined && spec !== undefined && spec.replicas !== writes.replicas;
  if (!annotations && !replicasChange) return deployment;
  const out: Json = { ...deployment };
  if (annotations) out.metadata = { ...metadata, annotations };
  if (replicasChange) out.spec = { ...spec, replicas: writes.replicas };
  return out;
}

function forecastProblem(forecast: ForecastAnnotation, ctx: MutateContext): string | undefined {
  if (forecast.stale) return 'forecast is marked stale';
  // Clock skew of a minute is tolerated; a forecast from further in the future is corrupt.
  return forecastAgeProblem(forecast.generatedAt, ctx.nowSec, ctx.maxForecastAgeSec);
}

/**
 * Per-pod capacity to size with, as the simulator's smartscale strategy does (ADR 075): pods are
 * sized to use `utilization` of their capacity at the band, and the served-record margin the
 * forecaster publishes (absent: 1) divides it further.
 */
function sizingRpsPerPod(rpsPerPod: number, settings: DeploymentSettings, forecast: ForecastAnnotation, ctx: MutateContext): number {
  const u = settings.targetUtilization ?? ctx.utilization;
  const utilization = Number.isFinite(u) && u > 0 && u <= 1 ? u : 1;
  return marginedRpsPerPod(rpsPerPod * utilization, forecast.margin ?? 1);
}

function perPodCapacity(userRps: number | undefined, forecast: ForecastAnnotation, ctx: MutateContext): number | undefined {
  if (userRps !== undefined) return userRps;
  if (forecast.learnedRpsPerPod !== undefined && forecast.learnedRpsPerPod > 0) return forecast.learnedRpsPerPod;
  if (ctx.defaultRpsPerPod !== undefined && ctx.defaultRpsPerPod > 0 && Number.isFinite(ctx.defaultRpsPerPod)) return ctx.defaultRpsPerPod;
  return undefined;
}

export function mutate(deployment: Json, ctx: MutateContext): MutateResult {
  const warnings: string[] = [];
  const metadata = asRecord(deployment.metadata);
  const annotations = readAnnotations(metadata, warnings);
  const settingsParsed = parseDeploymentSettings(annotations);
  const settings = settingsParsed.value;
  const mode: Mode = settings.mode ?? ctx.clusterMode;
  if (!settings.enabled) {
    // Not opted in: nothing to say, unless the opt-in itself is misspelt ("True", "yes"), which
    // would otherwise leave the user wondering why nothing happens.
    const about = warnings.concat(settingsParsed.warnings).filter((w) => w.startsWith(Annotations.enabled));
    return { deployment, warnings: about, decision: { action: 'skip', mode, reason: 'not opted in' } };
  }
  warnings.push(...settingsParsed.warnings);
  // The forecaster makes no forecast from a query it cannot render: say so while the user is here.
  const queryProblem = settings.rpsQuery === undefined ? undefined : rpsQueryProblem(settings.rpsQuery);
  if (queryProblem) warnings.push(queryProblem);

  const writes: Writes = { annotations: {} };
  const decision = decide(deployment, annotations, settings, mode, ctx, writes, warnings);
  writes.annotations[WebhookAnnotations.decision] = formatDecisionRecord(decision);
  writes.annotations[WebhookAnnotations.replicasOwner] = ctx.hpaOwnsReplicas ? 'hpa' : undefined;
  return { deployment: applyWrites(deployment, writes), warnings, decision };
}

/** The decision for an opted-in Deployment; the annotation and replica changes go into `writes`. */
function decide(
  deployment: Json,
  annotations: Record<string, string>,
  settings: DeploymentSettings,
  mode: Mode,
  ctx: MutateContext,
  writes: Writes,
  warnings: string[],
): DecisionRecord {
  const forecastParsed = parseForecastAnnotation(annotations[Annotations.forecast]);
  warnings.push(...forecastParsed.warnings);
  const forecast = forecastParsed.value;
  if (!forecast) {
    const reason = annotations[Annotations.forecast] === undefined ? 'no forecast yet' : 'forecast unusable';
    return ({ action: 'no-action', mode, reason });
  }
  const problem = forecastProblem(forecast, ctx);
  if (problem) {
    // Nothing may act on a stale forecast: drop the capacity request so no node is bought for it;
    // the last targets stay as information.
    writes.annotations[Annotations.capacity] = undefined;
    return ({ action: 'no-action', mode, reason: problem, forecastAt: forecast.generatedAt });
  }
  const rpsPerPod = perPodCapacity(settings.targetRpsPerPod, forecast, ctx);
  if (rpsPerPod === undefined) {
    warnings.push(`no per-pod capacity known: set ${Annotations.targetRpsPerPod} (requests/second one pod serves)`);
    // No peak is derived from this forecast: a capacity left from an earlier one must not buy nodes.
    writes.annotations[Annotations.capacity] = undefined;
    return ({ action: 'no-action', mode, reason: 'no per-pod capacity', forecastAt: forecast.generatedAt });
  }

  const bounds = boundsFor(settings, ctx);
  const perPod = sizingRpsPerPod(rpsPerPod, settings, forecast, ctx);
  const stepped = planReplicas(forecast.upper, perPod, bounds, ctx.leadSteps);
  // The peak over the lead plus one step, in seconds, when the forecast says what was observed (ADR 076); else whole steps.
  const leadPeak = forecastLeadPeak(forecast, ctx.leadSeconds);
  const banded = leadPeak === undefined ? stepped : { ...stepped, target: replicasForDemand(leadPeak, perPod, bounds) };
  // Demand already observed (in a surge, its extrapolated rise) is covered whatever the band says.
  const floor = forecast.surgeFloor === undefined ? 0 : replicasForDemand(forecast.surgeFloor, perPod, bounds);
  const floored = floor > banded.target;
  const plan = floored ? { ...banded, target: floor, peak: Math.max(banded.peak, floor) } : banded;
  const spec = asRecord(deployment.spec);
  const specReplicas = readReplicas(spec?.replicas);
  if (spec?.replicas !== undefined && specReplicas === undefined) warnings.push(`spec.replicas is not a whole number from 0 to ${MAX_REPLICAS}: left alone`);
  // Start from the replicas running; a second pass over the same forecast starts where the first did,
  // so damping steps once per forecast, not once per write, and re-applying changes nothing.
  const previous = parseDecisionRecord(annotations[WebhookAnnotations.decision]);
  const from =
    previous?.forecastAt === forecast.generatedAt && previous.from !== undefined
      ? previous.from
      : (readReplicas(ctx.liveReplicas) ?? specReplicas ?? 1);
  // One decision per forecast: it removes the per-minute share for the forecast's step.
  const damped = plan.target >= from ? plan.target : dampScaleDown(from, plan.target, scaleDownFractionFor(clampFraction(ctx.scaleDownFraction), forecast.stepSeconds));
  const to = clampReplicas(damped, bounds);

  writes.annotations[Annotations.targetReplicas] = String(plan.target);
  writes.annotations[Annotations.peakReplicas] = String(plan.peak);
  let firstShortStep = -1;
  for (let i = 0; i < plan.perStep.length && firstShortStep < 0; i++) if (plan.perStep[i] > from) firstShortStep = i;
  const neededAt = firstShortStep < 0 ? undefined : forecast.generatedAt + (firstShortStep + 1) * forecast.stepSeconds;
  try {
    const capacity = capacityFor(plan.peak - from, podRequests(asRecord(spec?.template), warnings), neededAt);
    writes.annotations[Annotations.capacity] = JSON.stringify(capacity);
  } catch (err) {
    warnings.push(`${Annotations.capacity} not written: ${(err as Error).message}`);
  }

  const base = { mode, forecastAt: forecast.generatedAt, from, to };
  if (ctx.hpaOwnsReplicas) return ({ action: 'hpa-owned', ...base, reason: 'a HorizontalPodAutoscaler owns spec.replicas' });
  if (mode === 'observe') return ({ action: 'observe', ...base, reason: 'observe mode: replicas not changed' });
  if (specReplicas === undefined && spec?.replicas !== undefined) {
    return ({ action: 'no-action', ...base, reason: 'spec.replicas unreadable' });
  }
  if (!spec) return ({ action: 'no-action', ...base, reason: 'no spec' });
  writes.replicas = to;
  const action = to > from ? 'scale-up' : to < from ? 'scale-down' : 'hold';
  const reason =
    action === 'scale-down' && to > plan.target
      ? 'scale-down damped'
      : floored
        ? `target ${plan.target} for the observed demand (above the band)`
        : leadPeak === undefined
          ? `target ${plan.target} for the next ${ctx.leadSteps} step(s)`
          : `target ${plan.target} for the next ${ctx.leadSeconds + forecast.stepSeconds}s`;
  return ({ action, ...base, reason });
}

function clampFraction(fraction: number): number {
  return Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0.1;
}
