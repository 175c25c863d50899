import { describe, expect, it } from 'vitest';
import { UnavailableOfferings } from '../../../core/cloud/unavailable-offerings.js';
import { InsufficientCapacityError, isInsufficientCapacityError, isNodeClaimNotFoundError, NodeClaimNotFoundError } from '../../../core/cloud/errors.js';
import { ManualClock } from '../../../core/model/clock.js';

const ref = { instanceType: 'm5.large', zone: 'us-east-1a', capacityType: 'spot' as const };

describe('UnavailableOfferings', () => {
  it('excludes an offering for the TTL, then forgets it', () => {
    const clock = new ManualClock(1_000);
    const cache = new UnavailableOfferings(clock, { ttlMs: 60_000 });
    cache.markUnavailable(ref);
    expect(cache.isUnavailable(ref)).toBe(true);
    expect([...cache.excluded()]).toEqual(['m5.large/us-east-1a/spot']);
    clock.advance(59_999);
    expect(cache.isUnavailable(ref)).toBe(true);
    clock.advance(1);
    expect(cache.isUnavailable(ref)).toBe(false);
    expect(cache.excluded().size).toBe(0);
    expect(cache.list()).toEqual([]);
  });

  it('re-marking extends the exclusion', () => {
    const clock = new ManualClock();
    const cache = new UnavailableOfferings(clock, { ttlMs: 100 });
    cache.markUnavailable(ref);
    clock.advance(80);
    cache.markUnavailable([ref]);
    clock.advance(80);
    expect(cache.isUnavailable(ref)).toBe(true);
  });

  it('rejects a negative TTL', () => {
    expect(() => new UnavailableOfferings(new ManualClock(), { ttlMs: -1 })).toThrowError(/ttlMs/);
  });
});

describe('error guards', () => {
  it.each([
    [new InsufficientCapacityError([ref]), true, false],
    [new NodeClaimNotFoundError('aws:///x/i-1'), false, true],
    [Object.assign(new Error('from elsewhere'), { kind: 'InsufficientCapacity', offerings: [] }), true, false],
    [new Error('other'), false, false],
    [undefined, false, false],
  ])('%s', (error, ice, notFound) => {
    expect(isInsufficientCapacityError(error)).toBe(ice);
    expect(isNodeClaimNotFoundError(error)).toBe(notFound);
  });

  it('insufficient capacity names the offerings', () => {
    expect(new InsufficientCapacityError([ref]).message).toContain('m5.large/us-east-1a/spot');
  });
});
