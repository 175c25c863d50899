import { describe, expect, it } from 'vitest';
import { DEFAULT_SHORTFALL_FEEDBACK, nextMargin } from '../../../core/sizing/feedback.js';
import { ServedRecord } from '../../../core/sizing/served-record.js';

const FEEDBACK = { ...DEFAULT_SHORTFALL_FEEDBACK, target: 0.01 };

describe('ServedRecord', () => {
  it('answers the replicas ready at a time with the newest reading at or before it', () => {
    const r = new ServedRecord();
    r.recordReady(100, 3);
    r.recordReady(160, 5);
    r.recordReady(150, 9); // out of order: dropped
    expect([r.readyAt(99), r.readyAt(100), r.readyAt(159), r.readyAt(160), r.readyAt(1e9)]).toEqual([undefined, 3, 3, 5, 5]);
  });

  it('moves the margin once per bucket against the replicas ready at the bucket’s end, skipping buckets before any reading', () => {
    const r = new ServedRecord();
    r.recordReady(100, 2); // 20 rps of capacity at 10 rps per pod
    r.recordReady(200, 10); // 100 rps
    const counted = r.observe(
      [
        { t: 60, v: 500 }, // before any reading: says nothing
        { t: 120, v: 30 }, // short (2 ready)
        { t: 180, v: 15 }, // served
        { t: 240, v: 30 }, // served (10 ready)
        { t: 300, v: 150 }, // short
      ],
      10,
      60,
      FEEDBACK,
    );
    expect(counted).toBe(4);
    let expected = 1;
    for (const short of [true, false, false, true]) expected = nextMargin(expected, short, 60, FEEDBACK);
    expect(r.margin).toBeCloseTo(expected, 12);
    expect(r.margin).toBeGreaterThan(1);
  });

  it('keeps the reading that still answers for the next bucket and drops older ones', () => {
    const r = new ServedRecord();
    r.recordReady(0, 1);
    r.recordReady(50, 4);
    r.observe([{ t: 60, v: 10 }], 10, 60, FEEDBACK);
    expect(r.readyAt(70)).toBe(4);
    expect(r.readyAt(10)).toBeUndefined();
  });

  it('without a usable per-pod capacity, or with a bad starting margin, changes nothing harmful', () => {
    const r = new ServedRecord(Number.NaN);
    expect(r.margin).toBe(1);
    r.recordReady(0, 1);
    expect(r.observe([{ t: 60, v: 1e6 }], 0, 60, FEEDBACK)).toBe(0);
    expect(r.observe([{ t: 60, v: Number.NaN }], 10, 60, FEEDBACK)).toBe(0);
    expect(r.margin).toBe(1);
  });

  it('stays within the feedback’s bounds', () => {
    const r = new ServedRecord(2.9);
    r.recordReady(0, 0);
    r.observe(Array.from({ length: 500 }, (_, i) => ({ t: 60 * (i + 1), v: 100 })), 10, 60, FEEDBACK);
    expect(r.margin).toBe(DEFAULT_SHORTFALL_FEEDBACK.maxMargin);
  });
});

describe('ServedRecord memory', () => {
  it('keeps a reading only when the ready count changes, so the answers are those of every reading', () => {
    const r = new ServedRecord();
    for (let t = 0; t < 10_000; t += 15) r.recordReady(t, t < 5_000 ? 4 : 6);
    expect([r.readyAt(0), r.readyAt(4_999), r.readyAt(5_010), r.readyAt(9_999)]).toEqual([4, 4, 6, 6]);
    // 667 readings, far over the cap of 32: had each been kept, t = 0 would have been dropped. Only the
    // two distinct counts were, so the first still answers for any time before 5,010 s.
    r.observe([{ t: 4_000, v: 50 }], 10, 60, FEEDBACK);
    expect(r.margin).toBeGreaterThan(1);
  });
});
