import { describe, expect, it } from 'vitest';
import { CelError, compileCel, evaluateCondition } from '../../../core/sandbox/apiserver/cel.js';

const vars = {
  object: { metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'smartscale.io/enabled': 'true', 'smartscale.io/mode': 'optimize' } }, spec: { replicas: 3, list: [1, 2] } },
  oldObject: null,
  request: { operation: 'CREATE', namespace: 'default' },
};

describe('CEL subset for matchConditions', () => {
  it.each([
    ["object.metadata.annotations['smartscale.io/enabled'] == 'true'", true],
    ["has(object.metadata.annotations) && object.metadata.annotations['smartscale.io/enabled'] == 'true'", true],
    ["has(object.metadata.finalizers) && object.metadata.finalizers[0] == 'x'", false],
    ["'smartscale.io/mode' in object.metadata.annotations && object.metadata.annotations['smartscale.io/mode'] in ['observe', 'optimize']", true],
    ["request.operation == 'CREATE' || request.operation == 'UPDATE'", true],
    ['object.spec.replicas >= 2 && object.spec.replicas < 10', true],
    ['!(object.spec.replicas > 5)', true],
    ['size(object.spec.list) == 2 && object.spec.list.size() == 2', true],
    ["object.metadata.name.startsWith('we') && object.metadata.name.endsWith('b') && object.metadata.name.contains('e')", true],
    ['oldObject == null', true],
    ["object.spec.replicas > 1 ? 'many' == 'many' : false", true],
    // CEL absorbs errors in && and ||: false && error is false, true || error is true.
    ["object.metadata.labels['missing'] == 'x' && false", false],
    ["true || object.metadata.labels['missing'] == 'x'", true],
  ])('%s → %s', (expression, expected) => {
    expect(evaluateCondition(expression, vars)).toBe(expected);
  });

  it.each([
    ["object.metadata.labels['missing'] == 'x'", 'no such key'],
    ['object.spec.replicas + ', 'unexpected'],
    ['unknownVar == 1', 'undeclared reference'],
    ["object.metadata.name", 'did not evaluate to a bool'],
    ['has(object)', 'has() needs a field selection'],
    ["'unterminated", 'unterminated string'],
  ])('%s is an error (%s)', (expression, message) => {
    expect(() => evaluateCondition(expression, vars)).toThrow(CelError);
    expect(() => evaluateCondition(expression, vars)).toThrow(message);
  });

  it('compiles once and evaluates against different variables', () => {
    const f = compileCel("object.metadata.name == 'a'");
    expect(f({ object: { metadata: { name: 'a' } } })).toBe(true);
    expect(f({ object: { metadata: { name: 'b' } } })).toBe(false);
  });
});
