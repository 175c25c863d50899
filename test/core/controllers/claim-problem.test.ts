/**
 * Which NodeClaims the lifecycle refuses to launch: only claims of an existing, valid NodePool,
 * with instance type options and readable requests — a claim made by hand (or restored from a
 * backup) with no pool was launched as whatever its requests asked, outside every pool's limits.
 */
import { describe, expect, it } from 'vitest';
import { claimProblem } from '../../../core/controllers/claims.js';
import type { KubeObject } from '../../../core/kube/client.js';

const pools = new Set(['default']);
function claim(spec: unknown): KubeObject {
  return { apiVersion: 'smartscale.io/v1', kind: 'NodeClaim', metadata: { name: 'c' }, spec } as KubeObject;
}
const good = { nodePool: 'default', instanceTypeOptions: ['m6i.large'], requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }], resources: { requests: { cpu: '1', memory: '1Gi' } } };

describe('claimProblem', () => {
  it('a claim shaped like the provisioner makes is launchable', () => {
    expect(claimProblem(claim(good), pools)).toBeUndefined();
    expect(claimProblem(claim({ nodePool: 'default', instanceTypeOptions: ['m6i.large'] }), pools)).toBeUndefined();
  });

  it('no pool, an unknown pool or an invalid one: not launched', () => {
    expect(claimProblem(claim({ ...good, nodePool: undefined }), pools)).toMatch(/spec.nodePool is empty/);
    expect(claimProblem(claim({ ...good, nodePool: '' }), pools)).toMatch(/spec.nodePool is empty/);
    expect(claimProblem(claim({ ...good, nodePool: 'gone' }), pools)).toBe('NodePool "gone" does not exist or is invalid');
    expect(claimProblem(claim({ ...good, nodePool: 7 }), pools)).toMatch(/spec.nodePool is empty/);
  });

  it('malformed specs: a clear reason each', () => {
    expect(claimProblem(claim(null), pools)).toBe('spec is missing');
    expect(claimProblem(claim('x'), pools)).toBe('spec is missing');
    expect(claimProblem(claim({ ...good, instanceTypeOptions: [] }), pools)).toMatch(/instanceTypeOptions/);
    expect(claimProblem(claim({ ...good, instanceTypeOptions: [''] }), pools)).toMatch(/instanceTypeOptions/);
    expect(claimProblem(claim({ ...good, requirements: 'x' }), pools)).toMatch(/requirements must be a list/);
    expect(claimProblem(claim({ ...good, requirements: [{ key: 1 }] }), pools)).toMatch(/requirements must be a list/);
    expect(claimProblem(claim({ ...good, resources: { requests: [] } }), pools)).toMatch(/requests must be a resource list/);
    expect(claimProblem(claim({ ...good, resources: { requests: { cpu: 'lots' } } }), pools)).toMatch(/^spec.resources.requests: .*lots/);
  });
});
