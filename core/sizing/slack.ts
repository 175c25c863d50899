/**
 * Slack pods: replicas that fill the pod slots of nodes held anyway. Pure.
 *
 * Nodes come whole, so the nodes a decision keeps usually have a few free slots, paid for whether or
 * not a pod runs in them. A running pod there serves a surge at once, where any capacity asked for
 * after the surge is seen needs the metrics lag, a node launch and a pod start (110 s by default)
 * — and every rise faster than that lead is what a forecast-driven autoscaler leaves unserved. Slack
 * pods are the first to go: scale-down deletes them before any pod the decision wants, and
 * consolidation plans as if they did not exist, so they never keep a node alive or launch one.
 */

/**
 * Extra replicas per service that fill `freeSlots` (pod slots on Ready nodes the decision does not
 * use), shared in proportion to each service's decided replicas (largest remainders first, ties to
 * the lower index), so a service that needs more capacity gets more of the slack.
 */
export function slackReplicas(decided: readonly number[], freeSlots: number): number[] {
  const out = new Array<number>(decided.length).fill(0);
  const free = Number.isFinite(freeSlots) ? Math.max(0, Math.floor(freeSlots)) : 0;
  if (free === 0 || decided.length === 0) return out;
  let total = 0;
  for (const d of decided) {
    if (!(d >= 0) || !Number.isFinite(d)) throw new RangeError(`decided replicas must be non-negative numbers, got ${d}`);
    total += d;
  }
  // With nothing decided anywhere the slack is shared evenly.
  const weights = total > 0 ? decided : decided.map(() => 1);
  const sum = total > 0 ? total : decided.length;
  let given = 0;
  const remainders: Array<[number, number]> = [];
  weights.forEach((w, i) => {
    const share = (free * w) / sum;
    out[i] = Math.floor(share);
    given += out[i];
    remainders.push([share - out[i], i]);
  });
  remainders.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < free - given; k++) out[remainders[k][1]]++;
  return out;
}

/**
 * Which pods a planner should not see: `slack` pods of each service taken from the emptiest nodes
 * first — the pods a scale-down with pod-deletion-cost at the node's fill would delete first. `nodes`
 * give each node's pods per service and its total (including pods of other kinds); returns, per
 * node in the given order, its pods per service without the slack ones.
 */
export function withoutSlack(nodes: ReadonlyArray<{ readonly perService: ArrayLike<number>; readonly pods: number }>, slack: readonly number[]): Int32Array[] {
  const out = nodes.map((n) => Int32Array.from(n.perService as ArrayLike<number>));
  const order = nodes.map((_, i) => i).sort((a, b) => nodes[a].pods - nodes[b].pods || a - b);
  for (let s = 0; s < slack.length; s++) {
    let left = Math.max(0, Math.floor(slack[s]));
    for (const i of order) {
      if (left === 0) break;
      const take = Math.min(left, out[i][s] ?? 0);
      out[i][s] -= take;
      left -= take;
    }
  }
  return out;
}
