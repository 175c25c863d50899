/**
 * Spot interruptions in the replay (ADR 102). Each spot node is reclaimed with a constant hazard set
 * by `spotInterruptions`: the share of spot instances interrupted per 30 days, the unit of AWS's
 * Spot Instance Advisor ("frequency of interruption … the rate at which Spot has reclaimed capacity
 * during the trailing month", in bands < 5%, 5–10%, 10–15%, 15–20%, > 20%). A node's notice time is
 * drawn once, at launch, from the exponential distribution (a seeded generator, so the same seed
 * gives the same run, and the draw does not depend on the tick); EC2 takes the instance
 * `SPOT_NOTICE_SECONDS` after the notice, with whatever pods are still on it.
 *
 * How each system reacts to the notice (`InterruptionHandling`) is carried out here, on the
 * simulated cluster, as the real controllers do it.
 */
import { DEFAULT_POD_GRACE_SECONDS, handoff } from '../disruption/handoff.js';
import { SeededRandom } from '../workload/random.js';
import { isReady, type InterruptionModel, type SimCluster, type SimNode } from './cluster.js';

/** EC2's Spot interruption notice: two minutes before the instance is reclaimed. */
export const SPOT_NOTICE_SECONDS = 120;

/** The period `spotInterruptions` is a share of (the Spot Instance Advisor's trailing month). */
export const INTERRUPTION_PERIOD_SECONDS = 30 * 86_400;

/** The constant hazard (per second) under which a share `f` of instances is interrupted within 30 days. */
export function hazardPerSecond(sharePer30Days: number): number {
  if (!(sharePer30Days >= 0 && sharePer30Days < 1)) throw new RangeError(`spot interruptions must be in [0, 1) per 30 days, got ${sharePer30Days}`);
  return -Math.log1p(-sharePer30Days) / INTERRUPTION_PERIOD_SECONDS;
}

/** Draws each spot node's time from launch to its interruption notice. */
export class SpotInterruptions implements InterruptionModel {
  readonly noticeSeconds = SPOT_NOTICE_SECONDS;
  private readonly hazard: number;
  private readonly random: SeededRandom;

  constructor(sharePer30Days: number, seed: number) {
    this.hazard = hazardPerSecond(sharePer30Days);
    this.random = new SeededRandom(seed);
  }

  /** Seconds from launch to the notice: exponential with the hazard (Infinity at rate 0). */
  nextLifetime(): number {
    if (this.hazard === 0) return Infinity;
    return -Math.log1p(-this.random.next()) / this.hazard;
  }
}

/**
 * What a strategy's system does on a Spot interruption notice:
 *  - `terminate`: Karpenter with its interruption queue (karpenter.sh docs, concepts/disruption,
 *    "Interruption"): on a Spot interruption warning it "taints, drains, and terminates the node(s)
 *    ahead of the interruption event" and "the NodePool will start a new node as soon as it sees
 *    the Spot interruption warning" — here the node goes at once, its pods go pending, and the normal
 *    provisioning path launches for them;
 *  - `cordon-and-drain`: AWS Node Termination Handler (queue processor): it "cordon[s] the node to
 *    ensure no new work is scheduled there, then drain[s] it" (aws/aws-node-termination-handler
 *    README); the instance itself runs, empty and billed, until EC2 reclaims it;
 *  - `handoff`: smartscale (ADR 099, ADR 100, core/disruption/handoff.ts): the node is cordoned
 *    and treated as going away, its pods are planned for at once and keep serving; each moves as
 *    soon as it fits on Ready nodes elsewhere, all of them at the hand-off deadline;
 *  - `none` (a strategy that says nothing): the pods run until the instance is gone.
 */
export type InterruptionHandling = 'terminate' | 'cordon-and-drain' | 'handoff' | 'none';

/**
 * One tick of interruptions, before the strategy acts: notices due are delivered and reacted to,
 * instances due are reclaimed (the pods still on them lost: pending, to be started again), and
 * hand-offs in progress move the pods that now fit. Each interrupted node is counted once, at its
 * notice.
 */
export function stepInterruptions(now: number, cluster: SimCluster, handling: InterruptionHandling): void {
  if (cluster.spotNodeCount() === 0) return;
  for (let i = cluster.nodes.length - 1; i >= 0; i--) {
    const n = cluster.nodes[i];
    if (n.noticeAt <= now && !n.noticed) notice(cluster, n, handling);
  }
  for (let i = cluster.nodes.length - 1; i >= 0; i--) {
    const n = cluster.nodes[i];
    if (n.reclaimAt <= now) cluster.terminate(n);
  }
  if (handling === 'handoff') handOver(now, cluster);
}

function notice(cluster: SimCluster, node: SimNode, handling: InterruptionHandling): void {
  node.noticed = true;
  cluster.interruptions++;
  switch (handling) {
    case 'terminate':
      cluster.terminate(node);
      return;
    case 'cordon-and-drain':
      cluster.cordon(node);
      cluster.evictAll(node);
      return;
    case 'handoff':
      cluster.cordon(node);
      return;
    case 'none':
      return;
  }
}

/**
 * smartscale's hand-off (the node-claim lifecycle with `handoff()`): for each cordoned node, evict
 * the pods that fit on Ready schedulable nodes elsewhere — after the pods already pending and those
 * moved from other nodes this pass — or all of them once the deadline says so (the instance's end
 * less the pods' graceful shutdown and the margin). A node left empty is terminated, as the
 * lifecycle does once its drain is done.
 */
function handOver(now: number, cluster: SimCluster): void {
  if (!cluster.nodes.some((n) => n.cordoned)) return;
  let room = -cluster.pendingCount(false);
  for (const n of cluster.nodes) if (!n.cordoned && Number.isNaN(n.drainAt) && isReady(n, now)) room += n.type.slots - n.pods;
  for (const node of [...cluster.nodes]) {
    if (!node.cordoned || !node.noticed) continue;
    const decision = handoff({ now: now * 1000, deadline: node.reclaimAt * 1000, longestGraceMs: DEFAULT_POD_GRACE_SECONDS * 1000 });
    if (decision.evict === 'all') cluster.evictAll(node);
    else if (room > 0 && node.pods + node.placeholders > 0) room -= cluster.evictSome(node, room);
    if (node.pods + node.placeholders === 0) cluster.terminate(node);
  }
}
