/**
 * What smartscale knows about one Deployment, read from its annotations and status. Pure: an API
 * object in, a plain record out; unreadable annotations become warnings, never exceptions.
 */
import type { KubeObject } from '../../core/kube/client.js';
import { Annotations, parseDeploymentSettings, parseForecastAnnotation, parseReplicaCount, type CapacityAnnotation, type ForecastAnnotation, type Mode } from '../../core/model/annotations.js';
import { effectiveMode } from '../../core/model/cluster-config.js';

export interface DeploymentView {
  namespace: string;
  name: string;
  enabled: boolean;
  mode: Mode;
  /** "deployment" when its own annotation sets the mode, else "cluster". */
  modeSource: 'deployment' | 'cluster';
  replicas: { desired: number; current: number; ready: number; target?: number; peak?: number };
  bounds: { min?: number; max?: number };
  targetRpsPerPod?: number;
  latencySloMs?: number;
  forecast?: {
    model: string;
    recentRelMae?: number;
    generatedAt: string;
    ageSeconds: number;
    stale: boolean;
    observedRps?: number;
    /** The highest expected demand within the horizon and when. */
    nextPeak: { rps: number; upperRps: number; at: string; inSeconds: number };
    horizonSeconds: number;
    /**
     * The served-record margin (≥ 1) the forecaster keeps for this Deployment: the webhook sizes
     * with per-pod capacity divided by it (ADR 075). Absent when the forecast does not carry one.
     */
    margin?: number;
    /**
     * Demand (requests/second) the replicas must cover now whatever the band says: the observed
     * demand, or in a surge its rise extrapolated over the node lead (core/sizing/surge.ts).
     */
    surgeFloorRps?: number;
  };
  capacity?: CapacityAnnotation;
  warnings: string[];
}

function readReplicaCount(raw: string | undefined, key: string, warnings: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const count = parseReplicaCount(raw);
  if (count !== undefined) return count;
  warnings.push(`${key}=${JSON.stringify(raw.slice(0, 40))} is not a replica count`);
  return undefined;
}

/** Reads `smartscale.io/capacity`; undefined with a warning when malformed. */
export function parseCapacity(raw: string | undefined, warnings: string[]): CapacityAnnotation | undefined {
  if (raw === undefined) return undefined;
  try {
    const c = JSON.parse(raw) as Record<string, unknown>;
    const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (c && count(c.replicas) && typeof c.cpu === 'string' && typeof c.memory === 'string' && count(c.pods)) {
      const out: CapacityAnnotation = { replicas: c.replicas as number, cpu: c.cpu, memory: c.memory, pods: c.pods as number };
      if (typeof c.neededAt === 'number' && Number.isFinite(c.neededAt)) out.neededAt = c.neededAt;
      return out;
    }
  } catch {
    /* reported below */
  }
  warnings.push(`${Annotations.capacity} ignored: expected {"replicas","cpu","memory","pods"}`);
  return undefined;
}

export function forecastPeak(forecast: ForecastAnnotation, nowSeconds: number): NonNullable<DeploymentView['forecast']>['nextPeak'] {
  // First step that is still ahead of now (a forecast a few steps old still says something).
  const elapsedSteps = Math.max(0, Math.floor((nowSeconds - forecast.generatedAt) / forecast.stepSeconds));
  const from = Math.min(elapsedSteps, forecast.point.length - 1);
  let best = from;
  for (let i = from; i < forecast.point.length; i++) if (forecast.point[i] > forecast.point[best]) best = i;
  const atSeconds = forecast.generatedAt + (best + 1) * forecast.stepSeconds;
  return { rps: forecast.point[best], upperRps: forecast.upper[best], at: new Date(atSeconds * 1000).toISOString(), inSeconds: Math.round(atSeconds - nowSeconds) };
}

export function isOptedIn(deployment: KubeObject): boolean {
  return deployment.metadata.annotations?.[Annotations.enabled] === 'true';
}

export function deploymentView(deployment: KubeObject, clusterMode: Mode, nowSeconds: number): DeploymentView {
  const annotations = deployment.metadata.annotations ?? {};
  const settings = parseDeploymentSettings(annotations);
  const warnings = [...settings.warnings];
  const forecast = parseForecastAnnotation(annotations[Annotations.forecast]);
  warnings.push(...forecast.warnings);
  const view: DeploymentView = {
    namespace: deployment.metadata.namespace ?? '',
    name: deployment.metadata.name ?? '',
    enabled: settings.value.enabled,
    mode: effectiveMode(clusterMode, settings.value.mode),
    modeSource: settings.value.mode ? 'deployment' : 'cluster',
    replicas: {
      desired: Number(deployment.spec?.replicas ?? 1),
      current: Number(deployment.status?.replicas ?? 0),
      ready: Number(deployment.status?.readyReplicas ?? 0),
      target: readReplicaCount(annotations[Annotations.targetReplicas], Annotations.targetReplicas, warnings),
      peak: readReplicaCount(annotations[Annotations.peakReplicas], Annotations.peakReplicas, warnings),
    },
    bounds: { min: settings.value.minReplicas, max: settings.value.maxReplicas },
    targetRpsPerPod: settings.value.targetRpsPerPod,
    latencySloMs: settings.value.latencySloMs,
    capacity: parseCapacity(annotations[Annotations.capacity], warnings),
    warnings,
  };
  const f = forecast.value;
  if (f) {
    view.forecast = {
      model: f.model,
      recentRelMae: f.recentRelMae,
      generatedAt: new Date(f.generatedAt * 1000).toISOString(),
      ageSeconds: Math.round(nowSeconds - f.generatedAt),
      stale: f.stale === true,
      observedRps: f.observed,
      nextPeak: forecastPeak(f, nowSeconds),
      horizonSeconds: f.point.length * f.stepSeconds,
      ...(f.margin !== undefined ? { margin: f.margin } : {}),
      ...(f.surgeFloor !== undefined ? { surgeFloorRps: f.surgeFloor } : {}),
    };
  }
  return view;
}
