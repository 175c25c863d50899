/**
 * The fractional covering lower bound: the cheapest non-negative, fractional mix of instance
 * types whose allocatable CPU and memory together cover a demand.
 *
 *   minimise Σ price_t·x_t  subject to  Σ cpu_t·x_t ≥ C,  Σ mem_t·x_t ≥ M,  x ≥ 0.
 *
 * With two constraints an optimal basic solution uses at most two types. Seen per dollar, each
 * type is a point (cpu_t/price_t, mem_t/price_t); a mix buys a point of their convex hull, so the
 * optimum lies on an edge of the upper-right hull of those points. We build that hull and test
 * each vertex and edge exactly: O(T log T). No set of real nodes holding the pods can cost less.
 * The LP's dual prices (USD per vCPU-hour and per GiB-hour) also tell the solver what capacity is
 * worth when it compares node types.
 */

export interface CoverType {
  readonly name: string;
  /** Allocatable vCPU (any unit, consistent with the demand). */
  readonly cpu: number;
  /** Allocatable memory (any unit, consistent with the demand). */
  readonly memory: number;
  readonly pricePerHour: number;
}

export interface CoverSolution {
  readonly costPerHour: number;
  /** Fractional count of each type used (at most two entries). */
  readonly mix: ReadonlyArray<{ readonly name: string; readonly count: number }>;
  /** Dual prices: USD per unit of cpu and of memory (each ≥ 0). */
  readonly cpuPrice: number;
  readonly memoryPrice: number;
}

interface Point {
  readonly t: CoverType;
  readonly x: number; // cpu per dollar
  readonly y: number; // memory per dollar
}

function cross(o: Point, a: Point, b: Point): number {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/** The vertices of the upper-right hull, from most cpu per dollar to most memory per dollar. */
function upperRightHull(types: readonly CoverType[]): Point[] {
  const points: Point[] = [];
  for (const t of types) {
    if (!(t.pricePerHour > 0) || t.cpu < 0 || t.memory < 0 || (t.cpu === 0 && t.memory === 0)) continue;
    points.push({ t, x: t.cpu / t.pricePerHour, y: t.memory / t.pricePerHour });
  }
  points.sort((a, b) => b.x - a.x || b.y - a.y || (a.t.name < b.t.name ? -1 : 1));
  // Pareto filter: decreasing x, keep strictly increasing y.
  const frontier: Point[] = [];
  for (const p of points) if (frontier.length === 0 || p.y > frontier[frontier.length - 1].y) frontier.push(p);
  // Concave chain over the frontier (x decreasing, y increasing): drop points on or below a chord.
  const hull: Point[] = [];
  for (const p of frontier) {
    while (hull.length >= 2 && cross(hull[hull.length - 2], hull[hull.length - 1], p) <= 0) hull.pop();
    hull.push(p);
  }
  return hull;
}

export function fractionalCover(demand: { cpu: number; memory: number }, types: readonly CoverType[]): CoverSolution | undefined {
  const C = Math.max(0, demand.cpu);
  const M = Math.max(0, demand.memory);
  if (C === 0 && M === 0) return { costPerHour: 0, mix: [], cpuPrice: 0, memoryPrice: 0 };
  const hull = upperRightHull(types);
  if (hull.length === 0) return undefined;
  let best: CoverSolution | undefined;
  const consider = (s: CoverSolution): void => {
    if (!best || s.costPerHour < best.costPerHour - 1e-12) best = s;
  };
  for (const p of hull) {
    const t = p.t;
    const needCpu = C > 0 ? (t.cpu > 0 ? C / t.cpu : Infinity) : 0;
    const needMem = M > 0 ? (t.memory > 0 ? M / t.memory : Infinity) : 0;
    const count = Math.max(needCpu, needMem);
    if (!Number.isFinite(count)) continue;
    const cpuBinds = needCpu >= needMem;
    consider({
      costPerHour: count * t.pricePerHour,
      mix: [{ name: t.name, count }],
      cpuPrice: cpuBinds ? t.pricePerHour / t.cpu : 0,
      memoryPrice: cpuBinds ? 0 : t.pricePerHour / t.memory,
    });
  }
  for (let i = 0; i + 1 < hull.length; i++) {
    const a = hull[i].t;
    const b = hull[i + 1].t;
    const det = a.cpu * b.memory - b.cpu * a.memory;
    if (det === 0) continue;
    const xa = (C * b.memory - M * b.cpu) / det;
    const xb = (M * a.cpu - C * a.memory) / det;
    if (xa < 0 || xb < 0) continue;
    const cpuPrice = (a.pricePerHour * b.memory - b.pricePerHour * a.memory) / det;
    const memoryPrice = (b.pricePerHour * a.cpu - a.pricePerHour * b.cpu) / det;
    consider({
      costPerHour: xa * a.pricePerHour + xb * b.pricePerHour,
      mix: [
        { name: a.name, count: xa },
        { name: b.name, count: xb },
      ],
      cpuPrice: Math.max(0, cpuPrice),
      memoryPrice: Math.max(0, memoryPrice),
    });
  }
  return best;
}
