import { describe, expect, it } from 'vitest';
import { Annotations, REPLICA_CEILING } from '../../core/model/annotations.js';
import { resourcesFromList } from '../../core/model/resources.js';
import { diffJsonPatch } from '../../webhook/admission/json-patch.js';
import { containerRequests, podRequests } from '../../webhook/mutate/capacity.js';
import { mutate, parseDecisionRecord, WebhookAnnotations, type DecisionAction, type MutateContext } from '../../webhook/mutate/index.js';
import { context, deployment, forecast, NOW, optedIn, type DeploymentOptions } from './builders.js';

// The default forecast's upper band [100, 110, 120, 200, 140] at 10 rps/pod needs
// [10, 11, 12, 20, 14] replicas: target (2 lead steps) 11, peak 20.

interface Case {
  name: string;
  deployment: DeploymentOptions;
  context?: Partial<MutateContext>;
  action: DecisionAction;
  /** spec.replicas after mutate (undefined: left as it was). */
  replicas?: number;
  target?: string;
  peak?: string;
  /** A substring expected in one of the warnings; undefined means no warnings. */
  warning?: RegExp;
  reason?: RegExp;
}

const cases: Case[] = [
  { name: 'not opted in', deployment: { replicas: 3, annotations: { 'smartscale.io/forecast': '{}' } }, action: 'skip' },
  { name: 'opted out explicitly', deployment: { replicas: 3, annotations: optedIn({ 'smartscale.io/enabled': 'false' }) }, action: 'skip' },
  { name: 'optimize: scale up at once', deployment: { replicas: 5, annotations: optedIn() }, action: 'scale-up', replicas: 11, target: '11', peak: '20' },
  { name: 'optimize: hold at target', deployment: { replicas: 11, annotations: optedIn() }, action: 'hold', replicas: 11 },
  { name: 'optimize: scale down damped', deployment: { replicas: 30, annotations: optedIn() }, action: 'scale-down', replicas: 27, reason: /damped/ },
  { name: 'optimize: scale down by one reaches target', deployment: { replicas: 12, annotations: optedIn() }, action: 'scale-down', replicas: 11 },
  { name: 'optimize: missing spec.replicas counts as 1', deployment: { annotations: optedIn() }, action: 'scale-up', replicas: 11 },
  { name: 'cluster observe: annotations only', deployment: { replicas: 5, annotations: optedIn() }, context: { clusterMode: 'observe' }, action: 'observe', target: '11' },
  { name: 'Deployment observe overrides cluster optimize', deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/mode': 'observe' }) }, action: 'observe' },
  { name: 'Deployment optimize overrides cluster observe', deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/mode': 'optimize' }) }, context: { clusterMode: 'observe' }, action: 'scale-up', replicas: 11 },
  { name: 'HPA owns replicas', deployment: { replicas: 5, annotations: optedIn() }, context: { hpaOwnsReplicas: true }, action: 'hpa-owned', target: '11', peak: '20' },
  { name: 'stale forecast', deployment: { replicas: 5, annotations: optedIn({}, forecast({ stale: true })) }, action: 'no-action', reason: /stale/ },
  { name: 'forecast too old', deployment: { replicas: 5, annotations: optedIn({}, forecast({ generatedAt: NOW - 901 })) }, action: 'no-action', reason: /901s old/ },
  { name: 'forecast from the future', deployment: { replicas: 5, annotations: optedIn({}, forecast({ generatedAt: NOW + 3600 })) }, action: 'no-action', reason: /future/ },
  { name: 'no forecast yet', deployment: { replicas: 5, annotations: { 'smartscale.io/enabled': 'true' } }, action: 'no-action', reason: /no forecast/ },
  { name: 'unparseable forecast', deployment: { replicas: 5, annotations: optedIn({}, '{not json') }, action: 'no-action', warning: /not valid JSON/ },
  { name: 'negative demand in forecast', deployment: { replicas: 5, annotations: optedIn({}, forecast({ upper: [-1, 2, 3, 4, 5] })) }, action: 'no-action', warning: /upper values/ },
  { name: 'no per-pod capacity anywhere', deployment: { replicas: 5, annotations: optedIn() }, context: { defaultRpsPerPod: undefined }, action: 'no-action', warning: /target-rps-per-pod/ },
  { name: 'learned per-pod capacity beats the default', deployment: { replicas: 5, annotations: optedIn({}, forecast({ learnedRpsPerPod: 20 })) }, action: 'scale-up', replicas: 6, target: '6', peak: '10' },
  { name: "user's per-pod capacity beats the learned one", deployment: { replicas: 3, annotations: optedIn({ 'smartscale.io/target-rps-per-pod': '40' }, forecast({ learnedRpsPerPod: 20 })) }, action: 'hold', replicas: 3, target: '3', peak: '5', reason: /target 3/ },
  { name: 'max bound clamps target and peak', deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/max-replicas': '8' }) }, action: 'scale-up', replicas: 8, target: '8', peak: '8' },
  { name: 'min bound lifts target', deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/min-replicas': '15' }) }, action: 'scale-up', replicas: 15, target: '15', peak: '20' },
  { name: 'min above the default max wins over the default', deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/min-replicas': '70' }) }, action: 'scale-up', replicas: 70 },
  { name: 'current above the max bound comes down to it', deployment: { replicas: 200, annotations: optedIn({ 'smartscale.io/max-replicas': '20' }) }, action: 'scale-down', replicas: 20 },
  {
    name: 'bad bounds are ignored with warnings',
    deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/min-replicas': '-3', 'smartscale.io/max-replicas': '99999999' }) },
    action: 'scale-up',
    replicas: 11,
    warning: /min-replicas="-3" ignored/,
  },
  {
    name: 'enormous demand stays under the ceiling',
    deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/target-rps-per-pod': '0.001', 'smartscale.io/max-replicas': String(REPLICA_CEILING) }, forecast({ upper: [1e9, 1e9, 1e9, 1e9, 1e9] })) },
    action: 'scale-up',
    replicas: REPLICA_CEILING,
    target: String(REPLICA_CEILING),
  },
  { name: 'bad mode value', deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/mode': 'yolo' }) }, action: 'scale-up', replicas: 11, warning: /mode="yolo" ignored/ },
  { name: 'non-string annotation value', deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/max-replicas': 7 }) }, action: 'scale-up', replicas: 11, warning: /must be strings/ },
  { name: 'unreadable spec.replicas is left alone', deployment: { replicas: 'many', annotations: optedIn() }, action: 'no-action', warning: /not a whole number/ },
  { name: 'unreadable requests: capacity still written', deployment: { replicas: 5, cpu: 'lots', annotations: optedIn() }, action: 'scale-up', replicas: 11, warning: /requests ignored/ },
  {
    name: 'rps-query with a placeholder outside quotes: warned, the rest decided',
    deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/rps-query': 'sum(rate(hits{namespace={namespace}}[{window}]))' }) },
    action: 'scale-up',
    replicas: 11,
    warning: /^smartscale\.io\/rps-query is unusable \(placeholder \{namespace\} must be inside a quoted label value.*no forecast is made until it is fixed$/,
  },
  {
    name: 'rps-query with an unterminated string: warned',
    deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/rps-query': 'sum(rate(hits{service="{deployment}}[1m]))' }) },
    action: 'scale-up',
    replicas: 11,
    warning: /rps-query is unusable \(unterminated string literal/,
  },
  { name: 'a usable rps-query: no warning', deployment: { replicas: 5, annotations: optedIn({ 'smartscale.io/rps-query': 'sum(rate(hits{namespace="{namespace}", service=~"{deployment}"}[{window}]))' }) }, action: 'scale-up', replicas: 11 },
];

describe('mutate', () => {
  it.each(cases)('$name', (c) => {
    const input = deployment(c.deployment);
    const snapshot = structuredClone(input);
    const result = mutate(input, context(c.context));
    expect(input).toEqual(snapshot); // never modified in place
    expect(result.decision.action).toBe(c.action);
    const out = result.deployment as { spec: { replicas?: unknown }; metadata: { annotations?: Record<string, string> } };
    const annotations = out.metadata.annotations ?? {};
    expect(out.spec.replicas).toEqual(c.replicas ?? c.deployment.replicas);
    if (c.target !== undefined) expect(annotations[Annotations.targetReplicas]).toBe(c.target);
    if (c.peak !== undefined) expect(annotations[Annotations.peakReplicas]).toBe(c.peak);
    if (c.warning) expect(result.warnings.join('\n')).toMatch(c.warning);
    else expect(result.warnings).toEqual([]);
    if (c.reason) expect(result.decision.reason).toMatch(c.reason);
    if (c.action === 'skip') {
      expect(result.deployment).toBe(input);
    } else {
      expect(parseDecisionRecord(annotations[WebhookAnnotations.decision])).toEqual(result.decision);
    }
    // Idempotent: the output fed back in gives no patch.
    const again = mutate(result.deployment, context(c.context));
    expect(diffJsonPatch(result.deployment, again.deployment)).toEqual([]);
    expect(again.deployment).toBe(result.deployment);
  });

  it('writes the capacity the peak needs beyond the current replicas', () => {
    const result = mutate(deployment({ replicas: 5, annotations: optedIn() }), context());
    const annotations = (result.deployment.metadata as { annotations: Record<string, string> }).annotations;
    expect(JSON.parse(annotations[Annotations.capacity])).toEqual({
      replicas: 15, // peak 20 − 5 running
      cpu: '3750m',
      memory: '7680Mi',
      pods: 15,
      neededAt: NOW - 30 + 60, // the first step already needs more than 5
    });
  });

  it('sizes the capacity of a limits-only pod template at its limits (the API server defaults requests only on Pods)', () => {
    const d = deployment({ replicas: 14, annotations: optedIn() }) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    d.spec.template.spec.containers[0].resources = { limits: { cpu: '2', memory: '4Gi' } };
    const result = mutate(d as Record<string, unknown>, context());
    const annotations = (result.deployment.metadata as { annotations: Record<string, string> }).annotations;
    expect(JSON.parse(annotations[Annotations.capacity])).toMatchObject({ replicas: 6, cpu: '12', memory: '24Gi', pods: 6 });
    expect(result.warnings).toEqual([]);
  });

  it('writes zero capacity when the current replicas cover the peak', () => {
    const result = mutate(deployment({ replicas: 25, annotations: optedIn() }), context());
    const annotations = (result.deployment.metadata as { annotations: Record<string, string> }).annotations;
    expect(JSON.parse(annotations[Annotations.capacity])).toEqual({ replicas: 0, cpu: '0', memory: '0', pods: 0 });
  });

  it('removes the capacity request when the forecast goes stale, keeping the last targets', () => {
    const fresh = mutate(deployment({ replicas: 5, annotations: optedIn() }), context()).deployment;
    const meta = fresh.metadata as { annotations: Record<string, string> };
    meta.annotations[Annotations.forecast] = JSON.stringify(forecast({ stale: true }));
    const stale = mutate(fresh, context());
    const annotations = (stale.deployment.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations[Annotations.capacity]).toBeUndefined();
    expect(annotations[Annotations.targetReplicas]).toBe('11');
    expect((stale.deployment.spec as { replicas: number }).replicas).toBe(11);
  });

  it('removes the capacity request when no per-pod capacity is known, so an earlier peak buys no nodes', () => {
    const sized = mutate(deployment({ replicas: 5, annotations: optedIn() }), context()).deployment;
    expect((sized.metadata as { annotations: Record<string, string> }).annotations[Annotations.capacity]).toBeDefined();
    const unsized = mutate(sized, context({ defaultRpsPerPod: undefined }));
    expect(unsized.decision).toMatchObject({ action: 'no-action', reason: 'no per-pod capacity' });
    expect((unsized.deployment.metadata as { annotations: Record<string, string> }).annotations[Annotations.capacity]).toBeUndefined();
  });

  it('starts from the live replicas on UPDATE, so a stale manifest does not undo the forecast', () => {
    // The manifest says 3, 20 are running, the forecast wants 11: a damped step down from 20.
    const result = mutate(deployment({ replicas: 3, annotations: optedIn() }), context({ liveReplicas: 20 }));
    expect((result.deployment.spec as { replicas: number }).replicas).toBe(18);
    expect(result.decision).toMatchObject({ action: 'scale-down', from: 20, to: 18 });
  });

  it('damps once per forecast: a new forecast takes the next step', () => {
    const first = mutate(deployment({ replicas: 30, annotations: optedIn() }), context()).deployment;
    expect((first.spec as { replicas: number }).replicas).toBe(27);
    const meta = first.metadata as { annotations: Record<string, string> };
    meta.annotations[Annotations.forecast] = JSON.stringify(forecast({ generatedAt: NOW }));
    const second = mutate(first, context({ liveReplicas: 27 }));
    expect((second.deployment.spec as { replicas: number }).replicas).toBe(25); // 27 − floor(2.7)
  });

  it('removes the HPA marker when the HPA goes away', () => {
    const owned = mutate(deployment({ replicas: 5, annotations: optedIn() }), context({ hpaOwnsReplicas: true })).deployment;
    expect((owned.metadata as { annotations: Record<string, string> }).annotations[WebhookAnnotations.replicasOwner]).toBe('hpa');
    const freed = mutate(owned, context());
    expect((freed.deployment.metadata as { annotations: Record<string, string> }).annotations[WebhookAnnotations.replicasOwner]).toBeUndefined();
    expect((freed.deployment.spec as { replicas: number }).replicas).toBe(11);
  });

  it('never throws on odd shapes', () => {
    const shapes: Array<Record<string, unknown>> = [
      {},
      { metadata: null },
      { metadata: { annotations: 'x' } },
      { metadata: { annotations: ['smartscale.io/enabled'] } },
      { metadata: { annotations: { 'smartscale.io/enabled': 'true' } }, spec: 5 },
      { metadata: { annotations: optedIn() }, spec: { template: { spec: { containers: 'no' } } } },
      { metadata: { annotations: optedIn() } },
    ];
    for (const shape of shapes) expect(() => mutate(shape, context())).not.toThrow();
  });
});

describe('pod requests', () => {
  it.each([
    ['250m', '512Mi'],
    ['2', '1Gi'],
    ['0', '0'],
    ['999999999m', '8388607Gi'],
    ['1500m', '123456789'],
    ['0.5', '1G'],
    ['1e3', '1.5Gi'],
    ['999999999m', '8191Ti'],
    [undefined, '64Mi'],
    ['100m', undefined],
  ])('fast path agrees with the exact parser for cpu=%s memory=%s', (cpu, memory) => {
    const requests: Record<string, string> = {};
    if (cpu !== undefined) requests.cpu = cpu;
    if (memory !== undefined) requests.memory = memory;
    const container = { resources: { requests } };
    const exact = { ...resourcesFromList(requests), pods: 0, gpus: 0 };
    expect(containerRequests(container)).toEqual(exact);
  });

  it('sums containers, takes the larger init container, adds overhead and one pod slot', () => {
    const warnings: string[] = [];
    const template = {
      spec: {
        containers: [{ resources: { requests: { cpu: '250m', memory: '256Mi' } } }, { resources: { requests: { cpu: '250m', memory: '256Mi' } } }],
        initContainers: [{ resources: { requests: { cpu: '2', memory: '64Mi' } } }],
        overhead: { cpu: '10m' },
      },
    };
    expect(podRequests(template, warnings)).toEqual({ milliCpu: 2010, memoryBytes: 512 * 2 ** 20, pods: 1, gpus: 0 });
    expect(warnings).toEqual([]);
  });

  it('reports an unreadable quantity and counts it as zero', () => {
    const warnings: string[] = [];
    expect(podRequests({ spec: { containers: [{ resources: { requests: { cpu: '-1' } } }] } }, warnings)).toEqual({ milliCpu: 0, memoryBytes: 0, pods: 1, gpus: 0 });
    expect(warnings[0]).toMatch(/requests ignored/);
  });
});

it('falls back to the exact parser (and its error) past 2^53 bytes', () => {
  expect(() => containerRequests({ resources: { requests: { memory: '999999999Ti' } } })).toThrow(/quantity/);
});

describe('pod requests: odd spellings take the exact path', () => {
  it.each([['1000000000m'], ['007'], ['5M'], ['5Xi'], ['1.0'], [' 5'], ['5mi'], ['']])('cpu and memory %j agree with the exact parser or both fail', (q) => {
    const container = { resources: { requests: { cpu: q, memory: q } } };
    let exact: unknown;
    try {
      exact = { ...resourcesFromList({ cpu: q, memory: q }), pods: 0, gpus: 0 };
    } catch (err) {
      exact = err instanceof Error ? err.constructor : err;
    }
    let fast: unknown;
    try {
      fast = containerRequests(container);
    } catch (err) {
      fast = err instanceof Error ? err.constructor : err;
    }
    expect(fast).toEqual(exact);
  });
});
