/**
 * The smartscale strategy, driven by the production decision code:
 *  - forecasting: one `SeriesForecaster` per service (core/forecast), fed each trace bucket once it
 *    is complete and its metrics have arrived (`metricsLag` after the bucket ends — no peeking);
 *  - the service graph (core/graph): call ratios learned online from edge series, and downstream
 *    propagation of the forecasts, when the scenario has a call graph;
 *  - sizing (core/sizing): `planReplicas` on the upper band (replicas ready within the node lead
 *    time), `dampScaleDown` against flapping; a reactive floor covers demand already observed
 *    (and, in a surge far above the band, its rise over the node lead: `surgeFloorDemand`); a
 *    margin on demand raised by the served record (`nextMargin`: up when ready capacity was short
 *    of the demand observed, back down toward 1 while it was not);
 *  - provisioning: predicted pods (the peak need within the node lead time, beyond the pods that
 *    exist) go to the production solver with the pending pods, so nodes launch before pods exist;
 *  - consolidation: Karpenter's policy with a forecast-aware guard — free slots for the pods the
 *    forecast needs within the horizon are never consolidated away;
 *  - Spot interruptions: the hand-off of ADR 100 (`interruptionHandling: 'handoff'`,
 *    core/sim/interruptions.ts): at the notice the node is cordoned and treated as going away, its
 *    pods are planned for at once by the same provisioning path (`provision` counts pods on cordoned
 *    nodes) and keep serving; they move when they fit on Ready nodes, or at `handoff()`'s deadline.
 */
import { SeriesForecaster, type Forecast } from '../forecast/forecaster.js';
import { propagateForecasts, serviceForecast, ServiceGraphLearner, type ServiceForecast } from '../graph/service-graph.js';
import { DEFAULT_SHORTFALL_FEEDBACK, marginedRpsPerPod, nextMargin, shortfallTargetForQuantile, type ShortfallFeedbackOptions } from '../sizing/feedback.js';
import { dampScaleDown, planReplicas, replicasForDemand, scaleDownFractionFor } from '../sizing/replicas.js';
import { leadWindowPeak } from '../sizing/lead.js';
import { DEFAULT_SURGE, nextAboveBandRun, surgeFloorDemand } from '../sizing/surge.js';
import { slackReplicas } from '../sizing/slack.js';
import { Consolidator, provision } from './baselines/karpenter.js';
import { PlannerDisruption } from './disruption.js';
import type { Strategy, TickContext } from './engine.js';
import type { InterruptionHandling } from './interruptions.js';
import { isReady, type NodeType, type SimCluster } from './cluster.js';
import type { NodePlanner } from './planner.js';
import type { Scenario } from './scenario.js';

