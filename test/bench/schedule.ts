/**
 * Solver benchmark: `npm run bench:schedule -- --pods N [--json] [--seed S] [--catalog FILE]`.
 *
 * Plans N pending pods onto an empty cluster over the whole shared EC2 catalog (all 1,345 types
 * are given to the solver) with one on-demand node pool — by default Karpenter's getting-started
 * pool (categories c, m, r; generation > 2), or `--pool open` (every type, burstable t and
 * nano/micro sizes included) — and prints one JSON object:
 * {"pods","instanceTypes","seconds","podsPerSecond","costPerHour","lowerBoundPerHour","costRatio","unplaced"}
 * plus "cpuSeconds" (this process's CPU time during the solve) and "nodes" (new nodes planned);
 * with `--repeat R` also "secondsMin" and "secondsMedian" over R solves of the same input.
 *
 * The pod mix follows the kinds of pods Karpenter's scheduling benchmark uses: generic pods of
 * varied sizes, Deployments with zonal topology spread, Deployments with hostname anti-affinity,
 * and pods with node selectors (architecture, instance category).
 *
 * Lower bound: the optimum of the fractional covering LP (core/scheduling/lower-bound.ts) over the
 * instance types at least one pod may use — the pod's constraints admit the type and its
 * allocatable holds that pod — priced at their cheapest offering the pool allows,
 * covering the total CPU and memory requested by all pods. No set of nodes holding the pods can
 * cost less, so costRatio = costPerHour / lowerBoundPerHour ≥ 1.
 */
import { loadCatalogSync } from '../../core/cloud/catalog/index.js';
import { DEFAULT_DISRUPTION, type NodePool } from '../../core/model/node-pool.js';
import { Labels } from '../../core/model/labels.js';
import type { InstanceType } from '../../core/model/instance-type.js';
import type { Pod } from '../../core/model/pod.js';
import { MIB } from '../../core/model/quantity.js';
import { fractionalCover } from '../../core/scheduling/lower-bound.js';
import { cheapestInMask, preparePools, buildProfile } from '../../core/scheduling/pools.js';
import { podTerms } from '../../core/scheduling/pod-classes.js';
import { solve } from '../../core/scheduling/solver.js';
import { catalogPath } from '../support/shared.js';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length && !process.argv[i + 1].startsWith('--')) return process.argv[i + 1];
  return fallback;
}

/** Small deterministic PRNG (mulberry32) so every run plans the same pods. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CPU_MILLI = [100, 250, 500, 750, 1000, 1500, 2000, 3000];
/** GiB per vCPU, the shapes of the compute (c), general (m) and memory (r, x) families. */
const GIB_PER_VCPU = [1, 2, 4, 8];
const MEMORY_MIB = [128, 256, 512, 1024, 2048, 4096, 8192];

/**
 * `shaped` (default): memory follows CPU at 1, 2, 4 or 8 GiB per vCPU, as Deployments are
 * usually sized. `independent`: CPU and memory drawn independently (up to 4 vCPU with 128 MiB, or
 * 100m with 8 GiB) — extreme shapes the covering bound cannot see, so its ratio is reported apart.
 */
export type PodMix = 'shaped' | 'independent';

export function benchmarkPods(count: number, seed = 1, mix: PodMix = 'shaped'): Pod[] {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const pods: Pod[] = [];
  let deployment = 0;
  while (pods.length < count) {
    const name = `app-${deployment++}`;
    const replicas = Math.min(count - pods.length, 10 + Math.floor(random() * 190));
    const milliCpu = pick(CPU_MILLI);
    const memoryMiB = mix === 'shaped' ? Math.round((milliCpu / 1000) * pick(GIB_PER_VCPU) * 1024) : pick(MEMORY_MIB);
    const kind = random();
    const labels = { app: name };
    const base = { namespace: 'bench', labels, requests: { milliCpu, memoryBytes: memoryMiB * MIB, pods: 1, gpus: 0 } };
    let extra: Partial<Pod> = {};
    if (kind < 0.55) {
      extra = {}; // generic
    } else if (kind < 0.75) {
      extra = { topologySpread: [{ topologyKey: Labels.zone, maxSkew: 1, labelSelector: labels, whenUnsatisfiable: 'DoNotSchedule' }] };
    } else if (kind < 0.8) {
      extra = { antiAffinity: [{ topologyKey: Labels.hostname, labelSelector: labels }] };
    } else if (kind < 0.9) {
      extra = { nodeSelector: { [Labels.arch]: pick(['amd64', 'arm64']) } };
    } else {
      extra = { requiredNodeAffinity: [[{ key: Labels.instanceCategory, operator: 'In', values: pick([['c', 'm'], ['m', 'r'], ['c', 'm', 'r']]) }]] };
    }
    // Anti-affinity Deployments are kept small: each of their pods needs a node of its own.
    const n = extra.antiAffinity ? Math.min(replicas, 20) : replicas;
    for (let i = 0; i < n; i++) pods.push({ ...base, ...extra, name: `${name}-${i}` });
  }
  return pods;
}

/** Every type of the catalog, on demand: includes burstable t types and the nano/micro sizes. */
export const openPool: NodePool = {
  name: 'open',
  weight: 0,
  requirements: [{ key: Labels.capacityType, operator: 'In', values: ['on-demand'] }],
  taints: [],
  labels: {},
  limits: {},
  disruption: DEFAULT_DISRUPTION,
};

