/**
 * The sizing rules the simulator's smartscale strategy applies (ADR 075), applied by the webhook:
 * utilization at the band, the forecaster's served-record margin, and its surge floor.
 */
import { describe, expect, it } from 'vitest';
import { Annotations, formatForecastAnnotation, parseForecastAnnotation } from '../../core/model/annotations.js';
import { parseWebhookDefaults } from '../../core/model/cluster-config.js';
import { DEFAULT_KNOBS } from '../../core/sim/knobs.js';
import { resolvePolicy } from '../../webhook/policy.js';
import { DEFAULT_CONTEXT, mutate, type MutateContext } from '../../webhook/mutate/index.js';
import { context, deployment, forecast, optedIn, POLICY } from './builders.js';
import type { ForecastAnnotation } from '../../core/model/annotations.js';

// The default forecast's upper band is [100, 110, 120, 200, 140] rps; the policy's per-pod capacity 10 rps.
function run(extra: Record<string, unknown>, f: Partial<ForecastAnnotation>, ctx: Partial<MutateContext> = {}) {
  const result = mutate(deployment({ replicas: 5, annotations: optedIn(extra, forecast(f)) }), context(ctx));
  const annotations = (result.deployment.metadata as { annotations: Record<string, string> }).annotations;
  return { ...result, target: Number(annotations[Annotations.targetReplicas]), peak: Number(annotations[Annotations.peakReplicas]) };
}

describe('utilization', () => {
  it('defaults to the simulator strategy’s setting', () => {
    expect(DEFAULT_CONTEXT.utilization).toBe(DEFAULT_KNOBS.utilization);
    expect(DEFAULT_CONTEXT.utilization).toBe(0.88);
  });

  it.each([
    // target = the highest need in the first 2 steps (110 rps); peak = 200 rps.
    { utilization: 1, target: 11, peak: 20 },
    // 110 / 8.8 = 12.5 → 13; 200 / 8.8 = 22.7 → 23.
    { utilization: 0.88, target: 13, peak: 23 },
    { utilization: 0.5, target: 22, peak: 40 },
  ])('sizes for the band at $utilization of per-pod capacity', ({ utilization, target, peak }) => {
    const r = run({}, {}, { utilization });
    expect([r.target, r.peak]).toEqual([target, peak]);
    expect(r.decision.to).toBe(target);
  });

  it('a Deployment’s smartscale.io/target-utilization overrides the cluster’s', () => {
    expect(run({ [Annotations.targetUtilization]: '0.5' }, {}, { utilization: 1 }).target).toBe(22);
    expect(run({ [Annotations.targetUtilization]: '1' }, {}, { utilization: 0.5 }).target).toBe(11);
  });

  it.each(['0', '0.05', '1.2', 'high', '-0.5', '88%'])('ignores target-utilization=%j with a warning, sizing at the cluster’s', (raw) => {
    const r = run({ [Annotations.targetUtilization]: raw }, {}, { utilization: 0.88 });
    expect(r.target).toBe(13);
    expect(r.warnings.join('\n')).toMatch(/smartscale\.io\/target-utilization=.* ignored: expected a number from 0\.1 to 1/);
  });

  it('is read from smartscale-config as webhook.utilization and validated', () => {
    expect(parseWebhookDefaults({ 'webhook.utilization': '0.75' })).toEqual({ value: { utilization: 0.75 }, warnings: [] });
    const bad = parseWebhookDefaults({ 'webhook.utilization': '2' });
    expect(bad.value).toEqual({});
    expect(bad.warnings).toEqual([expect.stringMatching(/webhook\.utilization="2" ignored: expected a number from 0\.1 to 1/)]);
    expect(resolvePolicy({ 'webhook.utilization': '0.75' }, POLICY).value.utilization).toBe(0.75);
    expect(resolvePolicy({}, POLICY).value.utilization).toBe(POLICY.utilization);
  });
});

describe('served-record margin', () => {
  it('divides per-pod capacity: a margin of 1.25 at utilization 0.88 sizes 110 rps at 7.04 rps/pod', () => {
    const r = run({}, { margin: 1.25 }, { utilization: 0.88 });
    expect(r.target).toBe(Math.ceil(110 / 7.04)); // 16
    expect(r.peak).toBe(Math.ceil(200 / 7.04)); // 29
  });

  it('a forecast without the new fields sizes as before (margin 1, no floor)', () => {
    expect(run({}, {}, { utilization: 0.88 }).target).toBe(13);
    expect(run({}, { margin: 1 }, { utilization: 0.88 }).target).toBe(13);
  });

  it.each([0.5, -1, 11, 'x'])('a margin of %j is ignored with a warning, never thrown on', (margin) => {
    const raw = JSON.stringify({ ...forecast(), margin });
    const r = mutate(deployment({ replicas: 5, annotations: optedIn({}, raw) }), context({ utilization: 1 }));
    expect(r.decision.to).toBe(11);
    expect(r.warnings.join('\n')).toMatch(/field margin ignored: expected a number from 1 to 10/);
  });
});

describe('surge floor', () => {
  it('raises the target to the floor when it is above the band', () => {
    // 300 rps observed in a surge at 10 rps/pod: 30 pods now, whatever the band says.
    const r = run({}, { surgeFloor: 300 }, { utilization: 1 });
    expect(r.decision).toMatchObject({ action: 'scale-up', to: 30, reason: expect.stringMatching(/observed demand/) });
    expect(r.target).toBe(30);
    expect(r.peak).toBe(30);
  });

  it('is sized with the same utilization and margin as the band', () => {
    // 300 / (10 × 0.88 / 1.5) = 51.1 → 52 (above the policy's default maximum of 50).
    expect(run({ [Annotations.maxReplicas]: '100' }, { surgeFloor: 300, margin: 1.5 }, { utilization: 0.88 }).target).toBe(52);
  });

  it('changes nothing when it is below the band', () => {
    const r = run({}, { surgeFloor: 50 }, { utilization: 1 });
    expect([r.target, r.peak]).toEqual([11, 20]);
    expect(r.decision.reason).toMatch(/next 2 step/);
  });

  it('stays within the bounds', () => {
    expect(run({ [Annotations.maxReplicas]: '25' }, { surgeFloor: 300 }, { utilization: 1 }).target).toBe(25);
  });

  it('a junk floor is ignored with a warning', () => {
    const raw = JSON.stringify({ ...forecast(), surgeFloor: 'lots' });
    const r = mutate(deployment({ replicas: 5, annotations: optedIn({}, raw) }), context({ utilization: 1 }));
    expect(r.decision.to).toBe(11);
    expect(r.warnings.join('\n')).toMatch(/field surgeFloor ignored/);
  });
});

describe('the forecast annotation’s new fields', () => {
  it('round-trip through format and parse, rounded like the others', () => {
    const text = formatForecastAnnotation(forecast({ margin: 1.234567, surgeFloor: 312.34567 }));
    expect(parseForecastAnnotation(text)).toEqual({ value: forecast({ margin: 1.235, surgeFloor: 312.3 }), warnings: [] });
  });
});
