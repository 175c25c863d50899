import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigWarnings } from '../../core/controllers/config-watch.js';
import { RecordingControllerEvents } from '../../core/controllers/events.js';
import type { KubeObject } from '../../core/kube/client.js';
import type { InformerHandlers } from '../../core/kube/informer.js';
import { ManualClock } from '../../core/model/clock.js';
import type { ClusterPolicy } from '../../webhook/admission/handle.js';
import { buildWebhookApp } from '../../webhook/app.js';
import { ConfigMapPolicy, resolvePolicy, watchPolicy } from '../../webhook/policy.js';
import { deployment, NOW, optedIn, POLICY, review } from './builders.js';

/** The environment's policy in these tests: observe, bounds 1..50, 10 rps per pod. */
const FALLBACK: ClusterPolicy = { ...POLICY, clusterMode: 'observe' };

describe('resolvePolicy', () => {
  it.each([
    ['no ConfigMap', undefined, {}],
    ['an empty ConfigMap', {}, {}],
    ['unrelated keys', { 'metrics.source': 'simulated', 'controller.horizon': '15m' }, {}],
    ['mode', { mode: 'optimize' }, { clusterMode: 'optimize' }],
    ['bounds', { 'webhook.defaultMinReplicas': '3', 'webhook.defaultMaxReplicas': '8' }, { defaultMinReplicas: 3, defaultMaxReplicas: 8 }],
    ['one bound within the fallback other', { 'webhook.defaultMaxReplicas': '8' }, { defaultMaxReplicas: 8 }],
    ['capacity and damping', { 'webhook.defaultRpsPerPod': '25', 'webhook.scaleDownFraction': '0.5' }, { defaultRpsPerPod: 25, scaleDownFraction: 0.5 }],
    ['lead and age', { 'webhook.leadSteps': '5', 'webhook.maxForecastAge': '1h' }, { leadSteps: 5, maxForecastAgeSec: 3600 }],
    ['lead in seconds', { 'webhook.leadSeconds': '2m' }, { leadSeconds: 120 }],
    ['whole steps', { 'webhook.leadSeconds': '0s' }, { leadSeconds: 0 }],
  ])('%s: the ConfigMap key by key over the fallback', (_name, data, expected) => {
    const resolved = resolvePolicy(data, FALLBACK);
    expect(resolved.value).toEqual({ ...FALLBACK, ...expected });
    expect(resolved.warnings).toEqual([]);
  });

  it.each([
    [{ mode: 'turbo' }, 'mode="turbo" ignored'],
    [{ 'webhook.defaultRpsPerPod': '-4' }, 'webhook.defaultRpsPerPod="-4" ignored'],
    [{ 'webhook.scaleDownFraction': 'half' }, 'webhook.scaleDownFraction="half" ignored'],
    [{ 'webhook.maxForecastAge': 'soon' }, 'webhook.maxForecastAge="soon" ignored'],
    [{ 'webhook.leadSeconds': '2h' }, 'webhook.leadSeconds="2h" ignored'],
    [{ 'webhook.defaultMinReplicas': '9', 'webhook.defaultMaxReplicas': '2' }, 'is above'],
    // The ConfigMap's minimum above the fallback's maximum (50): crossed, so the fallback's bounds stay.
    [{ 'webhook.defaultMinReplicas': '60' }, 'default replica bounds 60..50 are crossed'],
  ])('%j: ignored with a warning, the fallback applies', (data, warning) => {
    const resolved = resolvePolicy(data, FALLBACK);
    expect(resolved.value).toEqual(FALLBACK);
    expect(resolved.warnings).toEqual([expect.stringContaining(warning)]);
  });

  it('keeps the valid keys next to an invalid one', () => {
    const resolved = resolvePolicy({ mode: 'optimize', 'webhook.leadSteps': 'many', 'webhook.defaultRpsPerPod': '4' }, FALLBACK);
    expect(resolved.value).toEqual({ ...FALLBACK, clusterMode: 'optimize', defaultRpsPerPod: 4 });
    expect(resolved.warnings).toHaveLength(1);
  });

  it('takes a given mode over the ConfigMap and does not read (or warn about) its mode', () => {
    expect(resolvePolicy({ mode: 'optimize' }, FALLBACK, 'observe').value.clusterMode).toBe('observe');
    expect(resolvePolicy({ mode: 'bad' }, FALLBACK, 'optimize')).toEqual({ value: { ...FALLBACK, clusterMode: 'optimize' }, warnings: [] });
  });

  it('never throws and always yields a usable policy, whatever the data holds', () => {
    const junk: unknown[] = ['', ' ', '-0', '1e999', 'NaN', 'Infinity', '0x10', '١٢', '9'.repeat(400), 12, null, {}, [], true];
    const keys = ['mode', 'webhook.defaultMinReplicas', 'webhook.defaultMaxReplicas', 'webhook.defaultRpsPerPod', 'webhook.scaleDownFraction', 'webhook.leadSteps', 'webhook.maxForecastAge'];
    for (const key of keys) {
      for (const value of junk) {
        const { value: policy } = resolvePolicy({ [key]: value }, FALLBACK);
        expect(policy.defaultMinReplicas).toBeLessThanOrEqual(policy.defaultMaxReplicas);
        expect(Number.isFinite(policy.scaleDownFraction) && policy.scaleDownFraction >= 0 && policy.scaleDownFraction <= 1).toBe(true);
        expect(Number.isInteger(policy.leadSteps) && policy.leadSteps >= 1).toBe(true);
        expect(Number.isInteger(policy.maxForecastAgeSec) && policy.maxForecastAgeSec >= 1).toBe(true);
        expect(['observe', 'optimize']).toContain(policy.clusterMode);
      }
    }
  });
});

