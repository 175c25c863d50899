import { describe, expect, it } from 'vitest';
import { formatLabelSelector, labelSelectorObjectRequirements, labelsMatch, parseFieldSelector, parseLabelSelector, SelectorError, selectorPredicate } from '../../../core/sandbox/apiserver/selectors.js';

const labels = { app: 'web', env: 'prod', 'smartscale.io/enabled': 'true' };

describe('label selectors', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['env in (prod, staging)', true],
    ['env notin (prod)', false],
    ['smartscale.io/enabled', true],
    ['!smartscale.io/enabled', false],
    ['!missing,app=web', true],
    ['missing!=x', true],
    ['app=web,env=dev', false],
    ['', true],
  ])('%s → %s', (selector, expected) => {
    expect(labelsMatch(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(['app in (a', 'a b c', '=x', 'bad key!=x'])('%s is rejected', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorError);
  });

  it('turns LabelSelector objects into requirements and back', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }, { key: 'x', operator: 'DoesNotExist' }] };
    expect(labelsMatch(labelSelectorObjectRequirements(sel), labels)).toBe(true);
    expect(formatLabelSelector(sel)).toBe('app=web,env in (prod),!x');
    expect(() => labelSelectorObjectRequirements({ matchExpressions: [{ key: 'a', operator: 'Near' }] })).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  it.each([
    ['metadata.name=p', true],
    ['metadata.namespace=other', false],
    ['spec.nodeName=n1,status.phase=Running', true],
    ['spec.nodeName!=n1', false],
    ['status.phase!=Pending', true],
  ])('%s → %s', (selector, expected) => {
    expect(selectorPredicate(undefined, selector)!(pod)).toBe(expected);
  });

  it('rejects fields it does not index', () => {
    expect(() => parseFieldSelector('spec.containers=x')).toThrow('field label not supported');
  });
});
