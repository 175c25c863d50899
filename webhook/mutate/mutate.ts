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
import {
  Annotations,
  parseDeploymentSettings,
  parseForecastAnnotation,
  REPLICA_CEILING,
  type ForecastAnnotation,
  type Mode,
} from '../../core/model/annotations.js';
import { clampReplicas, dampScaleDown, planReplicas, type ReplicaBounds } from '../../core/sizing/replicas.js';
import { capacityFor, podRequests } from './capacity.js';
import { parseDecisionRecord, formatDecisionRecord } from './decision-record.js';
import { WebhookAnnotations, type DecisionRecord, type MutateContext, type MutateResult } from './types.js';

type Json = Record<string, unknown>;

function asRecord(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The annotations that are strings; anything else under a smartscale key is reported. */
function readAnnotations(metadata: Json | undefined, warnings: string[]): Record<string, string> {
  const raw = asRecord(metadata?.annotations);
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') out[key] = value;
    else if (key.startsWith('smartscale.io/')) warnings.push(`${key} ignored: annotation values must be strings`);
  }
  return out;
}

function boundsFor(settings: { minReplicas?: number; maxReplicas?: number }, ctx: MutateContext): ReplicaBounds {
  const cap = (n: number) => Math.min(REPLICA_CEILING, Math.max(0, Math.floor(Number.isFinite(n) ? n : 0)));
  const minReplicas = cap(settings.minReplicas ?? ctx.defaultMinReplicas);
  let maxReplicas = Math.max(1, cap(settings.maxReplicas ?? ctx.defaultMaxReplicas));
  // A user's own minimum above the cluster's default maximum wins over that default.
  if (settings.maxReplicas === undefined && minReplicas > maxReplicas) maxReplicas = minReplicas;
  return { minReplicas: Math.min(minReplicas, maxReplicas), maxReplicas };
}

function readReplicas(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

interface Writes {
  annotations: Record<string, string | undefined>;
  replicas?: number;
}

/** Applies writes copy-on-write; returns the input itself when nothing differs. */
function applyWrites(deployment: Json, writes: Writes): Json {
  const metadata = asRecord(deployment.metadata) ?? {};
  const current = asRecord(metadata.annotations) ?? {};
  let annotations: Json | undefined;
  for (const [key, value] of Object.entries(writes.annotations)) {
    if (current[key] === value || (value === undefined && !(key in current))) continue;
    annotations ??= { ...current };
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
  const age = ctx.nowSec - forecast.generatedAt;
  if (age > ctx.maxForecastAgeSec) return `forecast is ${Math.round(age)}s old (limit ${ctx.maxForecastAgeSec}s)`;
  // Clock skew of a minute is tolerated; a forecast from further in the future is corrupt.
  if (age < -60) return 'forecast is dated in the future';
  return undefined;
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
  if (!settings.enabled) return { deployment, warnings: [], decision: { action: 'skip', mode, reason: 'not opted in' } };
  warnings.push(...settingsParsed.warnings);

  const writes: Writes = { annotations: {} };
  const finish = (decision: DecisionRecord): MutateResult => {
    writes.annotations[WebhookAnnotations.decision] = formatDecisionRecord(decision);
    writes.annotations[WebhookAnnotations.replicasOwner] = ctx.hpaOwnsReplicas ? 'hpa' : undefined;
    return { deployment: applyWrites(deployment, writes), warnings, decision };
  };

  const forecastParsed = parseForecastAnnotation(annotations[Annotations.forecast]);
  warnings.push(...forecastParsed.warnings);
  const forecast = forecastParsed.value;
  if (!forecast) {
    const reason = annotations[Annotations.forecast] === undefined ? 'no forecast yet' : 'forecast unusable';
    return finish({ action: 'no-action', mode, reason });
  }
  const problem = forecastProblem(forecast, ctx);
  if (problem) {
    // Nothing may act on a stale forecast: drop the capacity request so no node is bought for it;
    // the last targets stay as information.
    writes.annotations[Annotations.capacity] = undefined;
    return finish({ action: 'no-action', mode, reason: problem, forecastAt: forecast.generatedAt });
  }
  const rpsPerPod = perPodCapacity(settings.targetRpsPerPod, forecast, ctx);
  if (rpsPerPod === undefined) {
    warnings.push(`no per-pod capacity known: set ${Annotations.targetRpsPerPod} (requests/second one pod serves)`);
    return finish({ action: 'no-action', mode, reason: 'no per-pod capacity', forecastAt: forecast.generatedAt });
  }

  const bounds = boundsFor(settings, ctx);
  const plan = planReplicas(forecast.upper, rpsPerPod, bounds, ctx.leadSteps);
  const spec = asRecord(deployment.spec);
  const specReplicas = readReplicas(spec?.replicas);
  if (spec?.replicas !== undefined && specReplicas === undefined) warnings.push('spec.replicas is not a whole number: left alone');
  // Start from the replicas running; a second pass over the same forecast starts where the first did,
  // so damping steps once per forecast, not once per write, and re-applying changes nothing.
  const previous = parseDecisionRecord(annotations[WebhookAnnotations.decision]);
  const from =
    previous?.forecastAt === forecast.generatedAt && previous.from !== undefined
      ? previous.from
      : (readReplicas(ctx.liveReplicas) ?? specReplicas ?? 1);
  const damped = plan.target >= from ? plan.target : dampScaleDown(from, plan.target, clampFraction(ctx.scaleDownFraction));
  const to = clampReplicas(damped, bounds);

  writes.annotations[Annotations.targetReplicas] = String(plan.target);
  writes.annotations[Annotations.peakReplicas] = String(plan.peak);
  const firstShortStep = plan.perStep.findIndex((n) => n > from);
  const neededAt = firstShortStep < 0 ? undefined : forecast.generatedAt + (firstShortStep + 1) * forecast.stepSeconds;
  try {
    const capacity = capacityFor(plan.peak - from, podRequests(asRecord(spec?.template), warnings), neededAt);
    writes.annotations[Annotations.capacity] = JSON.stringify(capacity);
  } catch (err) {
    warnings.push(`${Annotations.capacity} not written: ${(err as Error).message}`);
  }

  const base = { mode, forecastAt: forecast.generatedAt, from, to };
  if (ctx.hpaOwnsReplicas) return finish({ action: 'hpa-owned', ...base, reason: 'a HorizontalPodAutoscaler owns spec.replicas' });
  if (mode === 'observe') return finish({ action: 'observe', ...base, reason: 'observe mode: replicas not changed' });
  if (specReplicas === undefined && spec?.replicas !== undefined) {
    return finish({ action: 'no-action', ...base, reason: 'spec.replicas unreadable' });
  }
  if (!spec) return finish({ action: 'no-action', ...base, reason: 'no spec' });
  writes.replicas = to;
  const action = to > from ? 'scale-up' : to < from ? 'scale-down' : 'hold';
  const reason = action === 'scale-down' && to > plan.target ? 'scale-down damped' : `target ${plan.target} for the next ${ctx.leadSteps} step(s)`;
  return finish({ action, ...base, reason });
}

function clampFraction(fraction: number): number {
  return Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0.1;
}
