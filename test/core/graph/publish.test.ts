/**
 * serviceGraphDocument: the learned graphs of every namespace as the published document — names
 * the contract can carry, rounding that keeps an unchanged graph unchanged, and the edge and size
 * limits (best-observed edges kept).
 */
import { describe, expect, it } from 'vitest';
import { sameGraph, serviceGraphDocument, type NamespaceGraph } from '../../../core/graph/publish.js';
import { ServiceGraphLearner } from '../../../core/graph/service-graph.js';
import { formatServiceGraph, parseServiceGraph } from '../../../core/model/service-graph-contract.js';

const edge = (caller: string, callee: string, ratio: number, samples = 100, fit = 0.9) => ({ caller, callee, ratio, lagSteps: 0, fit, samples });

describe('serviceGraphDocument', () => {
  it('names services namespace/deployment and round-trips through the contract parser', () => {
    const graphs: NamespaceGraph[] = [
      { namespace: 'shop', edges: [edge('frontend', 'cart', 1.83333333), edge('cart', 'db', 2.5)], explanations: [{ callee: 'cart', edges: [], explainedShare: 0.912345, explained: true }] },
      { namespace: 'blog', edges: [edge('web', 'api', 0.5, 7, 0.6)], explanations: [] },
    ];
    const { document, dropped } = serviceGraphDocument(graphs, { generatedAt: 1_760_000_000, stepSeconds: 60 });
    expect(dropped).toBe(0);
    expect(document.edges.map((e) => `${e.caller}->${e.callee}`)).toEqual(['blog/web->blog/api', 'shop/cart->shop/db', 'shop/frontend->shop/cart']);
    expect(document.edges.find((e) => e.callee === 'shop/cart')).toEqual({ caller: 'shop/frontend', callee: 'shop/cart', ratio: 1.833, lagSteps: 0, fit: 0.9, samples: 100 });
    expect(document.explained).toEqual([{ callee: 'shop/cart', share: 0.912 }]);
    expect(parseServiceGraph(formatServiceGraph(document))).toEqual({ value: document, warnings: [] });
  });

  it('leaves out edges whose names the contract cannot carry, and non-finite ratios', () => {
    const graphs: NamespaceGraph[] = [{ namespace: 'shop', edges: [edge('Frontend', 'cart', 1), edge('a', 'b', Number.NaN), edge('a', 'c', 1)], explanations: [] }];
    const { document, dropped } = serviceGraphDocument(graphs, { generatedAt: 1, stepSeconds: 60 });
    expect(dropped).toBe(2);
    expect(document.edges.map((e) => e.callee)).toEqual(['shop/c']);
  });

  it('keeps the best-observed edges over the edge limit and under the size limit', () => {
    const edges = Array.from({ length: 50 }, (_, i) => edge(`caller-${i}`, `callee-${i}`, 1, i));
    const byCount = serviceGraphDocument([{ namespace: 'ns', edges, explanations: [] }], { generatedAt: 1, stepSeconds: 60, maxEdges: 10 });
    expect(byCount.dropped).toBe(40);
    expect(byCount.document.edges.map((e) => e.samples).sort((a, b) => a! - b!)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    const bySize = serviceGraphDocument([{ namespace: 'ns', edges, explanations: [] }], { generatedAt: 1, stepSeconds: 60, maxBytes: 2_000 });
    expect(Buffer.byteLength(formatServiceGraph(bySize.document))).toBeLessThanOrEqual(2_000);
    expect(bySize.document.edges.length).toBeGreaterThan(5);
    expect(bySize.dropped).toBe(50 - bySize.document.edges.length);
    // Edge i has i samples: the ones dropped are those with the fewest.
    expect(Math.min(...bySize.document.edges.map((e) => e.samples!))).toBe(bySize.dropped);
  });

  it('says the same thing for estimates that moved below the rounding, and differs when one moved', () => {
    const at = (ratio: number, generatedAt: number) => serviceGraphDocument([{ namespace: 'ns', edges: [edge('a', 'b', ratio)], explanations: [] }], { generatedAt, stepSeconds: 60 }).document;
    expect(sameGraph(at(1.50001, 1), at(1.50002, 2))).toBe(true);
    expect(sameGraph(at(1.5, 1), at(1.6, 1))).toBe(false);
    // Sample counts grow every bucket: alone they are no change (the refresh publishes them).
    const withSamples = (samples: number) => serviceGraphDocument([{ namespace: 'ns', edges: [edge('a', 'b', 1.5, samples)], explanations: [] }], { generatedAt: 1, stepSeconds: 60 }).document;
    expect(sameGraph(withSamples(100), withSamples(101))).toBe(true);
  });

  it('publishes what a learner fed a two-tier graph learned', () => {
    const learner = new ServiceGraphLearner();
    for (let i = 0; i < 400; i++) {
      const front = 100 + 50 * Math.sin(i / 20);
      learner.observe({ front, back: 2 * front }, { 'front->back': 2 * front });
    }
    const { document } = serviceGraphDocument([{ namespace: 'app', edges: learner.edges(), explanations: learner.explanations() }], { generatedAt: 1, stepSeconds: 60 });
    expect(document.edges).toHaveLength(1);
    expect(document.edges[0]).toMatchObject({ caller: 'app/front', callee: 'app/back', lagSteps: 0 });
    expect(document.edges[0].ratio).toBeCloseTo(2, 2);
    expect(document.explained).toEqual([{ callee: 'app/back', share: 1 }]);
  });
});