export interface SmartscaleOptions {
  /** Quantile of the forecast's upper band that sizing covers (the aggressiveness knob). */
  quantile: number;
  /** Forecast horizon in buckets. */
  horizonSteps: number;
  /**
   * Largest share of replicas removed per minute (`scaleDownFractionFor`: one decision per bucket
   * fed removes the share of the time since the previous one).
   */
  maxScaleDownFraction: number;
  /** `minute`: the share above is per minute of time; `decision`: per bucket fed, whatever its length. */
  scaleDownPace: 'minute' | 'decision';
  /**
   * How the target covers the node lead: `steps` — the peak band among the whole forecast steps
   * within it (`planReplicas`); `seconds` — the peak over the lead in seconds on the path from the
   * observed demand through the band at each bucket centre (core/sizing/lead.ts).
   */
  leadSizing: 'steps' | 'seconds';
  /**
   * With `seconds`: the window also spans the time to the next decision (one bucket: the target
   * is recomputed when the next bucket is fed), since what that decision asks for is ready only a
   * lead after it — demand in between is this decision's to cover. Default true; false reproduces
   * the window of the lead alone (ADR 076), which left predicted 1-minute spikes to the reactive floor.
   */
  leadToNextDecision: boolean;
  consolidation: 'WhenEmpty' | 'WhenEmptyOrUnderutilized';
  /**
   * Buckets ahead whose predicted pods keep their free capacity from consolidation; undefined =
   * the node lead time (what a node launched now could still serve in time).
   */
  reserveSteps?: number;
  /**
   * Start pods for the peak within the node lead time rather than the pod lead time: the nodes for
   * them are held anyway, and a running pod serves a surge at once where an empty slot needs 20 s.
   */
  podsForNodeLead: boolean;
  /**
   * `planner`: the production disruption planner (core/disruption) decides; `slots`: the simulator's
   * slot-count model of Karpenter's consolidation with the forecast reserve (for comparison).
   */
  disruption: 'planner' | 'slots';
  /** Utilization pods are sized for at the band (1 = the band exactly; 0.8 keeps 25% margin for surges). */
  utilization: number;
  /** Set pod-deletion-cost so scale-down empties nodes instead of thinning all of them. */
  deletionCost: boolean;
  /**
   * Share of time with unserved demand the served-record feedback steers to (core/sizing/feedback);
   * undefined = from the quantile (`shortfallTargetForQuantile`), 0 = no feedback (margin 1).
   */
  shortfallTarget?: number;
  /**
   * The reactive floor extrapolates the observed rise over the node lead while observed demand is
   * above this × the forecast's band for now (core/sizing/surge); 0 = never.
   */
  surgeFactor: number;
  /**
   * The floor also extrapolates once this many complete buckets in a row were each above the band
   * forecast for them (core/sizing/surge); 0 = never. Default `DEFAULT_SURGE.sustainBuckets`.
   */
  surgeSustainBuckets: number;
  /**
   * Fill the free pod slots of Ready nodes with slack pods beyond the decision (core/sizing/slack):
   * they serve surges at once, scale-down removes them first, and the disruption planner plans as if
   * they did not exist. Only with `disruption: 'planner'`.
   */
  slackPods: boolean;
  /**
   * What predicted capacity covers. `lead` (default, what the replay has measured): nodes for the
   * peak within the node lead (plus a bucket), the consolidation reserve for the longer of it and
   * `reserveSteps`; the controller's rule with its default `controller.provisionLead` of 0s (ADR
   * 101). `horizon`: the controller's rule only with `controller.provisionLead` above 0s
   * (core/controllers/snapshot.ts `predictedWorkloads`) — the peak over the whole forecast horizon
   * is launched once its first rise above the running replicas is within `provisionLeadSeconds`,
   * and kept from consolidation whenever the horizon has one. Only with `leadSizing: 'seconds'`.
   */
  predictedCapacity?: 'lead' | 'horizon';
  /**
   * With `predictedCapacity: 'horizon'`: the `controller.provisionLead` modelled, in seconds
   * (600 when unset here, the value ADR 101 measured; the controller's own default is 0s, `lead`).
   */
  provisionLeadSeconds?: number;
}

export const DEFAULT_SMARTSCALE: SmartscaleOptions = { quantile: 0.95, horizonSteps: 15, maxScaleDownFraction: 0.1, scaleDownPace: 'minute', leadSizing: 'seconds', leadToNextDecision: true, consolidation: 'WhenEmptyOrUnderutilized', podsForNodeLead: true, deletionCost: true, utilization: 1, disruption: 'planner', surgeFactor: DEFAULT_SURGE.factor, surgeSustainBuckets: DEFAULT_SURGE.sustainBuckets, slackPods: false };

const RECENT = 8;

export class SmartscaleStrategy implements Strategy {
  readonly name = 'smartscale';
  readonly interruptionHandling: InterruptionHandling = 'handoff';
  readonly options: SmartscaleOptions;
  private readonly forecasters: SeriesForecaster[];
  private readonly graph?: ServiceGraphLearner;
  private readonly recent: number[][];
  private readonly consolidator: Consolidator;
  private readonly plannerDisruption?: PlannerDisruption;
  private fed = 0;
  /** Per service: replicas wanted now, the peak within the node lead time, and within the reserve window. */
  private target: number[];
  private nodePeak: number[];
  private horizonPeak: number[];
  /** With `predictedCapacity: 'horizon'`: per service, the path's peak up to the end of each forecast step. */
  private stepPeaks: number[][];
  private nextFloor = 0;
  /** Per service: when the last sizing decision was made (a bucket fed), for the per-minute pace. */
  private readonly lastDecision: number[];
  /** Per service: the forecast's upper band for the bucket in progress (requests per second). */
  private readonly upperNow: number[];
  /** Per service: complete buckets in a row above the upper band forecast for each (`nextAboveBandRun`). */
  private readonly aboveBandRun: number[];
  /** Per service: the reactive floor (replicas) at the last floor check. */
  private readonly lastFloor: number[];
  /** Served-record feedback (undefined when off), its margin per service, and ready pods over the metrics lag. */
  private readonly feedback?: ShortfallFeedbackOptions;
  private readonly margin: number[];
  private readonly readyHistory: number[][];
  /** Per service: replicas the decision wants (without slack pods). */
  private readonly decided: number[];
  private readonly slack: number[];

