import { describe, expect, it } from 'vitest';
import { Labels, canonicalLabelKey } from '../../../core/model/labels.js';
import { labelSatisfies, labelsSatisfy, nodeSelectorRequirements, RequirementError, validateRequirement, type Requirement } from '../../../core/model/requirements.js';
import { tolerates, toleratesAll, type Taint, type Toleration } from '../../../core/model/scheduling-constraints.js';
import { cheapestOffering, offeringKey, parseOfferingKey } from '../../../core/model/instance-type.js';

describe('labelSatisfies', () => {
  it.each<[Requirement, string | undefined, boolean]>([
    [{ key: 'k', operator: 'In', values: ['a', 'b'] }, 'a', true],
    [{ key: 'k', operator: 'In', values: ['a'] }, 'c', false],
    [{ key: 'k', operator: 'In', values: ['a'] }, undefined, false],
    [{ key: 'k', operator: 'NotIn', values: ['a'] }, 'b', true],
    [{ key: 'k', operator: 'NotIn', values: ['a'] }, undefined, true],
    [{ key: 'k', operator: 'NotIn', values: ['a'] }, 'a', false],
    [{ key: 'k', operator: 'Exists' }, 'x', true],
    [{ key: 'k', operator: 'Exists' }, undefined, false],
    [{ key: 'k', operator: 'DoesNotExist' }, undefined, true],
    [{ key: 'k', operator: 'DoesNotExist' }, 'x', false],
    [{ key: 'k', operator: 'Gt', values: ['4'] }, '8', true],
    [{ key: 'k', operator: 'Gt', values: ['4'] }, '4', false],
    [{ key: 'k', operator: 'Gt', values: ['4'] }, 'large', false],
    [{ key: 'k', operator: 'Lt', values: ['4'] }, '2', true],
    [{ key: 'k', operator: 'Lt', values: ['4'] }, undefined, false],
  ])('%j on %s → %s', (r, value, expected) => {
    expect(labelSatisfies(r, value)).toBe(expected);
  });

  it('normalises smartscale.io aliases to Karpenter keys', () => {
    expect(canonicalLabelKey('smartscale.io/capacity-type')).toBe(Labels.capacityType);
    expect(labelsSatisfy(nodeSelectorRequirements({ 'smartscale.io/instance-family': 'm5' }), { [Labels.instanceFamily]: 'm5' })).toBe(true);
  });
});

describe('validateRequirement', () => {
  it.each<[unknown, RegExp]>([
    [{ key: '', operator: 'In', values: ['a'] }, /key must be/],
    [{ key: 'k', operator: 'Near', values: ['a'] }, /operator must be one of/],
    [{ key: 'k', operator: 'In', values: [] }, /at least one value/],
    [{ key: 'k', operator: 'Exists', values: ['a'] }, /takes no values/],
    [{ key: 'k', operator: 'Gt', values: ['1.5'] }, /one integer/],
    [{ key: 'k', operator: 'Lt', values: ['1', '2'] }, /one integer/],
  ])('rejects %j', (input, message) => {
    expect(() => validateRequirement(input as Requirement)).toThrowError(RequirementError);
    expect(() => validateRequirement(input as Requirement)).toThrowError(message);
  });
});

describe('taints and tolerations', () => {
  const taint: Taint = { key: 'gpu', value: 'true', effect: 'NoSchedule' };
  it.each<[Toleration, boolean]>([
    [{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }, true],
    [{ key: 'gpu', value: 'true' }, true],
    [{ key: 'gpu', operator: 'Equal', value: 'false' }, false],
    [{ key: 'gpu', operator: 'Exists' }, true],
    [{ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ operator: 'Exists' }, true],
    [{ key: 'other', operator: 'Exists' }, false],
  ])('%j tolerates gpu=true:NoSchedule → %s', (toleration, expected) => {
    expect(tolerates(toleration, taint)).toBe(expected);
  });

  it('PreferNoSchedule never blocks; NoExecute does', () => {
    expect(toleratesAll([], [{ key: 'a', effect: 'PreferNoSchedule' }])).toBe(true);
    expect(toleratesAll([], [{ key: 'a', effect: 'NoExecute' }])).toBe(false);
  });
});

describe('offerings', () => {
  it('round-trips offering keys and rejects malformed ones', () => {
    const ref = { instanceType: 'm5.large', zone: 'us-east-1a', capacityType: 'spot' as const };
    expect(parseOfferingKey(offeringKey(ref))).toEqual(ref);
    expect(parseOfferingKey('m5.large/us-east-1a/reserved')).toBeUndefined();
    expect(parseOfferingKey('m5.large')).toBeUndefined();
  });

  it('cheapest offering breaks price ties by zone', () => {
    const offerings = [
      { zone: 'b', capacityType: 'on-demand' as const, pricePerHour: 1, available: true },
      { zone: 'a', capacityType: 'on-demand' as const, pricePerHour: 1, available: true },
      { zone: 'c', capacityType: 'spot' as const, pricePerHour: 2, available: true },
    ];
    expect(cheapestOffering(offerings)?.zone).toBe('a');
  });
});
