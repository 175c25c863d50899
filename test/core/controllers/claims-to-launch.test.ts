import { describe, expect, it } from 'vitest';
import { claimsToLaunch } from '../../../core/controllers/provisioner.js';
import type { PlannedNodeClaim } from '../../../core/scheduling/types.js';

const claim = (id: string, pods: string[]) => ({ id, pods }) as unknown as PlannedNodeClaim;
const plan = [claim('c0', ['ns/cache-0']), claim('c1', ['ns/web-0']), claim('c2', ['ns/db-0', 'ns/web-1'])];
const followers = new Set(['ns/web-0', 'ns/web-1']);
const ids = (claims: PlannedNodeClaim[]) => claims.map((c) => c.id);

describe('claimsToLaunch', () => {
  it('the whole plan launches: followers’ claims too', () => {
    expect(ids(claimsToLaunch(plan, 3, 20, followers))).toEqual(['c0', 'c1', 'c2']);
  });

  it('the per-pass cap or a backoff holds a claim back: no claim with a follower on it this pass', () => {
    expect(ids(claimsToLaunch(plan, 3, 2, followers))).toEqual(['c0']);
    expect(ids(claimsToLaunch(plan.slice(1), 3, 20, followers))).toEqual([]);
    // Without followers the cap alone decides.
    expect(ids(claimsToLaunch(plan, 3, 2, new Set()))).toEqual(['c0', 'c1']);
  });
});
