/** instanceTypesByPool: which pools the provisioner and the disruption planner give their own types. */
import { describe, expect, it } from 'vitest';
import type { CloudProvider } from '../../../core/cloud/provider.js';
import { instanceTypesByPool } from '../../../core/controllers/snapshot.js';
import { instanceType, nodePool } from '../scheduling/builders.js';

describe('instanceTypesByPool', () => {
  const dense = instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096, pods: 110 });

  it("the pools the cloud has a view of; a pool whose view fails plans with the shared types; none: undefined", async () => {
    const cloud = {
      instanceTypesForPool: async (pool: { name: string }) => {
        if (pool.name === 'broken') throw new Error('EC2 unreachable');
        return pool.name === 'dense' ? [dense] : undefined;
      },
    } as unknown as CloudProvider;
    const map = await instanceTypesByPool(cloud, [nodePool({ name: 'dense' }), nodePool({ name: 'plain' }), nodePool({ name: 'broken' })], []);
    expect([...(map ?? new Map()).keys()]).toEqual(['dense']);
    expect(map?.get('dense')).toEqual([dense]);
    expect(await instanceTypesByPool(cloud, [nodePool({ name: 'plain' })], [])).toBeUndefined();
    // A cloud without per-pool views (the simulated one).
    expect(await instanceTypesByPool({} as CloudProvider, [nodePool({ name: 'dense' })], [])).toBeUndefined();
  });
});
