import { describe, expect, it } from 'vitest';
import { learnRpsPerPod, type LoadObservation } from '../../../core/sizing/capacity.js';

/** Latency flat at 50 ms up to `knee` rps per pod, then climbing steeply; deterministic jitter. */
function observations(knee: number, maxLoad: number, count = 400): LoadObservation[] {
  const out: LoadObservation[] = [];
  for (let i = 0; i < count; i++) {
    const rps = (maxLoad * (i + 0.5)) / count;
    const jitter = ((i * 7919) % 17) - 8;
    out.push({ rpsPerPod: rps, latencyMs: 50 + jitter + (rps > knee ? (rps - knee) * 20 : 0) });
  }
  return out;
}

describe('learnRpsPerPod', () => {
  it('finds the load where latency crosses the SLO', () => {
    // Latency reaches 200 ms at knee + 7.5 rps.
    const est = learnRpsPerPod(observations(40, 100), { sloMs: 200 })!;
    expect(est.limitObserved).toBe(true);
    expect(est.rpsPerPod).toBeGreaterThan(40);
    expect(est.rpsPerPod).toBeLessThanOrEqual(47.5);
  });

  it('does not claim more than the highest load seen when the limit was never reached', () => {
    const est = learnRpsPerPod(observations(1000, 30), { sloMs: 200 })!;
    expect(est.limitObserved).toBe(false);
    expect(est.rpsPerPod).toBeLessThanOrEqual(30);
    expect(est.rpsPerPod).toBeGreaterThan(29);
  });

  it('ignores a latency outlier per bin at low load', () => {
    const obs = observations(40, 100);
    obs[3].latencyMs = 5000;
    obs[30].latencyMs = 9000;
    expect(learnRpsPerPod(obs, { sloMs: 200 })!.rpsPerPod).toBeGreaterThan(40);
  });

  it('returns undefined with too little data or when even the lowest load breaks the SLO', () => {
    expect(learnRpsPerPod(observations(40, 100, 10), { sloMs: 200 })).toBeUndefined();
    expect(learnRpsPerPod(observations(40, 100), { sloMs: 10 })).toBeUndefined();
  });

  it('skips invalid observations and rejects a bad SLO', () => {
    const obs = [...observations(1000, 30), { rpsPerPod: NaN, latencyMs: 1 }, { rpsPerPod: 500, latencyMs: -1 }];
    expect(learnRpsPerPod(obs, { sloMs: 200 })!.rpsPerPod).toBeLessThanOrEqual(30);
    expect(() => learnRpsPerPod(obs, { sloMs: 0 })).toThrow(/sloMs/);
  });

  it('never claims a load whose own observation broke the SLO, even in a bin whose p90 is healthy', () => {
    // 40 loads; only the highest (40 rps) was slow — one slow point of 20 leaves the bin's p90 healthy.
    const obs = Array.from({ length: 40 }, (_, i) => ({ rpsPerPod: i + 1, latencyMs: i === 39 ? 500 : 50 }));
    const est = learnRpsPerPod(obs, { sloMs: 200 })!;
    expect(est.rpsPerPod).toBe(39);
  });
});
