/**
 * Label selectors as the planners read them from pods and PDBs: equalities, with `key In [one value]`
 * expressions folded in (the usual Helm form); other expressions are left out, which errs strict.
 */
import { describe, expect, it } from 'vitest';
import { matchLabels, pdbFromObject, podFromSpec } from '../../../core/controllers/objects.js';

describe('label selectors', () => {
  it('matchLabels and single-value In expressions are equalities', () => {
    expect(matchLabels({ matchLabels: { tier: 'web' }, matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['shop'] }] })).toEqual({ tier: 'web', 'app.kubernetes.io/name': 'shop' });
  });

  it('expressions that are not equalities are left out (the selector then matches more pods, never fewer)', () => {
    const selector = {
      matchLabels: { tier: 'web' },
      matchExpressions: [
        { key: 'app', operator: 'In', values: ['a', 'b'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'In', values: ['db'] }, // contradicts matchLabels: the equality already there stays
        null,
        { key: 7, operator: 'In', values: ['x'] },
      ],
    };
    expect(matchLabels(selector)).toEqual({ tier: 'web' });
    expect(matchLabels(undefined)).toEqual({});
  });

  it('a pod’s hostname anti-affinity written as an expression applies to its own app only, not to every pod', () => {
    const spec = {
      containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }],
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } }] } },
    };
    expect(podFromSpec('default', 'web-1', { app: 'web' }, spec).antiAffinity).toEqual([{ topologyKey: 'kubernetes.io/hostname', labelSelector: { app: 'web' } }]);
  });

  it('a PodDisruptionBudget selecting by expression guards its own pods', () => {
    const pdb = pdbFromObject({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } }, status: { disruptionsAllowed: 1 } });
    expect(pdb.selector).toEqual({ app: 'web' });
  });
});
