/**
 * The interrupted node's hand-off (ADR 100): its pods run until they fit on Ready nodes elsewhere,
 * or until only their graceful shutdown and a margin remain before the cloud takes the instance.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POD_GRACE_SECONDS, handoff, HANDOFF_MARGIN_MS, latestEviction, podGraceMs } from '../../../core/disruption/handoff.js';

const NOTICE = Date.parse('2026-12-05T12:00:00Z');
const DEADLINE = NOTICE + 120_000;

describe('handoff', () => {
  it('before the latest moment: only the pods that fit elsewhere go, the rest until then', () => {
    expect(handoff({ now: NOTICE, deadline: DEADLINE, longestGraceMs: 30_000 })).toEqual({ evict: 'fitting', until: DEADLINE - 30_000 - HANDOFF_MARGIN_MS });
    expect(handoff({ now: DEADLINE - 50_001, deadline: DEADLINE, longestGraceMs: 30_000 }).evict).toBe('fitting');
  });

  it('from the deadline less the longest shutdown and the margin: all go, wherever they fit', () => {
    expect(handoff({ now: DEADLINE - 50_000, deadline: DEADLINE, longestGraceMs: 30_000 })).toEqual({ evict: 'all', why: 'deadline' });
  });

  it('a shutdown longer than the notice leaves nothing to wait for: all at once', () => {
    expect(handoff({ now: NOTICE, deadline: DEADLINE, longestGraceMs: 110_000 })).toEqual({ evict: 'all', why: 'deadline' });
  });

  it('no known deadline (an instance already stopping, an unreadable time): all at once', () => {
    expect(handoff({ now: NOTICE, deadline: undefined, longestGraceMs: 30_000 })).toEqual({ evict: 'all', why: 'no-deadline' });
    expect(handoff({ now: NOTICE, deadline: Number.NaN, longestGraceMs: 30_000 })).toEqual({ evict: 'all', why: 'no-deadline' });
  });

  it('a scheduled change 25 minutes away waits for room for most of them', () => {
    const start = NOTICE + 25 * 60_000;
    expect(latestEviction(start, 30_000)).toBe(start - 50_000);
    expect(handoff({ now: NOTICE + 20 * 60_000, deadline: start, longestGraceMs: 30_000 }).evict).toBe('fitting');
  });
});

describe('podGraceMs', () => {
  it("reads terminationGracePeriodSeconds, Kubernetes' default when unset or invalid", () => {
    expect(podGraceMs({ terminationGracePeriodSeconds: 0 })).toBe(0);
    expect(podGraceMs({ terminationGracePeriodSeconds: 75 })).toBe(75_000);
    for (const bad of [undefined, -1, '30', Number.NaN, Infinity, null]) expect(podGraceMs({ terminationGracePeriodSeconds: bad })).toBe(DEFAULT_POD_GRACE_SECONDS * 1000);
    expect(podGraceMs(undefined)).toBe(30_000);
  });
});
