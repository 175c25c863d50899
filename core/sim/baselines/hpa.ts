/**
 * A model of the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) on CPU utilization, with the
 * documented defaults (kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/):
 *  - sync every 15 s (`--horizontal-pod-autoscaler-sync-period`);
 *  - tolerance 0.1: no change while |usage/target − 1| ≤ 10%;
 *  - desired = ceil(current × usage / target); during scale-up, pods not yet ready count as 0% used,
 *    during scale-down, pods without metrics count as exactly at target (replica_calculator.go);
 *  - behaviour defaults: scale-up without stabilization, at most max(+100%, +4 pods) per 15 s;
 *    scale-down stabilized over 300 s (the highest recommendation in the window wins), up to 100%
 *    per 15 s;
 *  - metrics come from metrics-server, so they lag (the caller passes demand `metricsLag` old).
 * CPU usage saturates: a pod cannot use more than its limit, so when demand exceeds capacity the
 * HPA sees `utilizationCap` (requests = limits → 100%), not the true overload. This is why a
 * reactive HPA needs several syncs to catch a flash crowd.
 */

export interface HpaOptions {
  /** Target average CPU utilization (0..1). */
  targetUtilization: number;
  syncSeconds: number;
  tolerance: number;
  scaleDownStabilizationSeconds: number;
  /** Scale-up policies per period: the larger of +percent and +pods wins (selectPolicy Max). */
  scaleUpPercent: number;
  scaleUpPods: number;
  policyPeriodSeconds: number;
  minReplicas: number;
  maxReplicas: number;
  /** The highest utilization a pod can report (CPU limit ÷ request). */
  utilizationCap: number;
}

export const DEFAULT_HPA: HpaOptions = {
  targetUtilization: 0.7,
  syncSeconds: 15,
  tolerance: 0.1,
  scaleDownStabilizationSeconds: 300,
  scaleUpPercent: 100,
  scaleUpPods: 4,
  policyPeriodSeconds: 15,
  minReplicas: 1,
  maxReplicas: 100_000,
  utilizationCap: 1,
};

/** What the HPA observes at a sync. */
export interface HpaObservation {
  /** spec.replicas now. */
  currentReplicas: number;
  /** Pods ready and reporting metrics. */
  readyPods: number;
  /** Requests per second the service receives, as of the (lagged) metrics. */
  observedRps: number;
  /** Requests per second one pod serves at 100% CPU request. */
  rpsPerPod: number;
}

export class HorizontalPodAutoscaler {
  readonly options: HpaOptions;
  private nextSync = 0;
  private readonly recommendations: Array<{ t: number; replicas: number }> = [];

  constructor(options: Partial<HpaOptions> = {}) {
    this.options = { ...DEFAULT_HPA, ...options };
    if (!(this.options.targetUtilization > 0 && this.options.targetUtilization <= 1)) {
      throw new RangeError(`HPA target utilization must be in (0, 1], got ${this.options.targetUtilization}`);
    }
  }

  /** True when a sync is due at `now` (every `syncSeconds` on average, whatever the tick). */
  due(now: number): boolean {
    return now >= this.nextSync;
  }

  /** One reconcile: returns the new spec.replicas. */
  sync(now: number, o: HpaObservation): number {
    this.nextSync += this.options.syncSeconds;
    if (this.nextSync <= now) this.nextSync = now + this.options.syncSeconds;
    const raw = this.recommend(o);
    return this.normalize(now, o.currentReplicas, raw);
  }

  /** The replica calculator alone (no behaviour): what the metrics ask for. */
  recommend(o: HpaObservation): number {
    const { targetUtilization: target, tolerance, utilizationCap } = this.options;
    const current = o.currentReplicas;
    if (o.readyPods <= 0 || current <= 0) return current; // no metrics: no decision
    const usage = Math.min(utilizationCap, o.observedRps / (o.readyPods * o.rpsPerPod));
    const ratio = usage / target;
    const unready = Math.max(0, current - o.readyPods);
    if (unready === 0) {
      if (Math.abs(ratio - 1) <= tolerance) return current;
      return Math.ceil(ratio * o.readyPods);
    }
    const used = usage * o.readyPods;
    // Scale-up: unready pods count as 0%; scale-down: pods without metrics count as at target.
    const newRatio = ratio > 1 ? used / (target * current) : (used + target * unready) / (target * current);
    if (Math.abs(newRatio - 1) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return current;
    const replicas = Math.ceil(newRatio * current);
    if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) return current;
    return replicas;
  }

  /** Stabilization window and rate policies (horizontal.go, normalizeDesiredReplicasWithBehaviors). */
  private normalize(now: number, current: number, raw: number): number {
    const o = this.options;
    this.recommendations.push({ t: now, replicas: raw });
    while (this.recommendations.length > 0 && this.recommendations[0].t < now - o.scaleDownStabilizationSeconds) this.recommendations.shift();
    let desired = raw;
    if (raw < current) {
      let highest = raw;
      for (const r of this.recommendations) highest = Math.max(highest, r.replicas);
      desired = Math.min(current, highest);
    } else if (raw > current) {
      const limit = Math.max(Math.ceil(current * (1 + o.scaleUpPercent / 100)), current + o.scaleUpPods);
      desired = Math.min(raw, limit);
    }
    return Math.max(o.minReplicas, Math.min(o.maxReplicas, desired));
  }
}
