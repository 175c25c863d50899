import { describe, expect, it } from 'vitest';
import { DEFAULT_SURGE, nextAboveBandRun, surgeFloorDemand } from '../../../core/sizing/surge.js';

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

  it('rejects a negative factor or run length, or an empty window', () => {
    expect(() => surgeFloorDemand(1, 1, 1, lead, { ...DEFAULT_SURGE, factor: -1 })).toThrow(/surge/);
    expect(() => surgeFloorDemand(1, 1, 1, lead, { ...DEFAULT_SURGE, windowSeconds: 0 })).toThrow(/surge/);
    expect(() => surgeFloorDemand(1, 1, 1, lead, { ...DEFAULT_SURGE, sustainBuckets: -1 })).toThrow(/surge/);
  });
});

describe('surgeFloorDemand after buckets in a row above their band', () => {
  // 190 rps against a band of 150: within 2× the band, so the factor alone does not extrapolate.
  it.each([
    [0, 190],
    [1, 190],
    [2, 190],
    [3, 190 + 3 * lead],
    [7, 190 + 3 * lead],
  ])('after %i bucket(s) above the band the floor is %d', (run, want) => {
    expect(DEFAULT_SURGE.sustainBuckets).toBe(3);
    expect(surgeFloorDemand(190, 100, 150, lead, DEFAULT_SURGE, run)).toBeCloseTo(want, 9);
  });

  it('extrapolates without any band by the run alone, and never with the rule off', () => {
    expect(surgeFloorDemand(190, 100, 0, lead, DEFAULT_SURGE, 3)).toBeCloseTo(190 + 3 * lead, 9);
    expect(surgeFloorDemand(190, 100, 150, lead, { ...DEFAULT_SURGE, sustainBuckets: 0 }, 10)).toBe(190);
    // Factor off, run on: the run still counts.
    expect(surgeFloorDemand(190, 100, 150, lead, { ...DEFAULT_SURGE, factor: 0 }, 3)).toBeCloseTo(190 + 3 * lead, 9);
  });
});

describe('nextAboveBandRun', () => {
  it.each([
    ['above the band: one more', 2, 160, 150, 3],
    ['at the band: broken', 2, 150, 150, 0],
    ['below: broken', 5, 100, 150, 0],
    ['no band (0): broken', 2, 160, 0, 0],
    ['no band (NaN): broken', 2, 160, Number.NaN, 0],
    ['a gap: broken', 2, Number.NaN, 150, 0],
    ['first miss', 0, 151, 150, 1],
  ])('%s', (_name, run, value, band, want) => {
    expect(nextAboveBandRun(run, value, band)).toBe(want);
  });
});
