import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseControllerSettings, parseFullConfig } from '../../../core/controllers/settings.js';
import { WELL_KNOWN_REPAIR_POLICIES } from '../../../core/disruption/repair.js';
import { FORECAST_MAX_PUBLISHED_STEPS } from '../../../core/model/annotations.js';
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
    [{}, { spotToSpotConsolidation: false }],
    [{ 'controller.spotToSpotConsolidation': 'true' }, { spotToSpotConsolidation: true }],
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
    ['controller.spotToSpotConsolidation', 'on'],
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

  describe('controller.horizon against what a forecast annotation holds', () => {
    it.each([
      ['1d', '1m', 720, /"1d" is 1440 steps of 1m, more than the 720 a forecast annotation holds \(16384 bytes\): using the maximum, 12h; raise controller.forecastStep/],
      ['30d', '1m', 720, /using the maximum, 12h/],
      ['1d', '5m', 288, undefined],
      ['12h', '1m', 720, undefined],
    ])('horizon %s in %s steps: %i steps', (horizon, step, steps, warning) => {
      const parsed = parseControllerSettings({ 'controller.horizon': horizon, 'controller.forecastStep': step });
      expect(parsed.value.horizonSteps).toBe(steps);
      expect(parsed.value.horizonSteps).toBeLessThanOrEqual(FORECAST_MAX_PUBLISHED_STEPS);
      if (warning) expect(parsed.warnings).toEqual([expect.stringMatching(warning)]);
      else expect(parsed.warnings).toEqual([]);
    });

    it('a horizon that is not a whole number of steps is rounded up (looks at least as far as asked) and said', () => {
      const parsed = parseControllerSettings({ 'controller.forecastStep': '7m', 'controller.horizon': '15m' });
      expect(parsed.value.horizonSteps).toBe(3);
      expect(parsed.warnings).toEqual(['controller.horizon="15m" is not a whole number of controller.forecastStep=7m steps: using 3 steps (21m)']);
    });
  });

  it('a fractional duration is refused saying fractions are not accepted and what to write instead', () => {
    const parsed = parseControllerSettings({ 'controller.defaultLatencySlo': '0.5s' });
    expect(parsed.value.defaultLatencySloMs).toBe(DEFAULT_SETTINGS.defaultLatencySloMs);
    expect(parsed.warnings).toEqual(['controller.defaultLatencySlo="0.5s" ignored: expected a duration from 1ms to 1h (invalid duration "0.5s": fractions are not accepted; write 500ms)']);
    expect(parseControllerSettings({ 'controller.defaultLatencySlo': '500ms' }).value.defaultLatencySloMs).toBe(500);
  });

  it('a repeated unit is refused, not summed', () => {
    const parsed = parseControllerSettings({ 'controller.horizon': '15m15m' });
    expect(parsed.value.horizonSteps).toBe(DEFAULT_SETTINGS.horizonSteps);
    expect(parsed.warnings[0]).toMatch(/controller.horizon="15m15m" ignored: .*each unit at most once/);
  });

  it('keys outside every section, and metrics.* typos, are reported with the key most likely meant', () => {
    const c = parseFullConfig({ mdoe: 'optimize', 'metrics.prometheus.uri': 'http://prometheus:9090', 'controler.horizon': '1h', 'webhook.leadStep': '2', 'graph.json': '{}' });
    expect(c.warnings).toEqual([
      'smartscale-config: "mdoe" is not a smartscale setting and is ignored (did you mean mode?)',
      'smartscale-config: "controler.horizon" is not a smartscale setting and is ignored (did you mean controller.horizon?)',
      'smartscale-config: "graph.json" is not a smartscale setting and is ignored (keys are mode, controller.*, metrics.*, webhook.*)',
      '"metrics.prometheus.uri" is not a metrics setting and is ignored (did you mean metrics.prometheus.url?)',
    ]);
    // webhook.* typos are the webhook's to report (it reads those keys).
    expect(c.cluster.mode).toBe('observe');
  });

  describe('controller.nodeRepairConditions', () => {
    const key = 'controller.nodeRepairConditions';
    const MIN = 60_000;
    const parse = (value: string) => parseControllerSettings({ [key]: value });

    it('defaults to the well-known conditions; "" (or only commas) leaves Ready alone', () => {
      expect(DEFAULT_SETTINGS.nodeRepairConditions).toBe(WELL_KNOWN_REPAIR_POLICIES);
      expect(parseControllerSettings({}).value.nodeRepairConditions).toEqual(WELL_KNOWN_REPAIR_POLICIES);
      for (const empty of ['', '  ', ' , ,']) expect(parse(empty)).toEqual({ value: { ...DEFAULT_SETTINGS, nodeRepairConditions: [] }, warnings: [] });
    });

    it('reads Type=Status:toleration entries, a DNS-prefixed type too, spaces allowed', () => {
      const { value, warnings } = parse(' KernelReady=False:30m, example.com/GPUReady = False : 10m,KernelDeadlock=True:1h30m,Flaky=Unknown:1d ');
      expect(warnings).toEqual([]);
      expect(value.nodeRepairConditions).toEqual([
        { conditionType: 'KernelReady', status: 'False', tolerationMs: 30 * MIN },
        { conditionType: 'example.com/GPUReady', status: 'False', tolerationMs: 10 * MIN },
        { conditionType: 'KernelDeadlock', status: 'True', tolerationMs: 90 * MIN },
        { conditionType: 'Flaky', status: 'Unknown', tolerationMs: 1440 * MIN },
      ]);
    });

    it.each([
      ['KernelReady', 'expected Type=Status:toleration'],
      ['KernelReady=False', 'expected Type=Status:toleration'],
      ['KernelReady:30m', 'expected Type=Status:toleration'],
      ['KernelReady=False:30m:1', 'expected Type=Status:toleration'],
      ['kernelReady=False:30m', 'is not a condition type'],
      ['Kernel_Ready=False:30m', 'is not a condition type'],
      ['Example.com/GPUReady=False:30m', 'is not a condition type'],
      ['example.com/=False:30m', 'is not a condition type'],
      ['-x.com/GPUReady=False:30m', 'is not a condition type'],
      ['Ready=False:10m', 'Ready is tolerated for controller.nodeRepairAfter'],
      ['KernelReady=false:30m', 'is not True, False or Unknown (did you mean False?)'],
      ['KernelReady=Broken:30m', 'is not True, False or Unknown'],
      ['KernelReady=False:soon', 'is not a duration from 1m to 1d'],
      ['KernelReady=False:30s', 'is not a duration from 1m to 1d'],
      ['KernelReady=False:2d', 'is not a duration from 1m to 1d'],
    ])('reports the bad entry %j, naming the key and why, and keeps the good ones', (entry, why) => {
      const { value, warnings } = parse(`NetworkingReady=False:20m,${entry},StorageReady=False:5m`);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(key);
      expect(warnings[0]).toContain(JSON.stringify(entry));
      expect(warnings[0]).toContain(why);
      expect(value.nodeRepairConditions.map((p) => p.conditionType)).toEqual(['NetworkingReady', 'StorageReady']);
      expect({ ...value, nodeRepairConditions: DEFAULT_SETTINGS.nodeRepairConditions }).toEqual(DEFAULT_SETTINGS);
    });

    it('reports a duplicate and uses the first; another status of the same type is not one', () => {
      const { value, warnings } = parse('KernelReady=False:10m,KernelReady=False:50m,KernelReady=Unknown:50m');
      expect(warnings).toEqual([`${key}: entry "KernelReady=False:50m" ignored: KernelReady=False is listed already (the first one is used)`]);
      expect(value.nodeRepairConditions).toEqual([
        { conditionType: 'KernelReady', status: 'False', tolerationMs: 10 * MIN },
        { conditionType: 'KernelReady', status: 'Unknown', tolerationMs: 50 * MIN },
      ]);
    });

    it('a value with no valid entry at all keeps the default list (a mistake, not "Ready only") and says so', () => {
      const { value, warnings } = parse('KernelReady=false:30m');
      expect(value.nodeRepairConditions).toEqual(WELL_KNOWN_REPAIR_POLICIES);
      expect(warnings).toEqual([expect.stringContaining('did you mean False?'), `${key}: no valid entry; the default list is used (set "" for Ready only)`]);
    });

    it('one warning per bad entry, never a throw, however long the value', () => {
      expect(parse('a=b:c,Ok=True:5m,,X=Y:Z').warnings).toHaveLength(2);
      const many = Array.from({ length: 40 }, (_, i) => `Cond${i}=False:5m`).join(',');
      const { value, warnings } = parse(many);
      expect(value.nodeRepairConditions).toHaveLength(32);
      expect(warnings).toEqual([`${key}: only the first 32 of 40 entries are used`]);
      expect(() => parse('=,:'.repeat(100_000))).not.toThrow();
    });
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
