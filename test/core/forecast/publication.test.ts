import { describe, expect, it } from 'vitest';
import { changedMaterially, refreshDue, refreshPhaseSeconds, surging, type PublicationRule } from '../../../core/forecast/publication.js';
import type { ForecastAnnotation } from '../../../core/model/annotations.js';

const rule: PublicationRule = { threshold: 0.05, refreshSeconds: 300 };
const KEY = 'shop/web';

/** A published forecast at t=1000 s, 60 s steps, a band rising 100 → 190 rps over 10 steps. */
function published(over: Partial<ForecastAnnotation> = {}): ForecastAnnotation {
  const upper = Array.from({ length: 10 }, (_, i) => 100 + 10 * i);
  return { v: 1, generatedAt: 1000, stepSeconds: 60, point: upper.map((u) => u * 0.8), upper, quantile: 0.965, model: 'blend', observed: 80, ...over };
}

/** The same forecast one step later: the band shifted by one step and flat past the old horizon, so nothing ahead changed. */
function oneStepLater(over: Partial<ForecastAnnotation> = {}): ForecastAnnotation {
  const base = published();
  const upper = [...base.upper.slice(1), 190];
  return { ...base, generatedAt: 1060, point: upper.map((u) => u * 0.8), upper, ...over };
}

describe('forecast publication rule', () => {
  it('does not republish a forecast that only moved along in time', () => {
    expect(changedMaterially(published(), oneStepLater(), KEY, rule)).toBe(false);
  });

  it('republishes when the band ahead moves by more than the threshold, not within it', () => {
    const within = oneStepLater();
    within.upper = within.upper.map((u) => u * 1.04);
    expect(changedMaterially(published(), within, KEY, rule)).toBe(false);
    const beyond = oneStepLater();
    beyond.upper = beyond.upper.map((u) => u * 1.08);
    expect(changedMaterially(published(), beyond, KEY, rule)).toBe(true);
  });

  it('republishes when staleness flips either way', () => {
    expect(changedMaterially(published(), { ...published(), stale: true }, KEY, rule)).toBe(true);
    expect(changedMaterially(published({ stale: true }), oneStepLater(), KEY, rule)).toBe(true);
  });

  it('never republishes a forecast no newer than the published one on its own', () => {
    const older = published({ generatedAt: 940 });
    older.upper = older.upper.map((u) => u * 2);
    expect(changedMaterially(published(), older, KEY, rule)).toBe(false);
    expect(changedMaterially(published(), published(), KEY, rule)).toBe(false);
  });

  it('refreshes each key once per refresh period, at a phase fixed per key', () => {
    const phase = refreshPhaseSeconds(KEY, 300);
    expect(phase).toBeGreaterThanOrEqual(0);
    expect(phase).toBeLessThan(300);
    expect(refreshPhaseSeconds(KEY, 300)).toBe(phase);
    // A flat band: nothing but time changes. The refresh instant is phase + k × 300.
    const flat = Array.from({ length: 10 }, () => 150);
    const at = (generatedAt: number) => published({ generatedAt, upper: flat, point: flat.map((u) => u * 0.8) });
    const instant = 3000 + phase;
    expect(changedMaterially(at(instant - 290), at(Math.floor(instant) - 1), KEY, rule)).toBe(false);
    expect(changedMaterially(at(instant - 290), at(Math.ceil(instant)), KEY, rule)).toBe(true);
    // Published just after its instant: the next refresh is a whole period later, never later than that.
    expect(changedMaterially(at(Math.ceil(instant)), at(Math.floor(instant) + 299), KEY, rule)).toBe(false);
    expect(changedMaterially(at(Math.ceil(instant)), at(Math.ceil(instant) + 300), KEY, rule)).toBe(true);
  });

  it('spreads the refreshes of Deployments that all published at once evenly over the period', () => {
    // 2,000 Deployments published together at t = 6000 (a backfill); passes every 60 s after.
    const keys = Array.from({ length: 2000 }, (_, i) => `bench/svc-${i}`);
    const perPass = [0, 0, 0, 0, 0, 0];
    for (const k of keys) {
      for (let pass = 1; pass <= 5; pass++) {
        if (refreshDue(k, 6000 + (pass - 1) * 60, 6000 + pass * 60, 300)) perPass[pass]++;
      }
    }
    // Each refreshes exactly once in the first period, about a fifth of them in each pass.
    expect(perPass.reduce((a, b) => a + b, 0)).toBe(2000);
    for (let pass = 1; pass <= 5; pass++) {
      expect(perPass[pass]).toBeGreaterThan(400 * 0.85);
      expect(perPass[pass]).toBeLessThan(400 * 1.15);
    }
  });

  it('is never due over an empty or backward interval, or with no period', () => {
    expect(refreshDue(KEY, 1000, 1000, 300)).toBe(false);
    expect(refreshDue(KEY, 2000, 1000, 300)).toBe(false);
    expect(refreshDue(KEY, 0, 1e6, 0)).toBe(false);
    expect(refreshDue(KEY, 0, 1e6, Number.NaN)).toBe(false);
  });

  describe('learned per-pod capacity', () => {
    it('appearing or going is material', () => {
      expect(changedMaterially(published(), oneStepLater({ learnedRpsPerPod: 24 }), KEY, rule)).toBe(true);
      expect(changedMaterially(published({ learnedRpsPerPod: 24 }), oneStepLater(), KEY, rule)).toBe(true);
    });

    it('drifting within the threshold is not; moving beyond it is', () => {
      expect(changedMaterially(published({ learnedRpsPerPod: 24 }), oneStepLater({ learnedRpsPerPod: 24.9 }), KEY, rule)).toBe(false);
      expect(changedMaterially(published({ learnedRpsPerPod: 24 }), oneStepLater({ learnedRpsPerPod: 23.1 }), KEY, rule)).toBe(false);
      expect(changedMaterially(published({ learnedRpsPerPod: 24 }), oneStepLater({ learnedRpsPerPod: 26 }), KEY, rule)).toBe(true);
      expect(changedMaterially(published({ learnedRpsPerPod: 24 }), oneStepLater({ learnedRpsPerPod: 22.5 }), KEY, rule)).toBe(true);
    });
  });

  it('a margin that moved beyond the threshold is material (absent counts as 1)', () => {
    expect(changedMaterially(published(), oneStepLater({ margin: 1.03 }), KEY, rule)).toBe(false);
    expect(changedMaterially(published(), oneStepLater({ margin: 1.1 }), KEY, rule)).toBe(true);
    expect(changedMaterially(published({ margin: 1.2 }), oneStepLater(), KEY, rule)).toBe(true);
  });

  describe('surge floor', () => {
    it('a floor at the observed demand is no surge and rides along', () => {
      expect(surging(published({ observed: 80, surgeFloor: 80 }))).toBe(false);
      expect(changedMaterially(published(), oneStepLater({ surgeFloor: 80 }), KEY, rule)).toBe(false);
    });

    it('a surge starting or ending is material', () => {
      expect(surging(published({ observed: 80, surgeFloor: 160 }))).toBe(true);
      expect(changedMaterially(published(), oneStepLater({ surgeFloor: 160 }), KEY, rule)).toBe(true);
      expect(changedMaterially(published({ surgeFloor: 160 }), oneStepLater({ surgeFloor: 80 }), KEY, rule)).toBe(true);
    });

    it('while surging, the floor moving beyond the threshold is material, within it is not', () => {
      expect(changedMaterially(published({ surgeFloor: 160 }), oneStepLater({ surgeFloor: 164 }), KEY, rule)).toBe(false);
      expect(changedMaterially(published({ surgeFloor: 160 }), oneStepLater({ surgeFloor: 200 }), KEY, rule)).toBe(true);
    });
  });

  it('the peak of the whole new horizon counts too (a new peak past the old horizon)', () => {
    const next = oneStepLater();
    next.upper[next.upper.length - 1] = 400;
    expect(changedMaterially(published(), next, KEY, rule)).toBe(true);
  });

  it('a looser threshold tolerates more', () => {
    const next = oneStepLater();
    next.upper = next.upper.map((u) => u * 1.08);
    expect(changedMaterially(published(), next, KEY, { ...rule, threshold: 0.1 })).toBe(false);
  });
});
