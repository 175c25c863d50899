/** LaunchBackoff (doubling waits after invalid launches), its NodePool status form, and the key a claim is backed off by. */
import { describe, expect, it } from 'vitest';
import { LaunchBackoff } from '../../../core/cloud/unavailable-offerings.js';
import { launchKey } from '../../../core/controllers/claims.js';
import { launchRefusalsStatus, parseLaunchRefusals, restoreLaunchRefusals } from '../../../core/controllers/launch-refusals.js';
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

describe('LaunchBackoff.restore (an entry read back from the API)', () => {
  const entry = (over: Partial<{ key: string; failures: number; refusedAt: number; retryAt: number }> = {}) => ({ key: 'p|', nodePool: 'p', reason: 'x', failures: 2, refusedAt: 1_000, retryAt: 21_000, ...over });

  it('adopts an unknown entry as it is, and continues its doubling', () => {
    const clock = new ManualClock(5_000);
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    expect(backoff.restore(entry())).toBe('adopted');
    expect(backoff.waiting('p|')).toEqual(entry());
    clock.set(21_000);
    expect(backoff.waiting('p|')).toBeUndefined();
    expect(backoff.refused('p|', 'p', 'x')).toMatchObject({ failures: 3, retryAt: 21_000 + 40_000 });
  });

  it('keeps what it knows when the entry is not newer, takes a newer one', () => {
    const clock = new ManualClock(5_000);
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    const own = backoff.refused('p|', 'p', 'mine');
    expect(backoff.restore(entry({ refusedAt: 4_000 }))).toBe('known');
    expect(backoff.restore(entry({ refusedAt: 5_000 }))).toBe('known');
    expect(backoff.waiting('p|')).toBe(own);
    expect(backoff.restore(entry({ refusedAt: 5_001, retryAt: 30_000 }))).toBe('adopted');
    expect(backoff.waiting('p|')).toMatchObject({ failures: 2, retryAt: 30_000 });
  });

  it('does not revive a refusal older than a success it saw, nor an expired one', () => {
    const clock = new ManualClock(5_000);
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    backoff.succeeded('p|');
    expect(backoff.restore(entry())).toBe('forgotten');
    expect(backoff.restore(entry({ refusedAt: 5_001, retryAt: 15_001 }))).toBe('adopted');
    clock.set(15_001 + 60_001);
    expect(backoff.restore(entry({ key: 'q|', refusedAt: 5_001, retryAt: 15_001 }))).toBe('expired');
    expect(backoff.list().map((e) => e.key)).toEqual([]);
  });

  it('caps a wait longer than its own maximum, and a refusal time in the future, at now', () => {
    const clock = new ManualClock(5_000);
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    backoff.restore(entry({ refusedAt: 9e12, retryAt: 9.5e12, failures: 7 }));
    expect(backoff.waiting('p|')).toMatchObject({ refusedAt: 5_000, retryAt: 65_000, failures: 7 });
  });
});