  constructor(private readonly scenario: Scenario, private readonly planner: NodePlanner, nodeTypes: readonly NodeType[], options: Partial<SmartscaleOptions> = {}) {
    this.options = { ...DEFAULT_SMARTSCALE, ...options };
    const n = scenario.services.length;
    this.forecasters = scenario.services.map(
      (s) => new SeriesForecaster({ stepSeconds: s.counts.stepSeconds, horizonSteps: this.options.horizonSteps, quantile: this.options.quantile }),
    );
    if (scenario.edges.length > 0) this.graph = new ServiceGraphLearner();
    this.recent = scenario.services.map(() => []);
    this.consolidator = new Consolidator(planner, { policy: this.options.consolidation });
    if (this.options.disruption === 'planner') {
      this.plannerDisruption = new PlannerDisruption(nodeTypes, scenario.pod, scenario.services.map((s) => s.name));
    }
    this.target = new Array<number>(n).fill(0);
    this.nodePeak = new Array<number>(n).fill(0);
    this.horizonPeak = new Array<number>(n).fill(0);
    this.stepPeaks = Array.from({ length: n }, () => []);
    this.upperNow = new Array<number>(n).fill(0);
    this.aboveBandRun = new Array<number>(n).fill(0);
    this.lastFloor = new Array<number>(n).fill(0);
    this.lastDecision = new Array<number>(n).fill(NaN);
    const target = this.options.shortfallTarget ?? shortfallTargetForQuantile(this.options.quantile);
    if (target > 0) this.feedback = { ...DEFAULT_SHORTFALL_FEEDBACK, target };
    this.margin = new Array<number>(n).fill(1);
    this.readyHistory = scenario.services.map(() => []);
    this.decided = new Array<number>(n).fill(0);
    this.slack = new Array<number>(n).fill(0);
  }

  step(ctx: TickContext): void {
    const { cluster, scenario } = ctx;
    cluster.deletionCostByNode = this.options.deletionCost;
    const timing = scenario.timing;
    const step = scenario.services[0].counts.stepSeconds;
    // Buckets whose metrics have arrived by now.
    const available = Math.floor((ctx.now - timing.metricsLagSeconds) / step);
    const total = scenario.services[0].counts.values.length;
    let fresh = false;
    while (this.fed < Math.min(available, total)) {
      this.feed(this.fed);
      this.fed++;
      fresh = true;
    }
    const lagTicks = Math.round(timing.metricsLagSeconds / timing.tickSeconds);
    if (this.feedback) this.observeServed(ctx, lagTicks);
    if (fresh) this.plan(ctx, lagTicks);
    const floorDue = ctx.now >= this.nextFloor;
    if (floorDue) this.nextFloor = ctx.now + 15;
    for (let s = 0; s < scenario.services.length; s++) {
      const perPod = this.sizingRpsPerPod(s);
      if (ctx.tick === 0) {
        this.decided[s] = Math.max(1, replicasForDemand(ctx.demandAt(s, 0), perPod, { minReplicas: 1, maxReplicas: 100_000 }) + 1);
        cluster.setDesired(s, this.decided[s]);
        continue;
      }
      let desired = this.decided[s];
      // The floor last computed holds until the next one (as the product's published surge floor
      // holds until the next forecast): a decision between two floor checks does not scale below it.
      if (fresh) desired = Math.max(dampScaleDown(desired, this.target[s], this.scaleDownFraction(s, ctx.now)), this.lastFloor[s]);
      if (floorDue) {
        // Demand already observed must be served whatever the forecast said (and, in a surge the
        // forecast did not see, the rise it is on, over the node lead).
        const surge = { ...DEFAULT_SURGE, factor: this.options.surgeFactor, sustainBuckets: this.options.surgeSustainBuckets };
        const observedTick = ctx.tick - lagTicks;
        const earlierTick = Math.max(0, observedTick - Math.round(surge.windowSeconds / timing.tickSeconds));
        const lead = timing.metricsLagSeconds + timing.nodeReadySeconds + timing.podStartSeconds;
        const need = surgeFloorDemand(ctx.demandAt(s, observedTick), ctx.demandAt(s, earlierTick), this.upperNow[s], lead, surge, this.aboveBandRun[s]);
        const floor = replicasForDemand(need, perPod, { minReplicas: 1, maxReplicas: 100_000 });
        this.lastFloor[s] = floor;
        desired = Math.max(desired, floor);
      }
      this.decided[s] = desired;
    }
    if (ctx.tick > 0) this.applyDesired(ctx.now, cluster);
    let predicted = 0;
    let reserve = 0;
    for (let s = 0; s < scenario.services.length; s++) {
      const existing = cluster.existing(s);
      if (this.options.predictedCapacity === 'horizon' && this.stepPeaks[s].length > 0) {
        // The controller's rule: the horizon's peak, launched once its first rise is within the provision lead.
        const peaks = this.stepPeaks[s];
        const peak = peaks[peaks.length - 1];
        const first = peaks.findIndex((p) => p > existing);
        const step = scenario.services[s].counts.stepSeconds;
        if (first >= 0 && (first + 1) * step <= (this.options.provisionLeadSeconds ?? 600)) predicted += peak - existing;
        if (first >= 0) reserve += peak - existing;
        continue;
      }
      predicted += Math.max(0, this.nodePeak[s] - existing);
      reserve += Math.max(0, this.horizonPeak[s] - existing);
    }
    provision(ctx.now, cluster, this.planner, 0, predicted);
    if (this.plannerDisruption) this.plannerDisruption.reconcile(ctx.now, cluster, reserve, this.slack);
    else this.consolidator.reconcile(ctx.now, cluster, reserve);
  }

