import { describe, expect, it } from 'vitest';
import { NO_NODE_TERM, nodeSelectorTerms, requiredNodeAffinityTerms } from '../../../core/model/node-selector-terms.js';
import { labelsSatisfy, NODE_NAME_FIELD } from '../../../core/model/requirements.js';

const arm = { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] };

describe('nodeSelectorTerms', () => {
  it('no list, or an empty one, is no constraint', () => {
    expect(nodeSelectorTerms(undefined)).toBeUndefined();
    expect(nodeSelectorTerms([])).toBeUndefined();
    expect(nodeSelectorTerms('junk')).toBeUndefined();
    expect(requiredNodeAffinityTerms({ containers: [] })).toBeUndefined();
  });

  it('keeps each term an AND of its expressions and fields, the terms ORed', () => {
    const terms = nodeSelectorTerms([{ matchExpressions: [arm], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['old'] }] }, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]);
    expect(terms).toEqual([
      [arm, { key: NODE_NAME_FIELD, operator: 'NotIn', values: ['old'] }],
      [{ key: 'zone', operator: 'Exists' }],
    ]);
  });

  it('an empty term matches no node: skipped beside others, and alone it leaves no node at all', () => {
    expect(nodeSelectorTerms([{}, { matchExpressions: [arm] }])).toEqual([[arm]]);
    const none = nodeSelectorTerms([{ matchExpressions: [], matchFields: [] }])!;
    expect(none).toEqual([[...NO_NODE_TERM]]);
    expect(labelsSatisfy(none[0], { 'kubernetes.io/arch': 'arm64' }, 'any-node')).toBe(false);
    expect(labelsSatisfy(none[0], {}, undefined)).toBe(false);
  });

  it('a malformed requirement makes its term match nothing (never a wider term)', () => {
    expect(nodeSelectorTerms([{ matchExpressions: [arm, { key: 'x', operator: 'Near' }] }, { matchExpressions: [arm] }])).toEqual([[arm]]);
    expect(nodeSelectorTerms([{ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['u'] }] }])).toEqual([[...NO_NODE_TERM]]);
    expect(nodeSelectorTerms([{ matchExpressions: [{ operator: 'In', values: ['a'] }] }])).toEqual([[...NO_NODE_TERM]]);
  });

  it('matchFields on metadata.name is compared with the node name; a node not launched yet has none', () => {
    const [pinned] = nodeSelectorTerms([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] }])!;
    expect(labelsSatisfy(pinned, {}, 'node-a')).toBe(true);
    expect(labelsSatisfy(pinned, {}, 'node-b')).toBe(false);
    expect(labelsSatisfy(pinned, {}, undefined)).toBe(false);
    // A label of that spelling cannot stand in for the name.
    expect(labelsSatisfy(pinned, { [NODE_NAME_FIELD]: 'node-a', 'metadata.name': 'node-a' }, 'node-b')).toBe(false);
    const [avoid] = nodeSelectorTerms([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-a'] }] }])!;
    expect(labelsSatisfy(avoid, {}, 'node-a')).toBe(false);
    expect(labelsSatisfy(avoid, {}, undefined)).toBe(true);
  });
});
