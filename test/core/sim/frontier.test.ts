import { describe, expect, it } from 'vitest';
import { costAtUnserved } from '../../../core/sim/frontier.js';

describe('costAtUnserved', () => {
  it('interpolates the cost where the curve crosses 0.1% unserved', () => {
    const points = [
      { knob: 0.5, costUsd: 200, unservedPct: 0.01 },
      { knob: 0.7, costUsd: 150, unservedPct: 0.2 },
      { knob: 0.9, costUsd: 100, unservedPct: 1 },
    ];
    // Between 0.01% at $200 and 0.2% at $150: 0.1% is 9/19 of the way.
    expect(costAtUnserved(points)).toBeCloseTo(200 - (50 * 9) / 19, 6);
  });

  it('is null when no setting reaches the level, and the cheapest point when all do', () => {
    expect(costAtUnserved([{ knob: 1, costUsd: 10, unservedPct: 0.5 }, { knob: 2, costUsd: 5, unservedPct: 2 }])).toBeNull();
    expect(costAtUnserved([{ knob: 1, costUsd: 10, unservedPct: 0 }, { knob: 2, costUsd: 7, unservedPct: 0.05 }])).toBe(7);
  });
});
