import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseControllerSettings, parseFullConfig } from '../../../core/controllers/settings.js';
import { ProcessConfigError, readProcessConfig } from '../../../core/controllers/process-config.js';

describe('controller settings from smartscale-config', () => {
  it('defaults when the ConfigMap is missing: observe mode, simulated metrics', () => {
    const c = parseFullConfig(undefined);
    expect(c.cluster.mode).toBe('observe');
    expect(c.metrics.source).toBe('simulated');
    expect(c.controller).toEqual(DEFAULT_SETTINGS);
    expect(c.warnings).toEqual([]);
  });

  it.each([
    [{ 'controller.forecastStep': '5m', 'controller.horizon': '1h' }, { forecastStepSeconds: 300, horizonSteps: 12 }],
    [{ 'controller.backfill': '1d', 'controller.provisionLead': '90s' }, { backfillSeconds: 86_400, provisionLeadSeconds: 90 }],
    [{ 'controller.defaultLatencySlo': '100ms', 'controller.maxDisruptions': '0' }, { defaultLatencySloMs: 100, maxDisruptions: 0 }],
    [{ 'controller.nodeRepair': 'false', 'controller.nodeRepairAfter': '10m' }, { nodeRepair: false, nodeRepairAfterSeconds: 600 }],
    [{ 'controller.nodeRepair': ' true ' }, { nodeRepair: true, nodeRepairAfterSeconds: 1800 }],
  ])('reads %j', (data, expected) => {
    const { value, warnings } = parseControllerSettings(data);
    expect(warnings).toEqual([]);
    expect(value).toMatchObject(expected);
  });

  it.each([
    ['controller.forecastStep', '1s'],
    ['controller.forecastStep', 'soon'],
    ['controller.maxLaunchesPerPass', '0'],
    ['controller.maxLaunchesPerPass', '-3'],
    ['controller.backfill', '100d'],
    ['controller.nodeRepair', 'yes'],
    ['controller.nodeRepairAfter', '10s'],
    ['controller.nodeRepairAfter', '2d'],
  ])('ignores %s=%s with a warning naming it, keeping the default', (key, value) => {
    const parsed = parseControllerSettings({ [key]: value });
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toContain(key);
    expect(parsed.value).toEqual(DEFAULT_SETTINGS);
  });

  it('a misspelt controller key is reported with the key it most likely meant', () => {
    const parsed = parseControllerSettings({ 'controller.maxDisruption': '2', 'controller.nodeRepair': 'false' });
    expect(parsed.warnings).toEqual(['"controller.maxDisruption" is not a controller setting and is ignored (did you mean controller.maxDisruptions?)']);
    expect(parsed.value).toEqual({ ...DEFAULT_SETTINGS, nodeRepair: false });
    expect(parseControllerSettings({ 'controller.zzz': '1' }).warnings[0]).toContain('known: controller.forecastStep');
    // Two known keys are prefixes of it: the longer one is meant.
    expect(parseControllerSettings({ 'controller.nodeRepairAfterSeconds': '60' }).warnings[0]).toContain('did you mean controller.nodeRepairAfter?');
  });

  it('an invalid mode falls back to observe with a warning', () => {
    const c = parseFullConfig({ mode: 'yolo' });
    expect(c.cluster.mode).toBe('observe');
    expect(c.warnings.join()).toContain('mode');
  });
});

describe('smartscale controller flags and environment', () => {
  it('simulated cloud needs no AWS settings; flags win over the environment', () => {
    const c = readProcessConfig(['--cloud', 'simulated', '--metrics-port=9090', '--no-webhook'], { POD_NAME: 'p-1', SMARTSCALE_METRICS_PORT: '1' });
    expect(c).toMatchObject({ cloud: 'simulated', metricsPort: 9090, webhook: false, identity: 'p-1', namespace: 'smartscale-system', catalog: 'builtin' });
  });

  it.each([
    [['--cloud', 'gcp'], {}, /expected aws or simulated/],
    [['--metrics-port', '99999', '--cloud', 'simulated'], {}, /metrics-port/],
    [['--frobnicate', 'x'], {}, /unknown flag --frobnicate/],
    [['controller'], {}, /unexpected argument/],
    [[], {}, /SMARTSCALE_CLUSTER_NAME/],
  ])('rejects %j', (argv, env, message) => {
    expect(() => readProcessConfig(argv as string[], env as Record<string, string>)).toThrow(ProcessConfigError);
    expect(() => readProcessConfig(argv as string[], env as Record<string, string>)).toThrow(message as RegExp);
  });
});
