/**
 * The baseline strategies, assembled from the models of the systems people run today:
 *  - `reactive-hpa-ca`: HPA + Cluster Autoscaler (one node group of one type), with AWS Node
 *    Termination Handler for Spot interruptions (CA has none of its own);
 *  - `reactive-karpenter`: HPA + Karpenter (groupless cheapest-fit, batching, consolidation, its
 *    interruption queue);
 *  - `overprovisioned`: reactive-karpenter + placeholder pods holding a fixed headroom (the
 *    cluster-proportional "pause pod" pattern: low-priority pods real pods preempt).
 */
import type { NodeType, SimCluster } from '../cluster.js';
import type { Strategy, TickContext } from '../engine.js';
import type { InterruptionHandling } from '../interruptions.js';
import type { NodePlanner } from '../planner.js';
import { ClusterAutoscaler, type ClusterAutoscalerOptions } from './cluster-autoscaler.js';
import { HorizontalPodAutoscaler, type HpaOptions } from './hpa.js';
import { Consolidator, DEFAULT_KARPENTER, provision, type KarpenterOptions } from './karpenter.js';

/** One HPA per service, fed lagged demand. */
export class ReactiveScaler {
  private readonly hpas: HorizontalPodAutoscaler[];

  constructor(services: number, options: Partial<HpaOptions>) {
    this.hpas = Array.from({ length: services }, () => new HorizontalPodAutoscaler(options));
  }

  get targetUtilization(): number {
    return this.hpas[0]?.options.targetUtilization ?? 0.7;
  }

  step(ctx: TickContext): void {
    const { cluster, scenario } = ctx;
    const lagTicks = Math.round(scenario.timing.metricsLagSeconds / scenario.timing.tickSeconds);
    for (let s = 0; s < this.hpas.length; s++) {
      const perPod = scenario.services[s].rpsPerPod;
      if (ctx.tick === 0) {
        // Start sized for the demand of the moment, as a cluster that has been running would be.
        cluster.setDesired(s, Math.max(1, Math.ceil(ctx.demandAt(s, 0) / (perPod * this.hpas[s].options.targetUtilization))));
        continue;
      }
      const hpa = this.hpas[s];
      if (!hpa.due(ctx.now)) continue;
      const desired = hpa.sync(ctx.now, {
        currentReplicas: cluster.desired(s),
        readyPods: cluster.ready(s),
        observedRps: ctx.demandAt(s, ctx.tick - lagTicks),
        rpsPerPod: perPod,
      });
      if (desired !== cluster.desired(s)) cluster.setDesired(s, desired);
    }
  }
}

export class HpaClusterAutoscalerStrategy implements Strategy {
  readonly name = 'reactive-hpa-ca';
  /**
   * The Cluster Autoscaler does not act on Spot notices; the common setup runs AWS Node Termination
   * Handler (queue processor), which cordons the node and drains it at the notice
   * (aws/aws-node-termination-handler README). The evicted pods go pending and CA scales the group up
   * for them at its next scan; the emptied instance runs until EC2 reclaims it. (The Auto Scaling
   * group's own replacement of the reclaimed instance is left out: CA's scale-up for the pending pods
   * stands for both.)
   */
  readonly interruptionHandling: InterruptionHandling = 'cordon-and-drain';
  private readonly scaler: ReactiveScaler;
  private readonly ca: ClusterAutoscaler;

  constructor(services: number, nodeType: NodeType, hpa: Partial<HpaOptions> = {}, ca: Partial<ClusterAutoscalerOptions> = {}) {
    this.scaler = new ReactiveScaler(services, hpa);
    this.ca = new ClusterAutoscaler(nodeType, ca);
  }

  step(ctx: TickContext): void {
    this.scaler.step(ctx);
    this.ca.reconcile(ctx.now, ctx.cluster);
  }
}

export class KarpenterStrategy implements Strategy {
  readonly name: string;
  /** Karpenter's interruption queue: taint, drain and terminate at the notice (karpenter.ts). */
  readonly interruptionHandling: InterruptionHandling = 'terminate';
  private readonly scaler: ReactiveScaler;
  private readonly consolidator: Consolidator;
  private readonly options: KarpenterOptions;

  /** `headroom` > 0 adds placeholder pods (the overprovisioned baseline). */
  constructor(
    services: number,
    private readonly planner: NodePlanner,
    hpa: Partial<HpaOptions> = {},
    private readonly headroom = 0,
    karpenter: Partial<KarpenterOptions> = {},
  ) {
    this.name = headroom > 0 ? 'overprovisioned' : 'reactive-karpenter';
    this.scaler = new ReactiveScaler(services, hpa);
    this.options = { ...DEFAULT_KARPENTER, ...karpenter };
    this.consolidator = new Consolidator(planner, this.options);
  }

  step(ctx: TickContext): void {
    this.scaler.step(ctx);
    const cluster: SimCluster = ctx.cluster;
    if (this.headroom > 0) cluster.setPlaceholders(Math.ceil(this.headroom * cluster.totalDesired()));
    provision(ctx.now, cluster, this.planner, this.options.batchIdleSeconds);
    this.consolidator.reconcile(ctx.now, cluster);
  }
}
