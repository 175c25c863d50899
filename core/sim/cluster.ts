/**
 * The simulated cluster: nodes, pods, the ReplicaSet controller and the scheduler, on the virtual
 * clock. Every strategy drives the same cluster; strategies only decide replicas, launches and
 * removals, exactly the levers the real systems have.
 *
 * All of a scenario's pods have one shape, so a node's capacity is a number of pod slots. Pods go
 * pending → starting (bound to a Ready node) → ready (`podStartSeconds` after binding). Nodes are
 * billed from launch to termination and accept pods once Ready (`nodeReadySeconds` after launch).
 * Placeholder pods (the over-provisioning baseline) take slots but serve nothing and are preempted
 * by any real pod that has nowhere else to go. Spot nodes may be interrupted (core/sim/interruptions.ts):
 * each gets its notice time at launch; a cordoned node takes no new pods.
 */
import type { InstanceType } from '../model/instance-type.js';
import type { CapacityType } from '../model/labels.js';
import type { PodShape, SimTiming } from './scenario.js';

/** Pod slots every node loses to DaemonSets (kube-proxy, the CNI), as on EKS. */
export const DAEMONSET_PODS = 2;

/** An instance type as the simulator prices and fills it. */
export interface NodeType {
  readonly name: string;
  readonly onDemandPerHour: number;
  readonly spotPerHour: number;
  /** Pods of the scenario's shape one node holds. */
  readonly slots: number;
  /** Share of the node's allocatable CPU (or memory, whichever is larger) one pod requests. */
  readonly podShare: number;
  readonly source: InstanceType;
}

export function nodeTypesFor(types: readonly InstanceType[], pod: PodShape): NodeType[] {
  const out: NodeType[] = [];
  for (const t of types) {
    const byCpu = pod.milliCpu > 0 ? Math.floor(t.allocatable.milliCpu / pod.milliCpu) : Infinity;
    const byMem = pod.memoryBytes > 0 ? Math.floor(t.allocatable.memoryBytes / pod.memoryBytes) : Infinity;
    const slots = Math.min(byCpu, byMem, t.allocatable.pods - DAEMONSET_PODS);
    if (!(slots >= 1) || t.allocatable.gpus > 0) continue;
    const od = t.offerings.filter((o) => o.available && o.capacityType === 'on-demand').map((o) => o.pricePerHour);
    const spot = t.offerings.filter((o) => o.available && o.capacityType === 'spot').map((o) => o.pricePerHour);
    if (od.length === 0) continue;
    const onDemandPerHour = Math.min(...od);
    const podShare = Math.max(pod.milliCpu / t.allocatable.milliCpu, pod.memoryBytes / t.allocatable.memoryBytes);
    out.push({ name: t.name, onDemandPerHour, spotPerHour: spot.length ? Math.min(...spot) : onDemandPerHour, slots, podShare, source: t });
  }
  return out;
}

/** The blended price of one node of `type` given the spot share. */
export function blendedPrice(type: NodeType, spotShare: number): number {
  return (1 - spotShare) * type.onDemandPerHour + spotShare * type.spotPerHour;
}

/** The type with the lowest blended price per pod slot (ties: fewer slots, then name). */
export function cheapestPerSlot(types: readonly NodeType[], spotShare: number): NodeType {
  let best: NodeType | undefined;
  for (const t of types) {
    const a = blendedPrice(t, spotShare) / t.slots;
    const b = best ? blendedPrice(best, spotShare) / best.slots : Infinity;
    if (a < b - 1e-12 || (Math.abs(a - b) <= 1e-12 && best && (t.slots < best.slots || (t.slots === best.slots && t.name < best.name)))) best = t;
  }
  if (!best) throw new RangeError('no instance type in the catalog can hold one pod of the requested shape');
  return best;
}

export const PodState = { Pending: 0, Starting: 1, Ready: 2, Deleted: 3 } as const;
export type PodState = (typeof PodState)[keyof typeof PodState];

export interface SimPod {
  readonly svc: number;
  readonly placeholder: boolean;
  state: PodState;
  node: SimNode | null;
  readyAt: number;
}