describe('ConfigMapPolicy', () => {
  it('works the policy out again only when the data or the mode changes', () => {
    let data: Record<string, string> | undefined = { 'webhook.leadSteps': '4' };
    let mode: 'observe' | 'optimize' = 'observe';
    const resolved: string[][] = [];
    const policy = new ConfigMapPolicy({ fallback: FALLBACK, data: () => data, mode: () => mode, onResolved: (w) => resolved.push(w) });
    const first = policy.current();
    expect(first.leadSteps).toBe(4);
    expect(policy.current()).toBe(first);
    expect(resolved).toHaveLength(1);
    mode = 'optimize';
    expect(policy.current()).toEqual({ ...first, clusterMode: 'optimize' });
    data = { 'webhook.leadSteps': 'x' };
    expect(policy.current().leadSteps).toBe(FALLBACK.leadSteps);
    data = undefined;
    expect(policy.current()).toEqual({ ...FALLBACK, clusterMode: 'optimize' });
    expect(resolved.map((w) => w.length)).toEqual([0, 0, 1, 0]);
  });
});

/** An informer's cache of one namespace's ConfigMaps, changed by hand. */
class FakeConfigMaps {
  private readonly objects = new Map<string, KubeObject>();
  private readonly handlers: InformerHandlers<KubeObject>[] = [];

  get(name: string, namespace?: string): KubeObject | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  on(handlers: InformerHandlers<KubeObject>): this {
    this.handlers.push(handlers);
    return this;
  }

  put(name: string, data: Record<string, string>, namespace = 'smartscale-system'): void {
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
    const old = this.objects.get(`${namespace}/${name}`);
    this.objects.set(`${namespace}/${name}`, object);
    for (const h of this.handlers) (old ? h.update?.(object, old) : h.add?.(object));
  }

  remove(name: string, namespace = 'smartscale-system'): void {
    const old = this.objects.get(`${namespace}/${name}`)!;
    this.objects.delete(`${namespace}/${name}`);
    for (const h of this.handlers) h.delete?.(old);
  }
}

function recordingLogger() {
  const lines: { level: string; fields: object; message: string }[] = [];
  return {
    lines,
    warn: (fields: object, message: string) => lines.push({ level: 'warn', fields, message }),
    info: (fields: object, message: string) => lines.push({ level: 'info', fields, message }),
  };
}

function watched(mode?: () => 'observe' | 'optimize') {
  const configMaps = new FakeConfigMaps();
  const events = new RecordingControllerEvents();
  const logger = recordingLogger();
  const policy = watchPolicy({ configMaps, namespace: 'smartscale-system', fallback: FALLBACK, mode, warnings: new ConfigWarnings(events, 'smartscale-system'), logger });
  return { configMaps, events, logger, policy };
}

