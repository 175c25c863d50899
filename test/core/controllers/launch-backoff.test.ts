/** LaunchBackoff (doubling waits after invalid launches) and the key a claim is backed off by. */
import { describe, expect, it } from 'vitest';
import { LaunchBackoff } from '../../../core/cloud/unavailable-offerings.js';
import { launchKey } from '../../../core/controllers/claims.js';
import { ManualClock } from '../../../core/model/clock.js';

describe('LaunchBackoff', () => {
  it('doubles the wait on each refusal in a row, up to the maximum', () => {
    const clock = new ManualClock(0);
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const entry = backoff.refused('k', 'pool', 'no node class');
      waits.push(entry.retryAt - clock.now());
      expect(backoff.waiting('k')).toBe(entry);
      clock.advance(entry.retryAt - clock.now());
      expect(backoff.waiting('k')).toBeUndefined();
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('a success forgets the key; other keys wait on their own', () => {
    const clock = new ManualClock(0);
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    backoff.refused('a', 'pool', 'x');
    backoff.refused('a', 'pool', 'x');
    expect(backoff.waiting('b')).toBeUndefined();
    backoff.succeeded('a');
    expect(backoff.list()).toEqual([]);
    expect(backoff.refused('a', 'pool', 'x').failures).toBe(1);
  });

  it('an entry nobody retried for the maximum wait past its retry time is dropped', () => {
    const clock = new ManualClock(0);
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    backoff.refused('a', 'pool', 'x');
    clock.advance(70_000);
    expect(backoff.list()).toHaveLength(1);
    clock.advance(1);
    expect(backoff.list()).toEqual([]);
    expect(backoff.refused('a', 'pool', 'x').failures).toBe(1);
  });

  it.each([
    { initialMs: 0, maxMs: 10 },
    { initialMs: 10, maxMs: 5 },
    { initialMs: 10, maxMs: Infinity },
  ])('rejects initialMs=$initialMs maxMs=$maxMs', (options) => {
    expect(() => new LaunchBackoff(new ManualClock(0), options)).toThrow(RangeError);
  });
});

describe('launchKey', () => {
  it('ignores the instance type options and the order of requirements and values', () => {
    const a = launchKey('p', [
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['t3.medium'] },
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['b', 'a'] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
    ]);
    const b = launchKey('p', [
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] },
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m6i.large', 't3.large'] },
    ]);
    expect(a).toBe(b);
    expect(launchKey('q', [])).not.toBe(launchKey('p', []));
    expect(launchKey('p', [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }])).not.toBe(launchKey('p', [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }]));
  });
});
