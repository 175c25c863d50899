import { describe, expect, it } from 'vitest';
import { describeChanges, effectiveChanges } from '../../../plugin/cluster/annotate.js';
import { disableChanges, enableChanges } from '../../../plugin/cluster/opt-in.js';
import { CliError, ExitCode } from '../../../plugin/exit-codes.js';

describe('enable', () => {
  it('writes the opt-in and the given settings', () => {
    expect(enableChanges({}, { min: 2, max: 10, targetRpsPerPod: 12.5, latencySloMs: 250, mode: 'optimize' })).toEqual({
      'smartscale.io/enabled': 'true',
      'smartscale.io/min-replicas': '2',
      'smartscale.io/max-replicas': '10',
      'smartscale.io/target-rps-per-pod': '12.5',
      'smartscale.io/latency-slo-ms': '250',
      'smartscale.io/mode': 'optimize',
    });
  });

  it.each([
    [{ min: 1.5 }, /--min: smartscale.io\/min-replicas=.*expected a whole number/],
    [{ max: 0 }, /--max: .*expected a whole number from 1/],
    [{ min: 5, max: 2 }, /--min: smartscale.io\/min-replicas=5 is above smartscale.io\/max-replicas=2$/],
    [{ targetRpsPerPod: -3 }, /--target-rps-per-pod/],
    [{ latencySloMs: 0 }, /--latency-slo-ms/],
    [{ min: NaN }, /--min: expected a number/],
    [{ mode: 'fast' }, /--mode "fast": expected observe or optimize/],
  ])('refuses %j with a usage error (the rules of parseDeploymentSettings)', (flags, message) => {
    try {
      enableChanges({}, flags);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(ExitCode.usage);
      expect((error as CliError).message).toMatch(message);
    }
  });

  it('validates against the bounds already on the Deployment', () => {
    expect(() => enableChanges({ 'smartscale.io/max-replicas': '3' }, { min: 5 })).toThrow(/is above/);
  });

  it('is not refused for an unknown annotation whose name starts with a key being set', () => {
    // The unknown-key warning names smartscale.io/enabled-old; enable sets smartscale.io/enabled.
    expect(enableChanges({ 'smartscale.io/enabled-old': 'true', 'smartscale.io/min-replicas-x': '1' }, { min: 2 })).toEqual({
      'smartscale.io/enabled': 'true',
      'smartscale.io/min-replicas': '2',
    });
    // A bad value of a key being set is still refused.
    expect(() => enableChanges({ 'smartscale.io/enabled-old': 'true' }, { targetRpsPerPod: -1 })).toThrow(/target-rps-per-pod/);
  });
});

describe('disable', () => {
  const current = {
    'smartscale.io/enabled': 'true',
    'smartscale.io/forecast': '{}',
    'smartscale.io/target-replicas': '3',
    'smartscale.io/min-replicas': '2',
    'smartscale.io/mode': 'optimize',
    'app.kubernetes.io/name': 'web',
  };

  it('removes the opt-in and what smartscale wrote, keeps the user settings', () => {
    expect(disableChanges(current, false)).toEqual({ 'smartscale.io/enabled': null, 'smartscale.io/forecast': null, 'smartscale.io/target-replicas': null });
  });

  it('with --purge removes the settings too, never other annotations', () => {
    expect(Object.keys(disableChanges(current, true)).sort()).toEqual(['smartscale.io/enabled', 'smartscale.io/forecast', 'smartscale.io/min-replicas', 'smartscale.io/mode', 'smartscale.io/target-replicas']);
  });

  it("removes the webhook's decision record and replicas owner too, and purges the utilization setting", () => {
    const written = { ...current, 'smartscale.io/decision': '{"action":"observe"}', 'smartscale.io/replicas-owner': 'hpa', 'smartscale.io/target-utilization': '0.8' };
    expect(disableChanges(written, false)).toEqual({ 'smartscale.io/enabled': null, 'smartscale.io/forecast': null, 'smartscale.io/target-replicas': null, 'smartscale.io/decision': null, 'smartscale.io/replicas-owner': null });
    expect(disableChanges(written, true)['smartscale.io/target-utilization']).toBeNull();
  });

  it('is empty for a Deployment that was never enabled', () => {
    expect(disableChanges({ other: 'x' }, true)).toEqual({});
  });
});

describe('annotation changes', () => {
  it('keeps only what would change and describes it', () => {
    const current = { a: '1', b: '2' };
    const changes = effectiveChanges(current, { a: '1', b: '3', c: null, d: 'x' });
    expect(changes).toEqual({ b: '3', d: 'x' });
    expect(describeChanges(current, { ...changes, a: null })).toEqual(['b: 2 → 3', 'd: (unset) → x', 'a: 1 → (removed)']);
  });
});
