/**
 * The controller's Prometheus metrics (text format 0.0.4), no client library: a few gauges and
 * counters with labels, rendered on demand. What the issue asks to see: forecast error, targets,
 * pending capacity, node count and cost per hour by pool; plus every action and every loop run.
 */

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

class Family {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly type: 'gauge' | 'counter', readonly help: string) {}

  set(labels: Labels, value: number): void {
    this.values.set(labelText(labels), { labels, value });
  }

  add(labels: Labels, delta = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += delta;
    else this.values.set(key, { labels, value: delta });
  }

  /** Drops series whose labels are not kept (a deleted Deployment, a removed pool). */
  retain(keep: (labels: Labels) => boolean): void {
    for (const [key, entry] of this.values) if (!keep(entry.labels)) this.values.delete(key);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [key, { value }] of this.values) lines.push(`${this.name}${key} ${Number.isFinite(value) ? value : 'NaN'}`);
    return lines.join('\n');
  }
}

export class ControllerMetrics {
  readonly forecastRelMae = new Family('smartscale_forecast_relative_mae', 'gauge', 'Recent forecast MAE relative to persistence, per Deployment (below 1 beats a reactive autoscaler).');
  readonly forecastDemand = new Family('smartscale_forecast_demand_rps', 'gauge', 'Observed and forecast (peak of the upper band) demand per Deployment, requests/second.');
  readonly targetReplicas = new Family('smartscale_target_replicas', 'gauge', 'Target and peak replicas per Deployment, as the webhook derived them.');
  readonly pendingCapacity = new Family('smartscale_pending_capacity', 'gauge', 'Pods waiting for capacity, per kind: pending, rescheduling (on nodes being deleted), predicted and predicted_observe.');
  readonly nodes = new Family('smartscale_nodes', 'gauge', 'Nodes (node claims) per pool and state.');
  readonly costPerHour = new Family('smartscale_cost_per_hour_usd', 'gauge', 'USD per hour of the nodes per pool.');
  readonly actions = new Family('smartscale_actions_total', 'counter', 'Actions taken (or, in observe mode, that would have been), by loop and action.');
  readonly loopRuns = new Family('smartscale_loop_runs_total', 'counter', 'Reconcile passes per loop and result.');
  readonly loopSeconds = new Family('smartscale_loop_last_duration_seconds', 'gauge', 'Duration of the last reconcile pass per loop.');
  readonly leader = new Family('smartscale_leader', 'gauge', '1 when this replica holds the leader lease.');
  readonly apiErrors = new Family('smartscale_api_errors_total', 'counter', 'Kubernetes API failures the controller recovered from, by where.');
  readonly informerStale = new Family('smartscale_informer_stale', 'gauge', '1 while an informer has heard nothing from the API server (no list, event or bookmark) for its staleness period.');
  readonly informerWatchRestarts = new Family('smartscale_informer_watch_restarts_total', 'counter', 'Watches the staleness watchdog abandoned as hung, per informer.');
  readonly unavailableOfferings = new Family('smartscale_unavailable_offerings', 'gauge', 'Offerings excluded after the cloud could not sell them (1 each, by type, zone, capacity type and reason), the cloud provider\'s and the controller\'s alike.');
  readonly interruptionLatency = new Family('smartscale_interruption_latency_seconds', 'gauge', 'Seconds from an interruption event (a spot reclaim, a scheduled change, …) to its handling, the last one per kind: how much of a notice the queue ate.');
  private readonly collectors: Array<() => void> = [];

  private readonly families = [
    this.forecastRelMae,
    this.forecastDemand,
    this.targetReplicas,
    this.pendingCapacity,
    this.nodes,
    this.costPerHour,
    this.actions,
    this.loopRuns,
    this.loopSeconds,
    this.leader,
    this.apiErrors,
    this.informerStale,
    this.informerWatchRestarts,
    this.unavailableOfferings,
    this.interruptionLatency,
  ];

  /** Runs `collect` before every render (for values read from elsewhere, e.g. the informers). */
  collectOnRender(collect: () => void): void {
    this.collectors.push(collect);
  }

  informers(health: ReadonlyArray<{ resource: string; stale: boolean; watchdogRestarts: number }>): void {
    for (const h of health) {
      this.informerStale.set({ resource: h.resource }, h.stale ? 1 : 0);
      this.informerWatchRestarts.set({ resource: h.resource }, h.watchdogRestarts);
    }
  }

  loopRun(loop: string, seconds: number, ok: boolean): void {
    this.loopRuns.add({ loop, result: ok ? 'success' : 'error' });
    this.loopSeconds.set({ loop }, seconds);
  }

  action(loop: string, action: string, count = 1): void {
    this.actions.add({ loop, action }, count);
  }

  /** The value of one series (tests, status). */
  value(family: keyof ControllerMetrics, labels: Labels): number | undefined {
    const f = this[family];
    return f instanceof Family ? f.values.get(labelText(labels))?.value : undefined;
  }

  render(): string {
    for (const collect of this.collectors) collect();
    return `${this.families.map((f) => f.render()).join('\n')}\n`;
  }
}
