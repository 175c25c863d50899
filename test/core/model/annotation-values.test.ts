/**
 * Every user-settable smartscale.io/* annotation against the spellings people actually write:
 * units, signs, exponents, NaN/Infinity, blanks, crossed bounds, misspelt keys. Each ignored value
 * gets one warning that names the annotation and quotes the value.
 */
import { describe, expect, it } from 'vitest';
import { Annotations, parseDeploymentSettings, USER_ANNOTATIONS, type DeploymentSettings } from '../../../core/model/annotations.js';

const on = { [Annotations.enabled]: 'true' };

describe.each([
  {
    key: Annotations.minReplicas,
    field: 'minReplicas',
    good: [['0', 0], ['3', 3], [' 7 ', 7], ['10000', 10_000], ['007', 7]],
    bad: ['-1', '+3', '3.0', '1e3', '0x10', '', '  ', 'NaN', 'Infinity', '10001', '3 pods', '٣', '1_000'],
  },
  {
    key: Annotations.maxReplicas,
    field: 'maxReplicas',
    // (String.prototype.trim takes any Unicode blank, the no-break space too.)
    good: [['1', 1], ['50', 50], ['10000', 10_000], ['5\u00a0', 5]],
    bad: ['0', '-5', '1e9', '99999999', '12.5', 'many'],
  },
  {
    key: Annotations.targetRpsPerPod,
    field: 'targetRpsPerPod',
    good: [['12.5', 12.5], ['100', 100], [' 0.5 ', 0.5], ['1000000000', 1e9]],
    bad: ['0', '0.0', '-3', '1e3', '.5', '5.', 'NaN', 'Infinity', '100rps', '1000000001', '1,5'],
  },
  {
    key: Annotations.latencySloMs,
    field: 'latencySloMs',
    good: [['200', 200], ['0.5', 0.5], ['3600000', 3_600_000]],
    bad: ['200ms', '0.2s', '0', '-200', '3600001', 'Infinity', '2e2'],
  },
  {
    key: Annotations.targetUtilization,
    field: 'targetUtilization',
    good: [['0.88', 0.88], ['1', 1], ['0.1', 0.1]],
    bad: ['88%', '88', '0.05', '0', '1.01', '-0.5', 'NaN', '.8'],
  },
  {
    key: Annotations.mode,
    field: 'mode',
    good: [['observe', 'observe'], ['optimize', 'optimize']],
    bad: ['Optimize', 'OBSERVE', ' optimize', 'auto', '', 'true'],
  },
] as Array<{ key: string; field: keyof DeploymentSettings; good: Array<[string, unknown]>; bad: string[] }>)('$key', ({ key, field, good, bad }) => {
  it.each(good)('reads %j', (raw, expected) => {
    const { value, warnings } = parseDeploymentSettings({ ...on, [key]: raw });
    expect(warnings).toEqual([]);
    expect(value[field]).toBe(expected);
  });

  it.each(bad)('ignores %j, naming the annotation and the value', (raw) => {
    const { value, warnings } = parseDeploymentSettings({ ...on, [key]: raw });
    expect(value[field]).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0].startsWith(`${key}=${JSON.stringify(raw)} ignored: expected `)).toBe(true);
  });
});

describe('bounds', () => {
  it('ignores both when the minimum is above the maximum, saying so', () => {
    const { value, warnings } = parseDeploymentSettings({ ...on, [Annotations.minReplicas]: '10', [Annotations.maxReplicas]: '5' });
    expect([value.minReplicas, value.maxReplicas]).toEqual([undefined, undefined]);
    expect(warnings).toEqual([`${Annotations.minReplicas}=10 is above ${Annotations.maxReplicas}=5: both ignored`]);
  });

  it('accepts equal bounds', () => {
    const { value, warnings } = parseDeploymentSettings({ ...on, [Annotations.minReplicas]: '5', [Annotations.maxReplicas]: '5' });
    expect(warnings).toEqual([]);
    expect([value.minReplicas, value.maxReplicas]).toEqual([5, 5]);
  });
});

describe('the opt-in', () => {
  it.each(['True', 'TRUE', 'yes', '1', ' true', 'on'])('warns that %j is not "true"', (raw) => {
    const { value, warnings } = parseDeploymentSettings({ [Annotations.enabled]: raw });
    expect(value.enabled).toBe(false);
    expect(warnings).toEqual([`${Annotations.enabled}=${JSON.stringify(raw)} ignored: expected "true" or "false"`]);
  });
});

describe('keys with the smartscale.io/ prefix that smartscale does not know', () => {
  it.each([
    ['smartscale.io/max-replica', 'max-replicas'],
    ['smartscale.io/minReplicas', 'min-replicas'],
    ['smartscale.io/target-rps', 'target-rps-per-pod'],
    ['smartscale.io/latency-slo', 'latency-slo-ms'],
    ['smartscale.io/modes', 'mode'],
    ['smartscale.io/enable', 'enabled'],
  ])('%s: suggests %s', (key, suggestion) => {
    const { warnings } = parseDeploymentSettings({ ...on, [key]: '5' });
    expect(warnings).toEqual([`"${key}" is not a smartscale annotation and is ignored (did you mean ${suggestion}?)`]);
  });

  it('lists the known settings when nothing is close', () => {
    const { warnings } = parseDeploymentSettings({ ...on, 'smartscale.io/favourite-colour': 'blue' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^"smartscale.io\/favourite-colour" is not a smartscale annotation and is ignored \(known: enabled, mode, min-replicas, /);
  });

  it('says nothing about the keys smartscale writes, nor about other prefixes', () => {
    const written = ['forecast', 'target-replicas', 'peak-replicas', 'capacity', 'decision', 'replicas-owner', 'do-not-disrupt'];
    const annotations = Object.fromEntries([...written.map((k) => [`smartscale.io/${k}`, 'x']), ['smartscale.com/max-replica', '3'], ['app.smartscale.io/x', '1']]);
    expect(parseDeploymentSettings({ ...on, ...annotations }).warnings.filter((w) => w.includes('not a smartscale annotation'))).toEqual([]);
  });

  it('suggests nothing for the bare prefix', () => {
    expect(parseDeploymentSettings({ ...on, 'smartscale.io/': 'x' }).warnings).toEqual([
      expect.stringMatching(/^"smartscale.io\/" is not a smartscale annotation and is ignored \(known: enabled, /),
    ]);
  });

  it('keeps the warning short for a long key', () => {
    const key = `smartscale.io/${'x'.repeat(300)}`;
    const [warning] = parseDeploymentSettings({ ...on, [key]: '1' }).warnings;
    expect(warning.length).toBeLessThan(300);
  });

  it('knows every user setting', () => {
    const annotations = Object.fromEntries(USER_ANNOTATIONS.map((k) => [k, 'x']));
    expect(parseDeploymentSettings(annotations).warnings.filter((w) => w.includes('not a smartscale annotation'))).toEqual([]);
  });
});
