import { describe, expect, it } from 'vitest';
import { effectiveMode, parseClusterConfig, parseWebhookDefaults } from '../../../core/model/cluster-config.js';

describe('parseClusterConfig', () => {
  it.each([
    [undefined, 'observe', false, 0],
    [{}, 'observe', false, 0],
    [{ mode: 'optimize' }, 'optimize', true, 0],
    [{ mode: ' observe\n' }, 'observe', true, 0],
    [{ mode: 'Optimize' }, 'observe', false, 1],
    [{ mode: 'yes', other: 'kept' }, 'observe', false, 1],
  ])('%j → %s', (data, mode, modeSet, warnings) => {
    const parsed = parseClusterConfig(data as Record<string, string> | undefined);
    expect(parsed.value).toEqual({ mode, modeSet });
    expect(parsed.warnings).toHaveLength(warnings);
  });

  it('names the bad value in the warning', () => {
    expect(parseClusterConfig({ mode: 'fast' }).warnings[0]).toContain('mode="fast" ignored');
  });

  it('uses the fallback mode when the key is absent or ignored, and says so', () => {
    expect(parseClusterConfig({}, 'optimize').value).toEqual({ mode: 'optimize', modeSet: false });
    const bad = parseClusterConfig({ mode: 'turbo' }, 'optimize');
    expect(bad.value.mode).toBe('optimize');
    expect(bad.warnings[0]).toContain('using optimize');
    expect(parseClusterConfig({ mode: 'observe' }, 'optimize').value).toEqual({ mode: 'observe', modeSet: true });
  });

  it("lets a Deployment's mode override the cluster's", () => {
    expect(effectiveMode('observe', 'optimize')).toBe('optimize');
    expect(effectiveMode('optimize', undefined)).toBe('optimize');
  });
});

describe('parseWebhookDefaults', () => {
  it('reads every key, trimmed', () => {
    const parsed = parseWebhookDefaults({
      mode: 'optimize',
      'webhook.defaultMinReplicas': '2',
      'webhook.defaultMaxReplicas': ' 40 ',
      'webhook.defaultRpsPerPod': '12.5',
      'webhook.scaleDownFraction': '0.25',
      'webhook.leadSteps': '3',
      'webhook.maxForecastAge': '10m',
      'controller.horizon': '15m',
    });
    expect(parsed.value).toEqual({ defaultMinReplicas: 2, defaultMaxReplicas: 40, defaultRpsPerPod: 12.5, scaleDownFraction: 0.25, leadSteps: 3, maxForecastAgeSec: 600 });
    expect(parsed.warnings).toEqual([]);
  });

  it.each([undefined, null, {}, { mode: 'observe', 'metrics.source': 'simulated' }])('absent keys leave nothing set (%j)', (data) => {
    expect(parseWebhookDefaults(data)).toEqual({ value: {}, warnings: [] });
  });

  it.each([
    ['webhook.defaultMinReplicas', '-1'],
    ['webhook.defaultMinReplicas', '10001'],
    ['webhook.defaultMaxReplicas', '0'],
    ['webhook.defaultMaxReplicas', '3.5'],
    ['webhook.defaultRpsPerPod', '0'],
    ['webhook.defaultRpsPerPod', 'fast'],
    ['webhook.defaultRpsPerPod', '1e3'],
    ['webhook.scaleDownFraction', '1.5'],
    ['webhook.scaleDownFraction', ''],
    ['webhook.leadSteps', '0'],
    ['webhook.leadSteps', '1441'],
    ['webhook.maxForecastAge', '900'],
    ['webhook.maxForecastAge', '2d'],
    ['webhook.maxForecastAge', '500ms'],
  ])('%s=%j is ignored with one warning naming it', (key, raw) => {
    const parsed = parseWebhookDefaults({ [key]: raw, 'webhook.leadSteps': key === 'webhook.leadSteps' ? raw : '4' });
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toContain(`${key}=${JSON.stringify(raw)} ignored`);
    expect(Object.keys(parsed.value)).toEqual(key === 'webhook.leadSteps' ? [] : ['leadSteps']);
  });

  it('ignores a value that is not a string without throwing', () => {
    const parsed = parseWebhookDefaults({ 'webhook.leadSteps': 3 as unknown as string });
    expect(parsed.value).toEqual({});
    expect(parsed.warnings).toHaveLength(1);
  });

  it('ignores both bounds when the minimum is above the maximum, with one warning', () => {
    const parsed = parseWebhookDefaults({ 'webhook.defaultMinReplicas': '9', 'webhook.defaultMaxReplicas': '3', 'webhook.leadSteps': '2' });
    expect(parsed.value).toEqual({ leadSteps: 2 });
    expect(parsed.warnings).toEqual([expect.stringContaining('webhook.defaultMinReplicas=9 is above webhook.defaultMaxReplicas=3')]);
  });

  it('truncates an enormous value in the warning', () => {
    const parsed = parseWebhookDefaults({ 'webhook.defaultRpsPerPod': 'x'.repeat(10_000) });
    expect(parsed.warnings[0].length).toBeLessThan(200);
  });
});

describe('webhook.* keys smartscale does not know', () => {
  it.each([
    ['webhook.defaultMaxReplica', 'webhook.defaultMaxReplicas'],
    ['webhook.defaultminreplicas', 'webhook.defaultMinReplicas'],
    ['webhook.utilisation', 'webhook.utilization'],
    ['webhook.maxForecastAgeSeconds', 'webhook.maxForecastAge'],
  ])('reports %s, suggesting %s, and reads the rest', (key, suggestion) => {
    const parsed = parseWebhookDefaults({ [key]: '5', 'webhook.leadSteps': '3' });
    expect(parsed.value).toEqual({ leadSteps: 3 });
    expect(parsed.warnings).toEqual([`smartscale-config: "${key}" is not a webhook setting and is ignored (did you mean ${suggestion}?)`]);
  });

  it('lists the settings when nothing is close, and leaves other prefixes alone', () => {
    const parsed = parseWebhookDefaults({ 'webhook.colour': 'blue', 'controller.horizon': '15m', 'metrics.source': 'x', mode: 'observe' });
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^smartscale-config: "webhook.colour" is not a webhook setting and is ignored \(known: webhook.defaultMinReplicas, /);
  });

  it('says nothing about the shipped ConfigMap', async () => {
    const { loadManifest } = await import('../../manifests/load.js');
    const [configMap] = loadManifest('controller/configmap.yaml');
    expect(parseWebhookDefaults(configMap.data).warnings).toEqual([]);
  });
});
