import { describe, expect, it } from 'vitest';
import { PRESET_NAMES, PRESETS } from '../../../core/metrics/presets.js';
import { renderTemplate, TemplateError, validateTemplate } from '../../../core/metrics/template.js';

const values = { namespace: 'shop', deployment: 'web', window: '2m' };

describe('renderTemplate', () => {
  it('fills placeholders inside label values and the window outside', () => {
    expect(renderTemplate('sum(rate(x{namespace="{namespace}", app="{deployment}"}[{window}]))', values)).toBe(
      'sum(rate(x{namespace="shop", app="web"}[2m]))',
    );
  });

  it.each([
    ['double quotes', 'x{a="{deployment}"}', 'we"b\\', 'x{a="we\\"b\\\\"}'],
    ['single quotes', "x{a='{deployment}'}", "it's", "x{a='it\\'s'}"],
    ['newline', 'x{a="{deployment}"}', 'a\nb', 'x{a="a\\nb"}'],
    ['regex after =~', 'x{pod=~"{deployment}-.*"}', 'web.v2', 'x{pod=~"web\\\\.v2-.*"}'],
    ['regex after !~ with spaces', 'x{pod !~ "{deployment}"}', 'a+b', 'x{pod !~ "a\\\\+b"}'],
    ['no regex escaping after =', 'x{pod="{deployment}"}', 'web.v2', 'x{pod="web.v2"}'],
  ])('escapes values for %s', (_name, template, deployment, expected) => {
    expect(renderTemplate(template, { ...values, deployment })).toBe(expected);
  });

  it('cannot be broken out of: an injected matcher stays inside the string', () => {
    const hostile = '"} or vector(1e9) or x{a="';
    const out = renderTemplate('sum(x{app="{deployment}"})', { ...values, deployment: hostile });
    expect(out).toBe('sum(x{app="\\"} or vector(1e9) or x{a=\\""})');
  });

  it('leaves label-matcher braces and escaped quotes alone', () => {
    expect(renderTemplate('x{a="q\\"{namespace}"}', values)).toBe('x{a="q\\"shop"}');
    expect(renderTemplate('x{le="{deployment}"} > {window}', values)).toBe('x{le="web"} > 2m');
  });

  it.each([
    ['placeholder outside a string', 'sum(x{namespace={namespace}})', /must be inside a quoted label value/],
    ['unterminated string', 'x{a="{namespace}}', /unterminated/],
    ['empty query', '  ', /empty/],
  ])('rejects %s', (_name, template, message) => {
    expect(() => renderTemplate(template, values)).toThrow(TemplateError);
    expect(() => renderTemplate(template, values)).toThrow(message);
  });

  it('rejects {deployment} in a query without a deployment (edges)', () => {
    expect(() => renderTemplate('x{a="{deployment}"}', { namespace: 'n', window: '1m' })).toThrow(/no value/);
  });

  it('rejects a window that is not a duration', () => {
    expect(() => renderTemplate('rate(x[{window}])', { ...values, window: '1m]) or vector(1' })).toThrow(/not a duration/);
  });

  it('validateTemplate returns the reason or undefined', () => {
    expect(validateTemplate('sum(rate(x{a="{deployment}"}[{window}]))')).toBeUndefined();
    expect(validateTemplate('x{a={deployment}}')).toMatch(/quoted/);
  });

  it('every preset renders for every signal', () => {
    for (const name of PRESET_NAMES) {
      const preset = PRESETS[name];
      for (const template of [preset.demand, preset.latencyP95Ms]) {
        const out = renderTemplate(template, values);
        expect(out).not.toMatch(/\{(namespace|deployment|window)\}/);
        expect(out).toContain('[2m]');
      }
      if (preset.edges) expect(renderTemplate(preset.edges.query, { namespace: 'shop', window: '2m' })).toContain('[2m]');
    }
  });
});
