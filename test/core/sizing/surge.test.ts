import { describe, expect, it } from 'vitest';
import { DEFAULT_SURGE, surgeFloorDemand } from '../../../core/sizing/surge.js';

const lead = 110; // metrics lag 30 s + node Ready 60 s + pod start 20 s

describe('surgeFloorDemand', () => {
  it('is the observed demand while it stays within factor × the band', () => {
    // Rising fast, but within what the band allowed for: ordinary noise, no extrapolation.
    expect(surgeFloorDemand(190, 100, 100, lead, DEFAULT_SURGE)).toBe(190);
  });

  it('extrapolates the observed rise over the lead in a surge the band did not see', () => {
    // 100 → 400 rps in 30 s is 10 rps per second; over 110 s that is 1100 more.
    expect(surgeFloorDemand(400, 100, 150, lead, DEFAULT_SURGE)).toBeCloseTo(400 + 10 * lead, 9);
  });

  it('holds the observed demand when a surge has stopped rising or is falling', () => {
    expect(surgeFloorDemand(400, 400, 150, lead, DEFAULT_SURGE)).toBe(400);
    expect(surgeFloorDemand(400, 900, 150, lead, DEFAULT_SURGE)).toBe(400);
  });

  it.each([
    ['no band yet', 400, 100, 0, 400],
    ['factor 0 (off)', 400, 100, 150, 400],
    ['missing observation', Number.NaN, 100, 150, 0],
    ['missing earlier point: the whole level counts as the rise', 400, Number.NaN, 150, 400 + (400 / 30) * lead],
  ])('%s', (name, observed, earlier, expected, want) => {
    const options = name === 'factor 0 (off)' ? { ...DEFAULT_SURGE, factor: 0 } : DEFAULT_SURGE;
    expect(surgeFloorDemand(observed, earlier, expected, lead, options)).toBeCloseTo(want, 9);
  });

  it('rejects a negative factor or an empty window', () => {
    expect(() => surgeFloorDemand(1, 1, 1, lead, { factor: -1, windowSeconds: 30 })).toThrow(/surge/);
    expect(() => surgeFloorDemand(1, 1, 1, lead, { factor: 2, windowSeconds: 0 })).toThrow(/surge/);
  });
});