  /** Replicas the reactive floor asked for at its last check; they hold until the next check. */
  floorReplicas(svc: number): number {
    return this.lastFloor[svc];
  }

  /**
   * Sets each service's replicas: the decision, plus (with `slackPods`) slack pods in the free slots
   * of Ready nodes not draining that the decided pods leave.
   */
  private applyDesired(now: number, cluster: SimCluster): void {
    let free = 0;
    if (this.options.slackPods && this.plannerDisruption) {
      let slots = 0;
      for (const n of cluster.nodes) if (isReady(n, now) && Number.isNaN(n.drainAt)) slots += n.type.slots - n.placeholders;
      let decided = 0;
      for (const d of this.decided) decided += d;
      free = slots - decided;
    }
    const slack = slackReplicas(this.decided, free);
    for (let s = 0; s < this.decided.length; s++) {
      this.slack[s] = slack[s];
      const want = this.decided[s] + slack[s];
      if (want !== cluster.desired(s)) cluster.setDesired(s, want);
    }
  }

  /** The share of replicas a scale-down decision now may remove (per minute since the previous one, or per decision). */
  private scaleDownFraction(s: number, now: number): number {
    const previous = this.lastDecision[s];
    this.lastDecision[s] = now;
    const f = this.options.maxScaleDownFraction;
    if (this.options.scaleDownPace === 'decision' || !Number.isFinite(previous)) return f;
    return scaleDownFractionFor(f, now - previous);
  }

  /**
   * The targets over the lead in seconds (`leadWindowPeak`): from the newest observation (the
   * metrics lag old) to when capacity asked for now is ready, on the path from the demand observed
   * then through the band at each later bucket centre — pods for the node lead (or the pod lead), nodes for the node
   * lead, the consolidation reserve for the longer of it and `reserveSteps`.
   */
  private leadTarget(ctx: TickContext, s: number, lagTicks: number, centres: readonly number[], rates: readonly number[]): void {
    const timing = ctx.scenario.timing;
    const perPod = this.sizingRpsPerPod(s);
    const observedTick = Math.max(0, ctx.tick - lagTicks);
    // The window starts at the observation (the end of the bucket just fed) and spans the lead as
    // the controller counts it: metrics lag + node Ready (or not, for the pod lead) + pod start.
    const observedAt = observedTick * timing.tickSeconds;
    const observed = { observedAt, observedRate: ctx.demandAt(s, observedTick), from: observedAt };
    const gap = this.options.leadToNextDecision ? ctx.scenario.services[s].counts.stepSeconds : 0;
    const need = (leadSeconds: number) =>
      replicasForDemand(leadWindowPeak({ ...observed, to: observedAt + leadSeconds + gap }, centres, rates), perPod, { minReplicas: 1, maxReplicas: 100_000 });
    const nodeLead = timing.metricsLagSeconds + timing.nodeReadySeconds + timing.podStartSeconds;
    this.nodePeak[s] = need(nodeLead);
    this.target[s] = this.options.podsForNodeLead ? this.nodePeak[s] : need(timing.metricsLagSeconds + timing.podStartSeconds);
    const reserveSeconds = (this.options.reserveSteps ?? 0) * ctx.scenario.services[s].counts.stepSeconds;
    this.horizonPeak[s] = reserveSeconds > nodeLead ? need(reserveSeconds) : this.nodePeak[s];
    if (this.options.predictedCapacity === 'horizon') {
      const step = ctx.scenario.services[s].counts.stepSeconds;
      const peaks: number[] = [];
      for (let h = 1; h <= centres.length; h++) peaks.push(Math.max(peaks[h - 2] ?? 0, need(h * step - gap)));
      this.stepPeaks[s] = peaks;
    }
  }

