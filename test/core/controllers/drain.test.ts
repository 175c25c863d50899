/**
 * The pieces of a drain that need no cluster: which answers of the Eviction API mean "wait" or
 * "done", when a terminating pod is stuck, and the price cap on a consolidation's replacement.
 */
import { describe, expect, it } from 'vitest';
import { KubeApiError, type KubeClient, type KubeObject } from '../../../core/kube/client.js';
import { cheaperThan } from '../../../core/controllers/disruption.js';
import { evictPods, isStuckTerminating } from '../../../core/controllers/drain.js';
import { Labels } from '../../../core/model/labels.js';
import { resources } from '../../../core/model/resources.js';
import type { PlannedNodeClaim } from '../../../core/scheduling/types.js';

function pod(name: string, deletionTimestamp?: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(deletionTimestamp ? { deletionTimestamp } : {}) } };
}

/** A client whose eviction answers are scripted per pod name. */
function evictionClient(answers: Record<string, Error | undefined>): { client: KubeClient; posted: string[] } {
  const posted: string[] = [];
  const client = {
    async postSubresource(_res: unknown, name: string, _ns: string, subresource: string, body: any) {
      expect(subresource).toBe('eviction');
      expect(body).toMatchObject({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } });
      posted.push(name);
      const answer = answers[name];
      if (answer) throw answer;
      return {};
    },
  } as unknown as KubeClient;
  return { client, posted };
}

describe('evictPods', () => {
  it('sorts the answers: accepted, blocked by a PDB (429), already gone (404)', async () => {
    const { client, posted } = evictionClient({ b: new KubeApiError(429, 'TooManyRequests', 'budget'), c: new KubeApiError(404, 'NotFound', 'gone') });
    const result = await evictPods(client, [pod('a'), pod('b'), pod('c'), pod('d')]);
    expect(posted).toEqual(['a', 'b', 'c', 'd']);
    expect(result).toEqual({ evicted: ['default/a', 'default/d'], blocked: ['default/b'] });
  });

  it('throws any other failure, so the loop backs off and retries the pass', async () => {
    const { client } = evictionClient({ a: new KubeApiError(500, 'InternalError', 'etcd') });
    await expect(evictPods(client, [pod('a'), pod('b')])).rejects.toMatchObject({ code: 500 });
  });
});

describe('isStuckTerminating', () => {
  const deletion = '2026-01-01T00:00:00Z';
  const at = Date.parse(deletion);
  it.each([
    ['not terminating', undefined, at + 10 * 60_000, false],
    ['within a minute of its deletionTimestamp', deletion, at + 59_000, false],
    ['over a minute past it', deletion, at + 61_000, true],
    ['an unreadable timestamp', 'not-a-time', at + 10 * 60_000, false],
  ] as const)('%s', (_name, ts, now, stuck) => {
    expect(isStuckTerminating(pod('p', ts), now)).toBe(stuck);
  });
});

describe('cheaperThan (a consolidation replacement must come out cheaper)', () => {
  const offering = (price: number) => ({ zone: 'z1', capacityType: 'on-demand' as const, pricePerHour: price, available: true });
  const planned: PlannedNodeClaim = {
    id: 'replacement-0',
    nodePool: 'demo',
    instanceType: 'small',
    offering: offering(0.04),
    instanceTypeOptions: [
      { instanceType: 'small', offering: offering(0.04) },
      { instanceType: 'medium', offering: offering(0.08) },
      { instanceType: 'large', offering: offering(0.33) },
      { instanceType: 'xlarge', offering: offering(0.5) },
    ],
    requirements: [
      { key: Labels.instanceType, operator: 'In', values: ['small', 'medium', 'large', 'xlarge'] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
    ],
    pods: ['default/web-1'],
    requests: resources({ milliCpu: 500 }),
    allocatable: resources({ milliCpu: 1900 }),
  };

  it.each([
    ['keeps only types cheaper than the replaced nodes', 0.33, ['small', 'medium']],
    ['keeps all of them when there is no cap (expiry)', Infinity, ['small', 'medium', 'large', 'xlarge']],
    ['none left: no replacement', 0.04, undefined],
  ] as const)('%s', (_name, cap, types) => {
    const capped = cheaperThan(planned, cap);
    if (!types) {
      expect(capped).toBeUndefined();
      return;
    }
    expect(capped!.instanceTypeOptions.map((o) => o.instanceType)).toEqual(types);
    expect(capped!.requirements.find((r) => r.key === Labels.instanceType)!.values).toEqual(types);
    expect(capped!.requirements.find((r) => r.key === 'kubernetes.io/arch')!.values).toEqual(['amd64']);
  });
});