describe('watchPolicy', () => {
  it('follows the ConfigMap through add, update and delete', () => {
    const { configMaps, policy } = watched();
    expect(policy.current()).toEqual(FALLBACK);
    configMaps.put('smartscale-config', { mode: 'optimize', 'webhook.defaultMaxReplicas': '8' });
    expect(policy.current()).toEqual({ ...FALLBACK, clusterMode: 'optimize', defaultMaxReplicas: 8 });
    configMaps.put('smartscale-config', { mode: 'optimize' });
    expect(policy.current()).toEqual({ ...FALLBACK, clusterMode: 'optimize' });
    configMaps.remove('smartscale-config');
    expect(policy.current()).toEqual(FALLBACK);
  });

  it('reads only smartscale-config', () => {
    const { configMaps, policy, logger } = watched();
    configMaps.put('other', { mode: 'optimize' });
    expect(policy.current()).toEqual(FALLBACK);
    expect(logger.lines).toEqual([]);
  });

  it('reports new warnings once, as an InvalidConfig Event on the ConfigMap and a log line, without an admission', () => {
    const { configMaps, events, logger } = watched();
    configMaps.put('smartscale-config', { 'webhook.leadSteps': 'soon' });
    configMaps.put('smartscale-config', { 'webhook.leadSteps': 'soon', 'metrics.source': 'simulated' });
    expect(events.events).toEqual([
      {
        object: { apiVersion: 'v1', kind: 'ConfigMap', name: 'smartscale-config', namespace: 'smartscale-system' },
        type: 'Warning',
        reason: 'InvalidConfig',
        message: expect.stringContaining('webhook.leadSteps="soon" ignored'),
      },
    ]);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    // Fixed, then broken again: a new report.
    configMaps.put('smartscale-config', { 'webhook.leadSteps': '3' });
    configMaps.put('smartscale-config', { 'webhook.leadSteps': 'soon' });
    expect(events.events).toHaveLength(2);
  });

  it("uses the given mode (the controller's) and leaves the ConfigMap's mode to whoever reports it", () => {
    let mode: 'observe' | 'optimize' = 'observe';
    const { configMaps, events, policy } = watched(() => mode);
    configMaps.put('smartscale-config', { mode: 'fast', 'webhook.defaultRpsPerPod': '30' });
    expect(policy.current()).toEqual({ ...FALLBACK, defaultRpsPerPod: 30 });
    mode = 'optimize';
    expect(policy.current().clusterMode).toBe('optimize');
    expect(events.events).toEqual([]);
  });

  it("changes the webhook's next decision", async () => {
    const { configMaps, policy } = watched();
    const app = buildWebhookApp({ logger: pino({ level: 'silent' }), policy: () => policy.current(), clock: new ManualClock(NOW * 1000) });
    const decide = async () => {
      const res = await app.inject({ method: 'POST', url: '/mutate', payload: review(deployment({ replicas: 5, annotations: optedIn() })) });
      const patch = JSON.parse(Buffer.from(String(res.json().response.patch), 'base64').toString('utf8')) as { path: string; value: unknown }[];
      return JSON.parse(String(patch.find((p) => p.path === '/metadata/annotations/smartscale.io~1decision')!.value));
    };
    try {
      expect(await decide()).toMatchObject({ action: 'observe', mode: 'observe', from: 5, to: 11 });
      configMaps.put('smartscale-config', { mode: 'optimize' });
      expect(await decide()).toMatchObject({ action: 'scale-up', mode: 'optimize', from: 5, to: 11 });
      configMaps.put('smartscale-config', { mode: 'optimize', 'webhook.defaultMaxReplicas': '8' });
      expect(await decide()).toMatchObject({ action: 'scale-up', to: 8 });
      configMaps.put('smartscale-config', { mode: 'optimize', 'webhook.defaultMaxReplicas': 'eight' });
      expect(await decide()).toMatchObject({ action: 'scale-up', to: 11 });
    } finally {
      await app.close();
    }
  });
});