export const benchmarkPool: NodePool = {
  name: 'default',
  weight: 0,
  // Karpenter's getting-started NodePool: compute, general and memory-optimised types of
  // generation 3 and later (both architectures here, so arm64 selectors can be met), on demand.
  requirements: [
    { key: Labels.capacityType, operator: 'In', values: ['on-demand'] },
    { key: Labels.instanceCategory, operator: 'In', values: ['c', 'm', 'r'] },
    { key: Labels.instanceGeneration, operator: 'Gt', values: ['2'] },
  ],
  taints: [],
  labels: {},
  limits: {},
  disruption: DEFAULT_DISRUPTION,
};

function fitsPod(pod: Pod, type: InstanceType): boolean {
  const r = pod.requests;
  const a = type.allocatable;
  return r.milliCpu <= a.milliCpu && r.memoryBytes <= a.memoryBytes && Math.max(1, r.pods) <= a.pods && r.gpus <= a.gpus;
}

function main(): void {
  const podCount = Number(arg('pods', '5000'));
  if (!Number.isInteger(podCount) || podCount < 1 || podCount > 1_000_000) {
    process.stderr.write('--pods must be an integer between 1 and 1000000\n');
    process.exit(2);
  }
  const seed = Number(arg('seed', '1'));
  const mix = arg('mix', 'shaped');
  if (mix !== 'shaped' && mix !== 'independent') {
    process.stderr.write('--mix must be shaped or independent\n');
    process.exit(2);
  }
  const poolName = arg('pool', 'karpenter');
  if (poolName !== 'karpenter' && poolName !== 'open') {
    process.stderr.write('--pool must be karpenter or open\n');
    process.exit(2);
  }
  const pool = poolName === 'open' ? openPool : benchmarkPool;
  const instanceTypes = loadCatalogSync(arg('catalog', catalogPath()));
  const pods = benchmarkPods(podCount, seed, mix);

  const repeat = Number(arg('repeat', '1'));
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) {
    process.stderr.write('--repeat must be an integer from 1 to 20\n');
    process.exit(2);
  }
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const result = solve({ pods, existingNodes: [], nodePools: [pool], instanceTypes });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // CPU time of this process during the solve: what the solver costs when other jobs share the cores.
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // Optional repeats (same input, warm process), to see through noise from other jobs on the cores.
  const runs = [seconds];
  for (let i = 1; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    solve({ pods, existingNodes: [], nodePools: [pool], instanceTypes });
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  runs.sort((a, b) => a - b);

  // Types at least one pod may use, at their cheapest allowed offering.
  const [prepared] = preparePools([pool], instanceTypes, undefined, new Map());
  const usable = new Map<number, number>();
  const seen = new Set<string>();
  for (const pod of pods) {
    const key = JSON.stringify([podTerms(pod), pod.requests]);
    if (seen.has(key)) continue;
    seen.add(key);
    const profile = buildProfile(prepared, podTerms(pod), undefined, pod.tolerations ?? []);
    prepared.types.forEach((type, i) => {
      if (profile.masks[i] !== 0 && fitsPod(pod, type)) usable.set(i, cheapestInMask(prepared.types[i], profile.masks[i])!.pricePerHour);
    });
  }
  const cover = [...usable].map(([i, price]) => ({ name: prepared.types[i].name, cpu: prepared.types[i].allocatable.milliCpu, memory: prepared.types[i].allocatable.memoryBytes / MIB, pricePerHour: price }));
  const totalCpu = pods.reduce((s, p) => s + p.requests.milliCpu, 0);
  const totalMemory = pods.reduce((s, p) => s + p.requests.memoryBytes / MIB, 0);
  const lowerBound = fractionalCover({ cpu: totalCpu, memory: totalMemory }, cover)!.costPerHour;

  const report = {
    pods: podCount,
    instanceTypes: instanceTypes.length,
    seconds: Number(seconds.toFixed(3)),
    podsPerSecond: Math.round(podCount / seconds),
    costPerHour: Number(result.newCostPerHour.toFixed(4)),
    lowerBoundPerHour: Number(lowerBound.toFixed(4)),
    costRatio: Number((result.newCostPerHour / lowerBound).toFixed(4)),
    unplaced: result.unplaceable.length,
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    ...(repeat > 1 ? { secondsMin: Number(runs[0].toFixed(3)), secondsMedian: Number(runs[runs.length >> 1].toFixed(3)), runs: repeat } : {}),
    nodes: result.newNodeClaims.length,
  };
  if (process.argv.includes('--verbose')) {
    const byType = new Map<string, number>();
    for (const c of result.newNodeClaims) byType.set(c.instanceType, (byType.get(c.instanceType) ?? 0) + 1);
    process.stderr.write(`nodes=${result.newNodeClaims.length} ${JSON.stringify([...byType].sort((a, b) => b[1] - a[1]).slice(0, 15))}\n`);
    process.stderr.write(`unplaceable sample ${JSON.stringify(result.unplaceable.slice(0, 3))}\n`);
  }
  process.stdout.write(JSON.stringify(report) + '\n');
}

if (process.argv[1]?.endsWith("schedule.ts")) main();
