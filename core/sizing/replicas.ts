/**
 * Demand → replicas. Pure: the webhook, the simulator and the controller all size through here.
 */

export interface ReplicaBounds {
  /** Never fewer (default 1). */
  minReplicas: number;
  /** Never more. */
  maxReplicas: number;
}

/** Replicas that serve `demandRps` at `rpsPerPod` each, clamped to the bounds. */
export function replicasForDemand(demandRps: number, rpsPerPod: number, bounds: ReplicaBounds): number {
  if (!(rpsPerPod > 0) || !Number.isFinite(rpsPerPod)) throw new RangeError(`rpsPerPod must be a positive number, got ${rpsPerPod}`);
  const demand = Number.isFinite(demandRps) && demandRps > 0 ? demandRps : 0;
  // A hair of tolerance so 100.0000001 / 10 does not ask for an 11th pod because of float noise.
  const raw = Math.ceil(demand / rpsPerPod - 1e-6);
  return clampReplicas(raw, bounds);
}

export function clampReplicas(replicas: number, bounds: ReplicaBounds): number {
  return Math.min(bounds.maxReplicas, Math.max(bounds.minReplicas, replicas));
}

export interface ReplicaPlan {
  /** Replicas needed for each horizon step (from the upper band). */
  perStep: number[];
  /** Replicas wanted now: enough for the steps pods need to become ready in. */
  target: number;
  /** The most replicas any step within the horizon needs. */
  peak: number;
  /** Index of the first step that needs `peak` replicas. */
  peakStep: number;
}

/**
 * Turns a demand forecast (upper band per step) into replica needs.
 * `leadSteps` is how many steps ahead a pod must be started to be ready in time (pod start delay
 * plus, when nodes are needed, node launch delay, in steps): the target now covers the highest need
 * among the next `leadSteps` steps, so capacity is ready before demand arrives rather than after.
 */
export function planReplicas(upperBand: readonly number[], rpsPerPod: number, bounds: ReplicaBounds, leadSteps = 1): ReplicaPlan {
  const perStep = upperBand.map((demand) => replicasForDemand(demand, rpsPerPod, bounds));
  if (perStep.length === 0) {
    const floor = clampReplicas(0, bounds);
    return { perStep, target: floor, peak: floor, peakStep: 0 };
  }
  const lead = Math.max(1, Math.min(perStep.length, Math.floor(leadSteps)));
  let target = 0;
  for (let i = 0; i < lead; i++) target = Math.max(target, perStep[i]);
  let peak = perStep[0];
  let peakStep = 0;
  perStep.forEach((replicas, step) => {
    if (replicas > peak) {
      peak = replicas;
      peakStep = step;
    }
  });
  return { perStep, target, peak, peakStep };
}

/**
 * Scale up at once, scale down damped: never drop more than `maxDownFraction` of the current
 * replicas in one decision (at least one pod), so a dip in the forecast does not cause flapping.
 */
export function dampScaleDown(current: number, desired: number, maxDownFraction = 0.1): number {
  if (desired >= current) return desired;
  const maxDrop = Math.max(1, Math.floor(current * maxDownFraction));
  return Math.max(desired, current - maxDrop);
}

/** The interval `dampScaleDown`'s fraction is stated for: 10% per minute by default. */
export const SCALE_DOWN_FRACTION_SECONDS = 60;

/**
 * The share of replicas one scale-down decision may remove when decisions are `seconds` apart and
 * `fractionPerMinute` may go per minute: `1 − (1 − f)^(seconds / 60)`. Decisions come once per
 * forecast, so with 5-minute buckets they are 5 minutes apart; a fixed share per decision would
 * make scale-down after a spike five times slower than with 1-minute buckets. The pace is per unit
 * of time instead, whatever the bucket: 10% per minute is 10% a minute apart, 41% five minutes
 * apart. A non-positive or non-finite interval counts as one minute; the result is within [0, 1].
 */
export function scaleDownFractionFor(fractionPerMinute: number, seconds: number): number {
  const f = Number.isFinite(fractionPerMinute) ? Math.min(1, Math.max(0, fractionPerMinute)) : 0.1;
  const minutes = Number.isFinite(seconds) && seconds > 0 ? seconds / SCALE_DOWN_FRACTION_SECONDS : 1;
  // Rounded so that one minute gives back exactly f (1 − 0.9 is 0.0999…98 in floating point, and
  // 10% of 30 replicas must stay 3).
  return Math.round((1 - (1 - f) ** minutes) * 1e12) / 1e12;
}
