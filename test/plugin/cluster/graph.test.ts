import { describe, expect, it } from 'vitest';
import { graphEdges } from '../../../plugin/cluster/graph.js';
import { graphColumns } from '../../../plugin/commands/graph.js';
import { renderTable } from '../../../plugin/render/table.js';
import type { ServiceGraphDocument } from '../../../core/model/service-graph-contract.js';

const doc: ServiceGraphDocument = {
  v: 1,
  generatedAt: 1,
  stepSeconds: 60,
  edges: [
    { caller: 'shop/frontend', callee: 'shop/cart', ratio: 1.8, lagSteps: 0, fit: 0.97, samples: 5000 },
    { caller: 'shop/cart', callee: 'payments/charge', ratio: 0.12, lagSteps: 1, fit: 0.81 },
    { caller: 'ops/probe', callee: 'ops/db', ratio: 3, lagSteps: 0 },
  ],
  explained: [{ callee: 'shop/cart', share: 0.92 }],
};

describe('graph', () => {
  it('keeps edges touching the namespace, sorted, with the callee explained share', () => {
    expect(graphEdges(doc, 'payments').map((e) => `${e.caller}>${e.callee}`)).toEqual(['shop/cart>payments/charge']);
    expect(graphEdges(doc, undefined).map((e) => e.caller)).toEqual(['ops/probe', 'shop/cart', 'shop/frontend']);
    expect(graphEdges(doc, 'shop').find((e) => e.callee === 'shop/cart')?.calleeExplained).toBe(0.92);
  });

  it('table (snapshot)', () => {
    expect(renderTable(graphColumns, graphEdges(doc, undefined), false)).toMatchSnapshot();
    expect(renderTable(graphColumns, graphEdges(doc, undefined), true)).toMatchSnapshot();
  });
});