export interface SimNode {
  readonly id: number;
  readonly type: NodeType;
  readonly capacityType: CapacityType;
  readonly pricePerHour: number;
  readonly launchedAt: number;
  readyAt: number;
  /** Real pods bound. */
  pods: number;
  placeholders: number;
  /** Real pods bound, per service. */
  readonly perService: Int32Array;
  terminated: boolean;
  /** Bookkeeping for removal policies (CA's unneeded timer, consolidation validation). */
  candidateSince: number;
  /** Set when a replacement was launched: terminate once the clock reaches it. */
  drainAt: number;
  /** Spot: when the interruption notice arrives, and when EC2 takes the instance (Infinity: never). */
  readonly noticeAt: number;
  readonly reclaimAt: number;
  /** The notice has been delivered. */
  noticed: boolean;
  /** Unschedulable: no new pods bind here, and no plan counts its room. */
  cordoned: boolean;
}

/** Draws a spot node's time from launch to its interruption notice (core/sim/interruptions.ts). */
export interface InterruptionModel {
  nextLifetime(): number;
  /** Seconds from the notice to the reclaim. */
  readonly noticeSeconds: number;
}

export function freeSlots(n: SimNode): number {
  return n.type.slots - n.pods - n.placeholders;
}

export function isReady(n: SimNode, now: number): boolean {
  return n.readyAt <= now;
}

interface ServiceState {
  desired: number;
  readonly pods: SimPod[];
  ready: number;
}

export class SimCluster {
  readonly nodes: SimNode[] = [];
  private readonly services: ServiceState[];
  private placeholderPods: SimPod[] = [];
  private pending: SimPod[] = [];
  private starting: SimPod[] = [];
  private nextNodeId = 0;
  private spotNodes = 0;
  /** USD per hour of all live nodes. */
  costPerHour = 0;
  launches = 0;
  terminations = 0;
  /** Spot nodes that received an interruption notice. */
  interruptions = 0;
  lastLaunchAt = -Infinity;
  /**
   * When true, the strategy keeps `controller.kubernetes.io/pod-deletion-cost` up to date so the
   * ReplicaSet removes pods from the emptiest nodes first (smartscale does; the baselines do not).
   */
  deletionCostByNode = false;

  constructor(services: number, private readonly timing: SimTiming, private readonly spotShare: number, private readonly interruptionModel?: InterruptionModel) {
    this.services = Array.from({ length: services }, () => ({ desired: 0, pods: [], ready: 0 }));
  }

  get serviceCount(): number {
    return this.services.length;
  }

  desired(svc: number): number {
    return this.services[svc].desired;
  }

  ready(svc: number): number {
    return this.services[svc].ready;
  }

  /** Pods of the service that exist (pending, starting or ready). */
  existing(svc: number): number {
    return this.services[svc].pods.length;
  }

  totalDesired(): number {
    let s = 0;
    for (const svc of this.services) s += svc.desired;
    return s;
  }

  pendingCount(includePlaceholders = true): number {
    let n = 0;
    for (const p of this.pending) if (p.state === PodState.Pending && (includePlaceholders || !p.placeholder)) n++;
    return n;
  }

  placeholderCount(): number {
    return this.placeholderPods.length;
  }

  spotNodeCount(): number {
    return this.spotNodes;
  }

  /** Real pods bound to cordoned nodes (going away), which their controllers will run again elsewhere. */
  podsOnCordonedNodes(): number {
    let s = 0;
    for (const n of this.nodes) if (n.cordoned) s += n.pods;
    return s;
  }

