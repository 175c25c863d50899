/**
 * predictedWorkloads (core/controllers/snapshot.ts) counts the webhook's capacity only while the
 * forecast it was sized from may be acted on (README: nothing acts on a stale forecast). The
 * annotations are the webhook's own output (mutate); "the webhook is down" is a forecaster patch
 * applied without it (failurePolicy Ignore), "the forecaster stopped" is time passing.
 */
import { describe, expect, it } from 'vitest';
import { volumeLookupFrom } from '../../../core/model/volume-topology.js';
import type { ClusterState } from '../../../core/controllers/cluster-state.js';
import { predictedWorkloads } from '../../../core/controllers/snapshot.js';
import type { KubeObject } from '../../../core/kube/client.js';
import { Annotations, formatForecastAnnotation, type ForecastAnnotation } from '../../../core/model/annotations.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../../../core/model/cluster-config.js';
import { DEFAULT_CONTEXT, mutate } from '../../../webhook/mutate/index.js';
import { deployment } from './support.js';

const T = 1_790_000_000;
const LEAD = 600;

function forecastAt(generatedAt: number, extra: Partial<ForecastAnnotation> = {}): string {
  return formatForecastAnnotation({ v: 1, generatedAt, stepSeconds: 60, point: [80, 90, 100], upper: [100, 110, 120], quantile: 0.965, model: 'seasonal', ...extra });
}

/** A Deployment of 2 replicas at 10 rps per pod after the webhook saw the forecast made at `generatedAt` (peak 14 at utilization 0.88). */
function admitted(generatedAt: number): KubeObject {
  const d = deployment('shop', 'api', { replicas: 2, annotations: { [Annotations.enabled]: 'true', [Annotations.targetRpsPerPod]: '10', [Annotations.forecast]: forecastAt(generatedAt) } });
  const out = mutate(d as unknown as Record<string, unknown>, { ...DEFAULT_CONTEXT, hpaOwnsReplicas: false, nowSec: generatedAt + 5 }).deployment;
  return out as unknown as KubeObject;
}

function withAnnotations(d: KubeObject, change: Record<string, string | undefined>): KubeObject {
  const annotations: Record<string, string> = { ...d.metadata.annotations };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete annotations[k];
    else annotations[k] = v;
  }
  return { ...d, metadata: { ...d.metadata, annotations } };
}

const NO_VOLUMES = volumeLookupFrom({ claims: [], volumes: [], storageClasses: [] });

function predicted(d: KubeObject, nowSec: number, config?: Record<string, string>): number {
  const state = {
    namespace: SMARTSCALE_NAMESPACE,
    optedInDeployments: () => [d],
    volumeLookup: () => NO_VOLUMES,
    configMaps: { get: (name: string, ns: string) => (config && name === CLUSTER_CONFIG_NAME && ns === SMARTSCALE_NAMESPACE ? { metadata: { name }, data: config } : undefined) },
  } as unknown as ClusterState;
  return predictedWorkloads(state, 'optimize', nowSec, LEAD).reduce((n, w) => n + w.pods.length, 0);
}

describe('predictedWorkloads: capacity from a stale forecast is not acted on', () => {
  const fresh = admitted(T);

  it('the webhook’s capacity for a fresh forecast gives predicted pods', () => {
    expect(fresh.metadata.annotations?.[Annotations.peakReplicas]).toBe('14');
    expect(predicted(fresh, T + 60)).toBe(12);
  });

  it.each([
    ['the forecaster stopped: the forecast and its decision 16 min old', fresh, T + 960],
    ['the webhook is down: a new forecast landed without it, the capacity is from one 16 min old', withAnnotations(fresh, { [Annotations.forecast]: forecastAt(T + 900) }), T + 960],
    ['the forecast was marked stale while the webhook was down', withAnnotations(fresh, { [Annotations.forecast]: forecastAt(T, { stale: true }) }), T + 60],
    ['the forecast annotation became unusable', withAnnotations(fresh, { [Annotations.forecast]: '{"v":1' }), T + 60],
    ['the decision names no forecast (the webhook found none usable)', withAnnotations(fresh, { [Annotations.decision]: '{"action":"no-action","mode":"optimize","reason":"forecast unusable"}' }), T + 60],
    ['the decision is unreadable', withAnnotations(fresh, { [Annotations.decision]: 'garbage' }), T + 60],
    ['the decision is dated in the future', withAnnotations(fresh, { [Annotations.decision]: `{"action":"observe","mode":"observe","reason":"x","forecastAt":${T + 3600}}` }), T + 60],
  ])('none when %s', (_name, d, nowSec) => {
    expect(predicted(d, nowSec)).toBe(0);
  });

  it('counts up to the age limit, webhook.maxForecastAge in smartscale-config when set', () => {
    expect(predicted(fresh, T + 900)).toBe(12);
    expect(predicted(fresh, T + 901)).toBe(0);
    expect(predicted(fresh, T + 1700, { 'webhook.maxForecastAge': '30m' })).toBe(12);
    expect(predicted(fresh, T + 1801, { 'webhook.maxForecastAge': '30m' })).toBe(0);
    // An invalid value is ignored, as the webhook ignores it: the built-in 15 minutes.
    expect(predicted(fresh, T + 901, { 'webhook.maxForecastAge': 'soon' })).toBe(0);
  });

  it('a capacity written without the webhook is dated by the forecast, else by neededAt, else counts as written', () => {
    const capacity = (neededAt?: number) => JSON.stringify({ replicas: 3, cpu: '1500m', memory: '1536Mi', pods: 3, ...(neededAt === undefined ? {} : { neededAt }) });
    const byHand = (extra: Record<string, string>) => deployment('shop', 'api', { replicas: 1, annotations: { [Annotations.enabled]: 'true', [Annotations.peakReplicas]: '4', ...extra } });
    expect(predicted(byHand({ [Annotations.capacity]: capacity(), [Annotations.forecast]: forecastAt(T) }), T + 60)).toBe(3);
    expect(predicted(byHand({ [Annotations.capacity]: capacity(), [Annotations.forecast]: forecastAt(T) }), T + 901)).toBe(0);
    expect(predicted(byHand({ [Annotations.capacity]: capacity(T + 120) }), T + 60)).toBe(3);
    expect(predicted(byHand({ [Annotations.capacity]: capacity(T + 120) }), T + 1021)).toBe(0);
    expect(predicted(byHand({ [Annotations.capacity]: capacity() }), T + 100_000)).toBe(3);
  });
});

