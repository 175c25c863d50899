import { describe, expect, it } from 'vitest';
import { createModel, MODEL_NAMES, type ModelName } from '../../../core/forecast/forecaster.js';
import type { SeasonContext } from '../../../core/forecast/models/model.js';
import { SeasonalProfile } from '../../../core/forecast/profile.js';

const H = 5;
const P = 96; // a "day" of 96 steps for speed

function run(name: ModelName, values: number[], season = false): number[] {
  const model = createModel(name);
  const ctx: SeasonContext = { season: season ? { daily: P } : {}, daily: new SeasonalProfile(P, 96) };
  for (let t = 0; t < values.length; t++) {
    model.observe(t, values[t], ctx);
    if (Number.isFinite(values[t])) ctx.daily!.observe(t, values[t]);
  }
  const out = new Float64Array(H);
  model.forecastInto(values.length - 1, out, H, ctx);
  return Array.from(out);
}

const constant = Array.from({ length: 600 }, () => 50);
const trend = Array.from({ length: 600 }, (_, t) => 10 + 0.5 * t);
const seasonal = Array.from({ length: 20 * P }, (_, t) => 100 + 50 * Math.sin((2 * Math.PI * t) / P));

describe.each(MODEL_NAMES.map((n) => [n]))('%s', (name) => {
  it('forecasts a constant series as that constant', () => {
    for (const v of run(name, constant)) expect(v).toBeCloseTo(50, 0);
  });

  it('skips gaps without losing its state', () => {
    const gappy = constant.map((v, t) => (t % 7 === 3 ? NaN : v));
    for (const v of run(name, gappy)) expect(v).toBeCloseTo(50, 0);
  });

  it('forecasts zero for an all-zero series and never goes negative', () => {
    for (const v of run(name, new Array(300).fill(0))) expect(v).toBe(0);
    const falling = Array.from({ length: 300 }, (_, t) => Math.max(0, 300 - 2 * t));
    for (const v of run(name, falling)) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('is moved only boundedly by one spike', () => {
    const spiked = [...constant];
    spiked[590] = 5000;
    for (const v of run(name, spiked)) expect(v).toBeLessThan(name === 'persistence' || name === 'seasonal-naive' ? 51 : 600);
  });
});

describe('known answers', () => {
  it('holt follows a linear trend closer than ewma, which lags it', () => {
    const next = 10 + 0.5 * trend.length;
    const holt = run('holt', trend)[0];
    const ewma = run('ewma', trend)[0];
    expect(ewma).toBeLessThan(next - 1);
    expect(Math.abs(holt - next)).toBeLessThan(Math.abs(ewma - next));
  });

  it('seasonal models reproduce a pure seasonal series', () => {
    const n = seasonal.length;
    const truth = Array.from({ length: H }, (_, h) => 100 + 50 * Math.sin((2 * Math.PI * (n + h)) / P));
    for (const name of ['seasonal-naive', 'holt-winters', 'seasonal-ratio'] as const) {
      const f = run(name, seasonal, true);
      f.forEach((v, h) => expect(Math.abs(v - truth[h])).toBeLessThan(8)); // amplitude 50
    }
  });
});