  /** Per-pod capacity sizing works with: the utilization margin and the served-record margin. */
  private sizingRpsPerPod(s: number): number {
    return marginedRpsPerPod(this.scenario.services[s].rpsPerPod * this.options.utilization, this.margin[s]);
  }

  /**
   * The served record as the controller sees it: demand observed `metricsLag` ago against the
   * pods that were ready then; the margin moves once per tick.
   */
  private observeServed(ctx: TickContext, lagTicks: number): void {
    const feedback = this.feedback;
    if (!feedback) return;
    for (let s = 0; s < this.scenario.services.length; s++) {
      const history = this.readyHistory[s];
      history.push(ctx.cluster.ready(s));
      if (history.length > lagTicks + 1) history.shift();
      if (ctx.tick < lagTicks) continue;
      const short = ctx.demandAt(s, ctx.tick - lagTicks) > history[0] * this.scenario.services[s].rpsPerPod;
      this.margin[s] = nextMargin(this.margin[s], short, ctx.scenario.timing.tickSeconds, feedback);
    }
  }

  private feed(i: number): void {
    const services = this.scenario.services;
    const demand: Record<string, number> = {};
    for (let s = 0; s < services.length; s++) {
      const c = services[s].counts;
      const v = c.values[i];
      // upperNow is still the band the last forecast gave this bucket (the one in progress then).
      this.aboveBandRun[s] = nextAboveBandRun(this.aboveBandRun[s], v / c.stepSeconds, this.upperNow[s]);
      this.forecasters[s].update(c.startSec + i * c.stepSeconds, v);
      demand[services[s].name] = v;
      if (Number.isFinite(v)) {
        const r = this.recent[s];
        r.push(v);
        if (r.length > RECENT) r.shift();
      }
    }
    if (this.graph) {
      const calls: Record<string, number> = {};
      for (const e of this.scenario.edges) calls[`${e.caller}->${e.callee}`] = e.calls.values[i];
      this.graph.observe(demand, calls);
    }
  }

  private plan(ctx: TickContext, lagTicks: number): void {
    const { scenario } = ctx;
    const timing = scenario.timing;
    const services = scenario.services;
    const step = services[0].counts.stepSeconds;
    const own: Record<string, ServiceForecast> = {};
    const forecasts: Forecast[] = this.forecasters.map((f) => f.forecast());
    services.forEach((s, i) => (own[s.name] = serviceForecast(forecasts[i], this.recent[i].length ? this.recent[i] : [0])));
    const merged = this.graph ? propagateForecasts(own, this.graph.explanations()) : own;
    // Step 1 of the forecast is the bucket in progress; a pod started now serves from podStart on,
    // a node launched now from nodeReady + podStart on.
    const podLead = 1 + Math.ceil((timing.metricsLagSeconds + timing.podStartSeconds) / step);
    const nodeLead = 1 + Math.ceil((timing.metricsLagSeconds + timing.nodeReadySeconds + timing.podStartSeconds) / step);
    services.forEach((s, i) => {
      const upperRps = merged[s.name].upper.map((u) => u / step);
      this.upperNow[i] = upperRps[0] ?? 0;
      if (this.options.leadSizing === 'seconds') {
        // Step h (1-based) is the bucket h after the last one fed; its centre is half a bucket in.
        const centres = upperRps.map((_, h) => (this.fed + h + 0.5) * step);
        this.leadTarget(ctx, i, lagTicks, centres, upperRps);
        return;
      }
      const plan = planReplicas(upperRps, this.sizingRpsPerPod(i), { minReplicas: 1, maxReplicas: 100_000 }, this.options.podsForNodeLead ? nodeLead : podLead);
      this.target[i] = plan.target;
      let nodePeak = 0;
      for (let h = 0; h < Math.min(nodeLead, plan.perStep.length); h++) nodePeak = Math.max(nodePeak, plan.perStep[h]);
      this.nodePeak[i] = nodePeak;
      const reserveSteps = Math.max(nodeLead, this.options.reserveSteps ?? nodeLead);
      let reservePeak = 0;
      for (let h = 0; h < Math.min(reserveSteps, plan.perStep.length); h++) reservePeak = Math.max(reservePeak, plan.perStep[h]);
      this.horizonPeak[i] = reservePeak;
    });
  }
}