describe('predictedWorkloads: which replicas are wanted (ADR 101)', () => {
  const fresh = admitted(T);
  const count = (d: KubeObject, lead: number, nowSec = T + 60) => {
    const state = { namespace: SMARTSCALE_NAMESPACE, optedInDeployments: () => [d], volumeLookup: () => NO_VOLUMES, configMaps: { get: () => undefined } } as unknown as ClusterState;
    return predictedWorkloads(state, 'optimize', nowSec, lead).reduce((n, w) => n + w.pods.length, 0);
  };

  it("without a provision lead: the webhook's target (the node lead's need) minus what exists", () => {
    const target = Number(fresh.metadata.annotations?.[Annotations.targetReplicas]);
    expect(target).toBeGreaterThan(2);
    expect(target).toBeLessThan(14);
    expect(count(fresh, 0)).toBe(target - 2);
    // The same Deployment with the target's replicas already asked for: nothing more.
    expect(count({ ...fresh, spec: { ...fresh.spec, replicas: target } }, 0)).toBe(0);
  });

  it("with one: also the horizon's peak, once its capacity is needed within it", () => {
    expect(count(fresh, 600)).toBe(14 - 2);
    // Needed later than the lead: only the target.
    const later = withAnnotations(fresh, { [Annotations.capacity]: JSON.stringify({ replicas: 12, cpu: '6', memory: '6Gi', pods: 12, neededAt: T + 1200 }) });
    const target = Number(fresh.metadata.annotations?.[Annotations.targetReplicas]);
    expect(count(later, 600)).toBe(target - 2);
    expect(count(later, 1200)).toBe(12);
  });

  it('a Deployment without a target (a capacity written by hand, no webhook) gets none without a provision lead', () => {
    const byHand = deployment('shop', 'api', { replicas: 1, annotations: { [Annotations.enabled]: 'true', [Annotations.peakReplicas]: '4', [Annotations.capacity]: JSON.stringify({ replicas: 3 }) } });
    expect(count(byHand, 0)).toBe(0);
    expect(count(byHand, 600)).toBe(3);
  });
});

describe('predictedWorkloads: where the template’s volumes let its pods run', () => {
  const fresh = admitted(T);
  const withClaim = (claimName: string): KubeObject => ({ ...fresh, spec: { ...fresh.spec, template: { ...fresh.spec.template, spec: { ...fresh.spec.template.spec, volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] } } } });
  const volumes = volumeLookupFrom({
    claims: [{ metadata: { name: 'shared', namespace: fresh.metadata.namespace }, spec: { volumeName: 'pv-1' } }],
    volumes: [{ metadata: { name: 'pv-1' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1b'] }] }] } } } }],
    storageClasses: [],
  });
  const run = (d: KubeObject) => {
    const state = { namespace: SMARTSCALE_NAMESPACE, optedInDeployments: () => [d], volumeLookup: () => volumes, configMaps: { get: () => undefined } } as unknown as ClusterState;
    return predictedWorkloads(state, 'optimize', T + 60, 0).flatMap((w) => w.pods);
  };

  it('a claim the replicas share: predicted pods are planned in its volume’s zone', () => {
    const pods = run(withClaim('shared'));
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods) expect(p.requiredNodeAffinity).toEqual([[{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1b'] }]]);
    expect(run(fresh).every((p) => p.requiredNodeAffinity === undefined)).toBe(true);
  });

  it('a claim that does not exist: no capacity ahead (the pods will wait for it)', () => {
    expect(run(withClaim('missing'))).toEqual([]);
  });
});