describe('status.launchRefusals', () => {
  it('round-trips the entries (milliseconds kept)', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    backoff.refused('pool|kubernetes.io/arch In amd64', 'pool', 'EC2NodeClass missing not found');
    const status = launchRefusalsStatus(backoff.list());
    expect(status).toEqual([{ key: 'pool|kubernetes.io/arch In amd64', reason: 'EC2NodeClass missing not found', failures: 1, refusedAt: '2026-01-02T03:04:05.678Z', retryAt: '2026-01-02T03:04:15.678Z' }]);
    expect(parseLaunchRefusals('pool', JSON.parse(JSON.stringify({ launchRefusals: status })))).toEqual({ entries: backoff.list(), errors: [] });
  });

  it.each([
    { status: undefined, errors: [] },
    { status: {}, errors: [] },
    { status: { launchRefusals: null }, errors: [] },
    { status: { launchRefusals: 'x' }, errors: ['status.launchRefusals is string, not a list'] },
    { status: { launchRefusals: [42] }, errors: ['status.launchRefusals[0]: not an object'] },
    { status: { launchRefusals: [{ key: '', failures: 1 }] }, errors: ['status.launchRefusals[0]: key must be a non-empty string'] },
    { status: { launchRefusals: [{ key: 'q|', failures: 1 }] }, errors: ['status.launchRefusals[0]: key "q|" is not one of NodePool p\'s'] },
    { status: { launchRefusals: [{ key: 'p|', reason: 3, failures: 1 }] }, errors: ['status.launchRefusals[0]: reason must be a string'] },
    { status: { launchRefusals: [{ key: 'p|', failures: 0 }] }, errors: ['status.launchRefusals[0]: failures must be an integer from 1 to 1000, got 0'] },
    { status: { launchRefusals: [{ key: 'p|', failures: 1.5 }] }, errors: ['status.launchRefusals[0]: failures must be an integer from 1 to 1000, got 1.5'] },
    { status: { launchRefusals: [{ key: 'p|', failures: 1, refusedAt: '2026-01-01', retryAt: '2026-01-01T00:00:00Z' }] }, errors: ['status.launchRefusals[0]: refusedAt "2026-01-01" is not an RFC 3339 time'] },
    { status: { launchRefusals: [{ key: 'p|', failures: 1, refusedAt: '2026-01-01T00:00:00Z', retryAt: '2026-02-31T99:00:00Z' }] }, errors: ['status.launchRefusals[0]: retryAt "2026-02-31T99:00:00Z" is not an RFC 3339 time'] },
    { status: { launchRefusals: [{ key: 'p|', failures: 1, refusedAt: '2026-01-01T00:00:10Z', retryAt: '2026-01-01T00:00:00Z' }] }, errors: ['status.launchRefusals[0]: retryAt is before refusedAt'] },
  ])('ignores $status with a reason', ({ status, errors }) => {
    expect(parseLaunchRefusals('p', status)).toEqual({ entries: [], errors });
  });

  it('keeps the valid items next to bad ones, and reads at most 100', () => {
    const good = { key: 'p|', failures: 2, refusedAt: '2026-01-01T00:00:00Z', retryAt: '2026-01-01T00:01:00+00:00' };
    const parsed = parseLaunchRefusals('p', { launchRefusals: ['bad', good, ...Array(200).fill(good)] });
    expect(parsed.errors).toEqual(['status.launchRefusals has 202 items; read the first 100', 'status.launchRefusals[0]: not an object']);
    expect(parsed.entries).toHaveLength(99);
    expect(parsed.entries[0]).toEqual({ key: 'p|', nodePool: 'p', reason: '', failures: 2, refusedAt: Date.UTC(2026, 0, 1), retryAt: Date.UTC(2026, 0, 1, 0, 1) });
  });
});

describe('status.launchRefusals as written', () => {
  it('holds the newest 100 entries and only keys the reader accepts back, so the status patch is never refused', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    for (let i = 0; i < 150; i++) {
      backoff.refused(`p|zone In z-${i}`, 'p', 'no subnet');
      clock.advance(100); // all 151 still remembered (an entry is forgotten 70 s after it was refused here)
    }
    backoff.refused(`p|${'x'.repeat(5000)}`, 'p', 'requirements too long to write');
    expect(backoff.list()).toHaveLength(151);
    const written = launchRefusalsStatus(backoff.list());
    expect(written).toHaveLength(100);
    expect(new Set(written.map((w) => w.key))).toEqual(new Set(Array.from({ length: 100 }, (_, i) => `p|zone In z-${i + 50}`)));
    // What is written reads back whole, with no complaint.
    const read = parseLaunchRefusals('p', JSON.parse(JSON.stringify({ launchRefusals: written })));
    expect(read.errors).toEqual([]);
    expect(read.entries).toHaveLength(100);
  });

  it('restoring a pool status first keeps the other leader’s items in the list written after a refusal', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const earlier = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    earlier.refused('p|arch In arm64', 'p', 'no arm64 image');
    earlier.refused('p|zone In z-1', 'p', 'no subnet');
    const status = JSON.parse(JSON.stringify({ launchRefusals: launchRefusalsStatus(earlier.list()) }));
    clock.advance(2000);
    // The next leader refuses the zone again before its provisioner has read the status.
    const next = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
    expect(restoreLaunchRefusals(next, 'p', status)).toEqual({ adopted: 2, errors: [] });
    const again = next.refused('p|zone In z-1', 'p', 'no subnet');
    expect(again.failures).toBe(2); // doubling goes on from the earlier leader's count
    expect(launchRefusalsStatus(next.list()).map((w) => w.key).sort()).toEqual(['p|arch In arm64', 'p|zone In z-1']);
    // Garbage in the status adopts nothing and says why.
    expect(restoreLaunchRefusals(next, 'p', { launchRefusals: 'x' })).toEqual({ adopted: 0, errors: ['status.launchRefusals is string, not a list'] });
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