  /** The ReplicaSet controller: create pending pods or delete the lowest-ranked ones. */
  setDesired(svc: number, desired: number): void {
    const s = this.services[svc];
    s.desired = Math.max(0, Math.floor(desired));
    while (s.pods.length < s.desired) {
      const pod: SimPod = { svc, placeholder: false, state: PodState.Pending, node: null, readyAt: Infinity };
      s.pods.push(pod);
      this.pending.push(pod);
    }
    if (s.pods.length > s.desired) {
      // Kubernetes' ReplicaSet deletion ranking: unscheduled before scheduled, not-ready before
      // ready, pods doubled up on a node with more replicas of the set first, newest first.
      if (this.deletionCostByNode) {
        // controller.kubernetes.io/pod-deletion-cost set to the node's pod count: scale-down empties
        // the emptiest nodes, so they go without evicting anything.
        s.pods.sort((a, b) => a.state - b.state || (a.node ? a.node.pods + a.node.placeholders : 0) - (b.node ? b.node.pods + b.node.placeholders : 0) || (a.node?.id ?? 0) - (b.node?.id ?? 0));
      } else {
        s.pods.sort((a, b) => a.state - b.state || (b.node?.perService[svc] ?? 0) - (a.node?.perService[svc] ?? 0) || b.readyAt - a.readyAt);
      }
      const victims = s.pods.splice(0, s.pods.length - s.desired);
      for (const p of victims) this.deletePod(p);
    }
  }

  /** The over-provisioning Deployment of placeholder pods. */
  setPlaceholders(count: number): void {
    const want = Math.max(0, Math.floor(count));
    while (this.placeholderPods.length < want) {
      const pod: SimPod = { svc: -1, placeholder: true, state: PodState.Pending, node: null, readyAt: Infinity };
      this.placeholderPods.push(pod);
      this.pending.push(pod);
    }
    if (this.placeholderPods.length > want) {
      this.placeholderPods.sort((a, b) => a.state - b.state);
      for (const p of this.placeholderPods.splice(0, this.placeholderPods.length - want)) this.deletePod(p);
    }
  }

  private deletePod(p: SimPod): void {
    if (p.state === PodState.Ready && !p.placeholder) this.services[p.svc].ready--;
    this.unbind(p);
    p.state = PodState.Deleted;
  }

  private unbind(p: SimPod): void {
    const n = p.node;
    if (!n) return;
    if (p.placeholder) n.placeholders--;
    else {
      n.pods--;
      n.perService[p.svc]--;
    }
    p.node = null;
  }

  /** Launches a node; the spot share decides its capacity type. */
  launch(type: NodeType, now: number): SimNode {
    const live = this.nodes.length;
    const spot = this.spotShare > 0 && this.spotNodes < this.spotShare * (live + 1);
    const noticeAt = spot && this.interruptionModel ? now + this.interruptionModel.nextLifetime() : Infinity;
    const node: SimNode = {
      id: this.nextNodeId++,
      type,
      capacityType: spot ? 'spot' : 'on-demand',
      pricePerHour: spot ? type.spotPerHour : type.onDemandPerHour,
      launchedAt: now,
      readyAt: now + this.timing.nodeReadySeconds,
      pods: 0,
      placeholders: 0,
      perService: new Int32Array(this.services.length),
      terminated: false,
      candidateSince: NaN,
      drainAt: NaN,
      noticeAt,
      reclaimAt: noticeAt + (this.interruptionModel?.noticeSeconds ?? 0),
      noticed: false,
      cordoned: false,
    };
    if (spot) this.spotNodes++;
    this.nodes.push(node);
    this.costPerHour += node.pricePerHour;
    this.launches++;
    this.lastLaunchAt = now;
    return node;
  }

  /** Drains and terminates a node: its pods are evicted and their controllers recreate them pending. */
  terminate(node: SimNode): void {
    if (node.terminated) return;
    this.evictAll(node);
    node.terminated = true;
    const i = this.nodes.indexOf(node);
    if (i >= 0) this.nodes.splice(i, 1);
    if (node.capacityType === 'spot') this.spotNodes--;
    this.costPerHour -= node.pricePerHour;
    if (this.nodes.length === 0) this.costPerHour = 0; // no float dust on an empty cluster
    this.terminations++;
  }

  /** Marks a node unschedulable and going away (by its reclaim at the latest). */
  cordon(node: SimNode): void {
    node.cordoned = true;
    if (!(node.drainAt <= node.reclaimAt)) node.drainAt = node.reclaimAt;
  }

