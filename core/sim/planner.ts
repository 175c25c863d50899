/**
 * New nodes for pods that have nowhere to go, planned by the production solver
 * (core/scheduling/solve): groupless, cheapest-fit over the whole catalog. The simulator's pods all
 * have one shape, so a plan depends only on how many pods need a home; plans are memoized by that
 * count (the solver is deterministic, so this changes speed, never results).
 */
import { Labels } from '../model/labels.js';
import { DEFAULT_DISRUPTION, type NodePool } from '../model/node-pool.js';
import type { Pod } from '../model/pod.js';
import { solve } from '../scheduling/solver.js';
import type { NodeType } from './cluster.js';
import type { PodShape } from './scenario.js';

/** Plans node types for `pods` pending pods. */
export interface NodePlanner {
  plan(pods: number): readonly NodeType[];
}

const SIM_POOL: NodePool = {
  name: 'default',
  weight: 0,
  // Capacity type is the spot-share's business (SimCluster.launch); the solver plans on-demand.
  requirements: [{ key: Labels.capacityType, operator: 'In', values: ['on-demand'] }],
  taints: [],
  labels: {},
  limits: {},
  disruption: DEFAULT_DISRUPTION,
};

export class SolverPlanner implements NodePlanner {
  /** Plans by pod count (an array: consolidation asks once per node per poll, millions of times a replay). */
  private readonly cache: Array<readonly NodeType[] | undefined> = [];
  private readonly byName: Map<string, NodeType>;

  constructor(private readonly types: readonly NodeType[], private readonly pod: PodShape) {
    this.byName = new Map(types.map((t) => [t.name, t]));
  }

  plan(pods: number): readonly NodeType[] {
    const n = Math.max(0, Math.floor(pods));
    if (n === 0) return [];
    const hit = this.cache[n];
    if (hit) return hit;
    const podList: Pod[] = [];
    for (let i = 0; i < n; i++) {
      podList.push({
        namespace: 'sim',
        name: `pod-${i}`,
        labels: { app: 'sim' },
        requests: { milliCpu: this.pod.milliCpu, memoryBytes: this.pod.memoryBytes, pods: 1, gpus: 0 },
      });
    }
    const result = solve({
      pods: podList,
      existingNodes: [],
      nodePools: [SIM_POOL],
      instanceTypes: this.types.map((t) => t.source),
      options: { maxInstanceTypeOptions: 1 },
    });
    const planned: NodeType[] = [];
    for (const claim of result.newNodeClaims) {
      const t = this.byName.get(claim.instanceType);
      if (t) planned.push(t);
    }
    // The solver counts the kubelet's pod slots; the simulator also reserves DaemonSet slots, so
    // top up with the cheapest-per-slot type if the plan falls short.
    let slots = planned.reduce((s, t) => s + t.slots, 0);
    if (slots < n && this.types.length > 0) {
      const filler = [...this.types].sort((a, b) => a.onDemandPerHour / a.slots - b.onDemandPerHour / b.slots)[0];
      while (slots < n) {
        planned.push(filler);
        slots += filler.slots;
      }
    }
    this.cache[n] = planned;
    return planned;
  }
}
