/**
 * Label selectors as the planners read them from pods and PDBs: equalities (`matchLabels`, and
 * `key In [one value]` folded in, the usual Helm form) and the other expressions, matched exactly.
 */
import { describe, expect, it } from 'vitest';
import { matchLabels, pdbFromObject, podFromSpec, selectorExpressions } from '../../../core/controllers/objects.js';
import { selectorMatches } from '../../../core/model/pod.js';
import { solve } from '../../../core/scheduling/solver.js';
import { nodePool, pods, smallCatalog } from '../scheduling/builders.js';

describe('label selectors', () => {
  it('matchLabels and single-value In expressions are equalities', () => {
    const selector = { matchLabels: { tier: 'web' }, matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['shop'] }] };
    expect(matchLabels(selector)).toEqual({ tier: 'web', 'app.kubernetes.io/name': 'shop' });
    expect(selectorExpressions(selector)).toEqual([]);
  });

  it('the other expressions are kept as expressions; malformed ones (which the API server refuses) are skipped', () => {
    const selector = {
      matchLabels: { tier: 'web' },
      matchExpressions: [
        { key: 'app', operator: 'In', values: ['a', 'b'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'In', values: ['db'] }, // contradicts matchLabels: kept, so nothing matches
        null,
        { key: 7, operator: 'In', values: ['x'] },
        { key: 'x', operator: 'Gt', values: ['1'] },
      ],
    };
    expect(matchLabels(selector)).toEqual({ tier: 'web' });
    const expressions = selectorExpressions(selector);
    expect(expressions).toEqual([
      { key: 'app', operator: 'In', values: ['a', 'b'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'tier', operator: 'In', values: ['db'] },
    ]);
    expect(selectorMatches(matchLabels(selector), { tier: 'web', app: 'a' }, expressions)).toBe(false); // tier must also be db
    expect(selectorMatches({}, { app: 'b' }, expressions.slice(0, 2))).toBe(true);
    expect(selectorMatches({}, { app: 'b', canary: 'yes' }, expressions.slice(0, 2))).toBe(false);
    expect(selectorMatches({}, { app: 'c' }, expressions.slice(0, 2))).toBe(false);
    expect(matchLabels(undefined)).toEqual({});
    expect(selectorExpressions(undefined)).toEqual([]);
  });

  it('a pod’s hostname anti-affinity written as an expression applies to its own app only, not to every pod', () => {
    const spec = {
      containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }],
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } }] } },
    };
    expect(podFromSpec('default', 'web-1', { app: 'web' }, spec).antiAffinity).toEqual([{ topologyKey: 'kubernetes.io/hostname', labelSelector: { app: 'web' } }]);
  });

  it('a PodDisruptionBudget selecting by expressions guards exactly its own pods', () => {
    const pdb = pdbFromObject({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }, { key: 'track', operator: 'NotIn', values: ['canary'] }] } }, status: { disruptionsAllowed: 1 } });
    expect(pdb.selector).toEqual({ app: 'web' });
    expect(selectorMatches(pdb.selector, { app: 'web' }, pdb.selectorExpressions)).toBe(true);
    expect(selectorMatches(pdb.selector, { app: 'web', track: 'canary' }, pdb.selectorExpressions)).toBe(false);
    expect(selectorMatches(pdb.selector, { app: 'api' }, pdb.selectorExpressions)).toBe(false);
  });

  it('the solver plans by the whole selector: an anti-affinity on `app In [web, api]` keeps web and api apart, not web from db', () => {
    const anti = { topologyKey: 'kubernetes.io/hostname', labelSelector: {}, labelExpressions: [{ key: 'app', operator: 'In' as const, values: ['web', 'api'] }] };
    const web = pods(1, { name: 'web', cpu: 200, labels: { app: 'web' }, antiAffinity: [anti] });
    const api = pods(1, { name: 'api', cpu: 200, labels: { app: 'api' }, antiAffinity: [anti] });
    const db = pods(1, { name: 'db', cpu: 200, labels: { app: 'db' } });
    const result = solve({ pods: [...web, ...api, ...db], existingNodes: [], nodePools: [nodePool()], instanceTypes: smallCatalog() });
    expect(result.unplaceable).toEqual([]);
    // web and api on different nodes; db shares one of them: two nodes, not three.
    expect(result.newNodeClaims).toHaveLength(2);
    const nodeOf = (p: string) => result.newNodeClaims.findIndex((c) => c.pods.some((x) => x.startsWith(`default/${p}`)));
    expect(nodeOf('web')).not.toBe(nodeOf('api'));
  });

  it('topology spread matchLabelKeys: the pod\'s own values join the selector (each rollout spread on its own); keys it lacks are ignored', () => {
    const spec = { containers: [{ name: 'c' }], topologySpreadConstraints: [{ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['pod-template-hash', 'absent'] }] };
    const pod = podFromSpec('shop', 'web-1', { app: 'web', 'pod-template-hash': 'v2' }, spec);
    expect(pod.topologySpread?.[0].labelSelector).toEqual({ app: 'web', 'pod-template-hash': 'v2' });
    const old = { app: 'web', 'pod-template-hash': 'v1' };
    expect(selectorMatches(pod.topologySpread![0].labelSelector, old)).toBe(false);
    // A template (predicted pods) has no hash yet: the plain selector.
    expect(podFromSpec('shop', 'web-predicted-0', { app: 'web' }, spec).topologySpread?.[0].labelSelector).toEqual({ app: 'web' });
  });
});