  /** Evicts every pod of the node: their controllers recreate them pending. */
  evictAll(node: SimNode): void {
    const evicted: SimPod[] = [];
    for (const s of this.services) for (const p of s.pods) if (p.node === node) evicted.push(p);
    for (const p of this.placeholderPods) if (p.node === node) evicted.push(p);
    for (const p of evicted) this.evict(p);
  }

  /**
   * Evicts up to `max` real pods of the node, those not serving yet first, then across services in
   * turn; returns how many.
   */
  evictSome(node: SimNode, max: number): number {
    const bound: SimPod[] = [];
    for (const s of this.services) for (const p of s.pods) if (p.node === node) bound.push(p);
    const rank = new Map<SimPod, number>();
    const seen = new Int32Array(this.services.length);
    for (const p of bound) rank.set(p, seen[p.svc]++);
    bound.sort((a, b) => a.state - b.state || rank.get(a)! - rank.get(b)! || a.svc - b.svc);
    const victims = bound.slice(0, Math.max(0, max));
    for (const p of victims) this.evict(p);
    return victims.length;
  }

  private evict(p: SimPod): void {
    if (p.state === PodState.Ready && !p.placeholder) this.services[p.svc].ready--;
    this.unbind(p);
    p.state = PodState.Pending;
    p.readyAt = Infinity;
    this.pending.push(p);
  }

  /** Makes everything launched so far Ready at once: the replay starts from a cluster that has been running. */
  warmStart(now: number): void {
    for (const n of this.nodes) n.readyAt = now;
    this.schedule(now);
    for (const p of this.starting) p.readyAt = now;
    this.advance(now);
  }

  /** Pods whose start delay has passed become ready. */
  advance(now: number): void {
    if (this.starting.length === 0) return;
    let w = 0;
    for (const p of this.starting) {
      if (p.state !== PodState.Starting) continue;
      if (p.readyAt <= now) {
        p.state = PodState.Ready;
        if (!p.placeholder) this.services[p.svc].ready++;
      } else this.starting[w++] = p;
    }
    this.starting.length = w;
  }

  /**
   * kube-scheduler: binds pending pods to Ready nodes with room, least-allocated first (its default
   * scoring spreads pods). A real pod with nowhere to go preempts a placeholder (priority -1).
   */
  schedule(now: number): void {
    if (this.pending.length === 0) return;
    const ready = this.nodes.filter((n) => isReady(n, now) && !n.cordoned);
    let free = 0;
    let holders = 0;
    for (const n of ready) {
      free += freeSlots(n);
      holders += n.placeholders;
    }
    const stillPending: SimPod[] = [];
    // Real pods first (higher priority), then placeholders, each in arrival order.
    const order = this.pending.filter((p) => p.state === PodState.Pending);
    order.sort((a, b) => Number(a.placeholder) - Number(b.placeholder));
    for (const p of order) {
      let target: SimNode | null = null;
      if (free > 0) {
        let best = -1;
        for (const n of ready) {
          const f = freeSlots(n);
          if (f > 0 && f / n.type.slots > best) {
            best = f / n.type.slots;
            target = n;
          }
        }
      }
      if (!target && !p.placeholder && holders > 0) {
        for (const n of ready) {
          if (n.placeholders > 0) {
            target = n;
            break;
          }
        }
        if (target) {
          const victim = this.placeholderPods.find((q) => q.node === target)!;
          this.unbind(victim);
          victim.state = PodState.Pending;
          victim.readyAt = Infinity;
          stillPending.push(victim);
          holders--;
          free++;
        }
      }
      if (!target) {
        stillPending.push(p);
        continue;
      }
      p.node = target;
      if (p.placeholder) target.placeholders++;
      else {
        target.pods++;
        target.perService[p.svc]++;
      }
      p.state = PodState.Starting;
      p.readyAt = now + this.timing.podStartSeconds;
      this.starting.push(p);
      free--;
    }
    this.pending = stillPending;
  }
}
