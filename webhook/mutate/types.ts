/**
 * Inputs and outputs of the webhook's pure decision, `mutate`.
 */
import { Annotations, DEFAULT_MAX_FORECAST_AGE_SEC, type Mode } from '../../core/model/annotations.js';

/** Annotations the webhook writes beyond the shared contract in core/model/annotations.ts. */
export const WebhookAnnotations = {
  /**
   * The webhook's last decision as compact JSON (`DecisionRecord`): what it did and why. Also what
   * makes damping idempotent: a second pass over the same forecast starts from the same replicas.
   */
  decision: Annotations.decision,
  /** `hpa` when a HorizontalPodAutoscaler owns `spec.replicas` and smartscale leaves it alone. */
  replicasOwner: Annotations.replicasOwner,
} as const;

/** The cluster's policy and what the webhook knows about the world, passed in: mutate reads no clock. */
export interface MutateContext {
  /** Cluster-wide mode (ConfigMap `smartscale-config`); a Deployment's `smartscale.io/mode` overrides it. */
  clusterMode: Mode;
  /** Bounds used when the Deployment sets none. */
  defaultMinReplicas: number;
  defaultMaxReplicas: number;
  /** Per-pod capacity (requests/second) when neither the user nor the forecaster gives one. */
  defaultRpsPerPod?: number;
  /**
   * Most of the current replicas removed per minute (0..1), so a dip does not cause flapping; one
   * decision per forecast removes the share of the forecast's step (`scaleDownFractionFor`).
   */
  scaleDownFraction: number;
  /**
   * How many forecast steps ahead a new pod must be started to be ready in time: the whole-step
   * rule, used when the forecast carries no observed demand (or `leadSeconds` is 0).
   */
  leadSteps: number;
  /**
   * Seconds from a forecast's generation until capacity asked for then is ready (metrics lag + node
   * Ready + pod start): the target is the peak over it on the path from the observed demand through
   * the band at each bucket centre (core/sizing/lead.ts `forecastLeadPeak`), so with buckets longer
   * than the lead only the part of a bucket's rise that can arrive within it is held (ADR 076).
   */
  leadSeconds: number;
  /** A forecast older than this (seconds) is not acted on. */
  maxForecastAgeSec: number;
  /** True when a HorizontalPodAutoscaler targets this Deployment. */
  hpaOwnsReplicas: boolean;
  /** Replicas of the live object (the old object of an UPDATE); undefined on CREATE. */
  liveReplicas?: number;
  /**
   * Share of per-pod capacity pods are sized to use at the forecast's band (0 < u ≤ 1); the rest is
   * margin for what the band does not see. A Deployment's `smartscale.io/target-utilization`
   * overrides it. Default 0.88, as the simulator's smartscale strategy (core/sim/knobs.ts, ADR 075).
   */
  utilization: number;
  /** Current time, unix seconds. */
  nowSec: number;
}

export const DEFAULT_CONTEXT: Omit<MutateContext, 'nowSec' | 'hpaOwnsReplicas' | 'liveReplicas'> = {
  clusterMode: 'observe',
  defaultMinReplicas: 1,
  defaultMaxReplicas: 100,
  scaleDownFraction: 0.1,
  leadSteps: 2,
  leadSeconds: 110,
  maxForecastAgeSec: DEFAULT_MAX_FORECAST_AGE_SEC,
  utilization: 0.88,
};

export type DecisionAction =
  /** Not opted in: nothing looked at, nothing written. */
  | 'skip'
  /** Optimize mode, spec.replicas raised/lowered/kept. */
  | 'scale-up'
  | 'scale-down'
  | 'hold'
  /** Observe mode: the annotations say what optimize mode would do. */
  | 'observe'
  /** An HPA owns spec.replicas: annotations only. */
  | 'hpa-owned'
  /** Nothing usable to act on (no/bad/stale forecast, no per-pod capacity). */
  | 'no-action';

/** What the webhook decided, written as `smartscale.io/decision` (field order is fixed so output is stable). */
export interface DecisionRecord {
  action: DecisionAction;
  mode: Mode;
  /** One short phrase: why. */
  reason: string;
  /** `generatedAt` of the forecast acted on. */
  forecastAt?: number;
  /** Replicas the decision started from. */
  from?: number;
  /** Replicas it asks for (in observe/HPA modes: would ask for). */
  to?: number;
}

export interface MutateResult {
  /** The Deployment to admit: the input itself when nothing changed, else a copy (the input is never modified). */
  deployment: Record<string, unknown>;
  /** Human-readable reasons for ignored input; returned as AdmissionReview warnings. */
  warnings: string[];
  decision: DecisionRecord;
}
