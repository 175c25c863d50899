import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SeriesForecaster, type Forecast, type ForecasterState } from '../../../core/forecast/forecaster.js';

/**
 * A state saved by the code before the trackers and the blend model were made lean (one buffer per
 * tracker allocated when first filed; the blend's pending features recomputed from a per-origin
 * record): the format did not change, and what a restored forecaster does must not either.
 */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/forecaster-state-before-lean-trackers.json', import.meta.url), 'utf8')) as {
  state: ForecasterState;
  atRestore: Pick<Forecast, 'point' | 'upper' | 'modelPerStep' | 'recentRelMae' | 'season'>;
  next: number[];
  afterNext: Pick<Forecast, 'point' | 'upper' | 'modelPerStep' | 'recentRelMae' | 'season'>;
  errorsAfterNext: Array<Record<string, number | null>>;
};

const picked = (f: Forecast) => ({ point: f.point, upper: f.upper, modelPerStep: f.modelPerStep, recentRelMae: f.recentRelMae, season: f.season });
/** JSON turned NaN into null. */
const errors = (f: SeriesForecaster, h: number) => Object.fromEntries(Object.entries(f.recentErrors(h)).map(([k, v]) => [k, Number.isNaN(v) ? null : v]));

describe('a forecaster state saved before the lean trackers', () => {
  it('restores and forecasts exactly as the saving code did, with a sub-hourly period detected', () => {
    const f = SeriesForecaster.fromJSON(structuredClone(fixture.state));
    expect(fixture.atRestore.season.short).toBe(3);
    expect(picked(f.forecast())).toEqual(fixture.atRestore);
  });

  it('goes on learning exactly as the saving code did: forecasts and every model’s recent error per step', () => {
    const f = SeriesForecaster.fromJSON(structuredClone(fixture.state));
    const step = fixture.state.options.stepSeconds;
    fixture.next.forEach((v, k) => f.update((fixture.state.lastStep! + 1 + k) * step, v));
    expect(picked(f.forecast())).toEqual(fixture.afterNext);
    fixture.errorsAfterNext.forEach((e, i) => expect(errors(f, i + 1)).toEqual(e));
  });

  it('saves the same state again after a restore (the format is unchanged)', () => {
    const f = SeriesForecaster.fromJSON(structuredClone(fixture.state));
    expect(JSON.parse(JSON.stringify(f.toJSON()))).toEqual(fixture.state);
  });
});
