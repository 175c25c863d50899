/**
 * The webhook sizes over the lead in seconds (ADR 076): the peak, from the forecast's generation
 * for `leadSeconds`, on the path from the observed demand through the band at each bucket centre —
 * and it removes replicas at a per-minute pace whatever the forecast's step.
 */
import { describe, expect, it } from 'vitest';
import { Annotations } from '../../core/model/annotations.js';
import { forecastLeadPeak } from '../../core/sizing/lead.js';
import { mutate } from '../../webhook/mutate/index.js';
import { DEFAULT_CONTEXT } from '../../webhook/mutate/types.js';
import { context, deployment, forecast, NOW, optedIn } from './builders.js';

const replicasOf = (d: Record<string, unknown>) => (d.spec as { replicas: number }).replicas;
const targetOf = (d: Record<string, unknown>) => Number((d.metadata as { annotations: Record<string, string> }).annotations[Annotations.targetReplicas]);

describe('webhook sizing over the lead in seconds', () => {
  it('defaults to 110 s (metrics lag + node Ready + pod start, as the controller’s surge lead)', () => {
    expect(DEFAULT_CONTEXT.leadSeconds).toBe(110);
  });

  it('with 5-minute buckets holds the path until the next forecast’s capacity is ready, not the whole next bucket', () => {
    // Observed 50 rps; the band of the bucket in progress is 200 (its centre 150 s away), the next 300 (450 s).
    const f = forecast({ generatedAt: NOW - 30, stepSeconds: 300, point: [60, 60], upper: [200, 300], observed: 50 });
    const bySeconds = mutate(deployment({ replicas: 1, annotations: optedIn({}, f) }), context({ leadSeconds: 110 })).deployment;
    const bySteps = mutate(deployment({ replicas: 1, annotations: optedIn({}, f) }), context({ leadSeconds: 0 })).deployment;
    // The next forecast comes a bucket later and its capacity is ready 110 s after that: the path
    // (50 at generatedAt − 150, 200 at + 150, 300 at + 450) is read up to 410 s after generation.
    const peak = 200 + (100 * 260) / 300;
    expect(forecastLeadPeak(f, 110)).toBeCloseTo(peak, 9);
    expect(targetOf(bySeconds)).toBe(Math.ceil(peak / 10)); // 10 rps per pod (fixtures), utilization 1
    expect(targetOf(bySteps)).toBe(30); // whole steps: the next bucket's 300 rps
  });

  it('with 1-minute buckets reaches a step further than whole steps did, as far as the next forecast’s lead', () => {
    // Band 100, 110, 120, 200 at centres 30, 90, 150, 210 s after generation; read up to 170 s.
    const f = forecast({ observed: 95 });
    const bySeconds = targetOf(mutate(deployment({ replicas: 1, annotations: optedIn({}, f) }), context({ leadSeconds: 110 })).deployment);
    const bySteps = targetOf(mutate(deployment({ replicas: 1, annotations: optedIn({}, f) }), context({ leadSeconds: 0 })).deployment);
    expect(forecastLeadPeak(f, 110)).toBeCloseTo(120 + (80 * 20) / 60, 9);
    expect(bySeconds).toBe(Math.ceil((120 + (80 * 20) / 60) / 10));
    expect(bySeconds).toBeGreaterThan(bySteps); // whole steps: the three within 1 + ⌈110 / 60⌉
  });

  it('falls back to whole steps when the forecast says nothing observed', () => {
    const f = forecast({ stepSeconds: 300, point: [60, 60], upper: [200, 300] });
    expect(f.observed).toBeUndefined();
    expect(targetOf(mutate(deployment({ replicas: 1, annotations: optedIn({}, f) }), context({ leadSeconds: 110 })).deployment)).toBe(30);
  });
});

describe('webhook scale-down pace', () => {
  it('removes the per-minute share for the forecast’s step: 10% a minute is 41% per 5-minute forecast', () => {
    const low = { point: [10, 10], upper: [10, 10] };
    const oneMinute = mutate(deployment({ replicas: 40, annotations: optedIn({}, forecast(low)) }), context()).deployment;
    const fiveMinutes = mutate(deployment({ replicas: 40, annotations: optedIn({}, forecast({ ...low, stepSeconds: 300 })) }), context()).deployment;
    expect(replicasOf(oneMinute)).toBe(36);
    expect(replicasOf(fiveMinutes)).toBe(40 - Math.floor(40 * (1 - 0.9 ** 5))); // 24
  });
});
