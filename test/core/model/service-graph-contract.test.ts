import { describe, expect, it } from 'vitest';
import { formatServiceGraph, parseServiceGraph, type ServiceGraphDocument } from '../../../core/model/service-graph-contract.js';

const graph: ServiceGraphDocument = {
  v: 1,
  generatedAt: 1_760_000_000,
  stepSeconds: 60,
  edges: [{ caller: 'shop/frontend', callee: 'shop/cart', ratio: 1.8, lagSteps: 0, fit: 0.97, samples: 5000 }],
  explained: [{ callee: 'shop/cart', share: 0.92 }],
};

describe('service graph contract', () => {
  it('round-trips', () => {
    expect(parseServiceGraph(formatServiceGraph(graph))).toEqual({ value: graph, warnings: [] });
  });

  it('is absent without a value', () => {
    expect(parseServiceGraph(undefined)).toEqual({ value: undefined, warnings: [] });
  });

  it.each([
    ['not json', /not valid JSON/],
    ['[]', /expected a JSON object/],
    ['{"v":2}', /unsupported format version/],
    ['{"v":1,"generatedAt":-1,"stepSeconds":60,"edges":[]}', /generatedAt/],
    ['{"v":1,"generatedAt":1,"stepSeconds":0,"edges":[]}', /stepSeconds/],
    ['{"v":1,"generatedAt":1,"stepSeconds":60}', /edges must be a list/],
  ])('rejects %s', (raw, why) => {
    const parsed = parseServiceGraph(raw);
    expect(parsed.value).toBeUndefined();
    expect(parsed.warnings[0]).toMatch(why);
  });

  it('skips bad edges with a warning and keeps good ones', () => {
    const doc = {
      ...graph,
      edges: [graph.edges[0], { caller: 'Frontend', callee: 'shop/cart', ratio: 1, lagSteps: 0 }, { caller: 'a/b', callee: 'a/c', ratio: -1, lagSteps: 0 }, { caller: 'a/b', callee: 'a/c', ratio: 1, lagSteps: 0.5 }],
      explained: [{ callee: 'shop/cart', share: 2 }],
    };
    const parsed = parseServiceGraph(JSON.stringify(doc));
    expect(parsed.value?.edges).toEqual([graph.edges[0]]);
    expect(parsed.value?.explained).toEqual([]);
    expect(parsed.warnings).toHaveLength(4);
    expect(parsed.warnings[0]).toContain('edge 1 ignored: caller "Frontend" is not namespace/name');
  });
});
