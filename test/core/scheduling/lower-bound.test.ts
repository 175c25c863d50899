import { describe, expect, it } from 'vitest';
import { fractionalCover, type CoverType } from '../../../core/scheduling/lower-bound.js';

/** Every single type and every pair solved directly: the definition, without the hull. */
function bruteForce(demand: { cpu: number; memory: number }, types: CoverType[]): number {
  let best = Infinity;
  for (const a of types) {
    best = Math.min(best, a.pricePerHour * Math.max(demand.cpu / a.cpu, demand.memory / a.memory));
    for (const b of types) {
      const det = a.cpu * b.memory - b.cpu * a.memory;
      if (det === 0) continue;
      const xa = (demand.cpu * b.memory - demand.memory * b.cpu) / det;
      const xb = (demand.memory * a.cpu - demand.cpu * a.memory) / det;
      if (xa >= 0 && xb >= 0) best = Math.min(best, xa * a.pricePerHour + xb * b.pricePerHour);
    }
  }
  return best;
}

describe('fractionalCover', () => {
  it.each([
    ['one balanced type', { cpu: 10, memory: 40 }, [{ name: 'm', cpu: 2, memory: 8, pricePerHour: 0.1 }], 0.5],
    [
      'mixes a cpu-rich and a memory-rich type',
      { cpu: 10, memory: 10 },
      [
        { name: 'c', cpu: 2, memory: 0, pricePerHour: 0.1 },
        { name: 'r', cpu: 0, memory: 2, pricePerHour: 0.1 },
        { name: 'm', cpu: 2, memory: 2, pricePerHour: 0.3 },
      ],
      1.0,
    ],
    ['no demand costs nothing', { cpu: 0, memory: 0 }, [{ name: 'm', cpu: 2, memory: 8, pricePerHour: 0.1 }], 0],
  ])('%s', (_label, demand, types, expected) => {
    expect(fractionalCover(demand, types)!.costPerHour).toBeCloseTo(expected, 9);
  });

  it('matches brute force on random catalogs and its duals price every type at or below its price', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const types: CoverType[] = Array.from({ length: 2 + Math.floor(random() * 30) }, (_, i) => ({
        name: `t${i}`,
        cpu: 0.5 + random() * 64,
        memory: 0.5 + random() * 512,
        pricePerHour: 0.01 + random() * 5,
      }));
      const demand = { cpu: random() * 5000, memory: random() * 20000 };
      const solution = fractionalCover(demand, types)!;
      expect(solution.costPerHour).toBeCloseTo(bruteForce(demand, types), 6);
      expect(solution.mix.length).toBeLessThanOrEqual(2);
      // Dual feasibility: no type is worth more than it costs at the dual prices (LP duality).
      for (const t of types) expect(solution.cpuPrice * t.cpu + solution.memoryPrice * t.memory).toBeLessThanOrEqual(t.pricePerHour * (1 + 1e-9));
      expect(solution.cpuPrice * demand.cpu + solution.memoryPrice * demand.memory).toBeCloseTo(solution.costPerHour, 6);
    }
  });

  it('is below what any real plan costs', async () => {
    const { solve } = await import('../../../core/scheduling/solver.js');
    const { nodePool, pods, smallCatalog } = await import('./builders.js');
    const catalog = smallCatalog().filter((t) => t.allocatable.gpus === 0);
    const batch = [...pods(30, { cpu: 700, memoryMiB: 900 }), ...pods(10, { cpu: 250, memoryMiB: 6000 })];
    const plan = solve({ pods: batch, existingNodes: [], nodePools: [nodePool()], instanceTypes: catalog });
    const bound = fractionalCover(
      { cpu: batch.reduce((s, p) => s + p.requests.milliCpu, 0), memory: batch.reduce((s, p) => s + p.requests.memoryBytes, 0) },
      catalog.map((t) => ({ name: t.name, cpu: t.allocatable.milliCpu, memory: t.allocatable.memoryBytes, pricePerHour: t.offerings[0].pricePerHour })),
    )!;
    expect(plan.newCostPerHour).toBeGreaterThanOrEqual(bound.costPerHour);
    expect(plan.newCostPerHour / bound.costPerHour).toBeLessThan(1.3);
  });
});
