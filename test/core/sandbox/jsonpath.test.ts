/**
 * The JSONPath subset of printer columns and scale paths (core/sandbox/apiserver/jsonpath.ts), and
 * the cells the sandbox's Tables make from it for the project's own CRDs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { evaluate, firstMatch, JsonPathError, parseJsonPath } from '../../../core/sandbox/apiserver/jsonpath.js';
import { customResourceTypes } from '../../../core/sandbox/apiserver/resources.js';
import { printerCell, toTable } from '../../../core/sandbox/apiserver/tables.js';

const claim = {
  metadata: { name: 'c1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { 'karpenter.sh/nodepool': 'default' } },
  spec: { nodePool: 'default', requirements: [{ key: 'a', values: ['x', 'y'] }, { key: 'b', values: ['z'] }] },
  status: {
    nodeName: 'n1',
    pricePerHour: '0.0832',
    capacity: { cpu: '2', pods: 110 },
    conditions: [
      { type: 'Launched', status: 'True', reason: 'Launched' },
      { type: 'Initialized', status: 'True', reason: 'Initialized', observedGeneration: 1 },
      { type: 'Drifted', status: 'False', reason: 'NotDrifted' },
      { type: 'Weird', status: 'Unknown' },
    ],
  },
};

describe('JSONPath evaluation', () => {
  it('reads fields, quoted keys and escaped dots, with or without {} and $', () => {
    expect(evaluate(claim, parseJsonPath('.status.nodeName'))).toEqual(['n1']);
    expect(evaluate(claim, parseJsonPath('{.status.nodeName}'))).toEqual(['n1']);
    expect(evaluate(claim, parseJsonPath('$.status.nodeName'))).toEqual(['n1']);
    expect(evaluate(claim, parseJsonPath(".metadata.labels['karpenter.sh/nodepool']"))).toEqual(['default']);
    expect(evaluate(claim, parseJsonPath('.metadata.labels.karpenter\\.sh/nodepool'))).toEqual(['default']);
    expect(evaluate(claim, parseJsonPath('.status.capacity'))).toEqual([{ cpu: '2', pods: 110 }]);
    expect(evaluate(claim, parseJsonPath(''))).toEqual([claim]);
    expect(evaluate(claim, parseJsonPath('.'))).toEqual([claim]);
  });

  it('indexes lists, negative indexes from the end, and [*] fans out', () => {
    expect(firstMatch(claim, '.status.conditions[1].type')).toBe('Initialized');
    expect(firstMatch(claim, '.status.conditions[-1].type')).toBe('Weird');
    expect(firstMatch(claim, '.spec.requirements[0].values[1]')).toBe('y');
    expect(evaluate(claim, parseJsonPath('.status.conditions[*].type'))).toEqual(['Launched', 'Initialized', 'Drifted', 'Weird']);
    expect(evaluate(claim, parseJsonPath('.spec.requirements[*].values[*]'))).toEqual(['x', 'y', 'z']);
  });

  it('[*] fans out a list of 500,000 elements (a spread into push() overflowed the stack)', () => {
    const values = Array.from({ length: 500_000 }, (_, i) => i);
    const selected = evaluate({ spec: { values } }, parseJsonPath('.spec.values[*]'));
    expect(selected.length).toBe(500_000);
    expect(selected[499_999]).toBe(499_999);
  });

  it('filters a list by == and != on a string, number or boolean literal', () => {
    expect(firstMatch(claim, '.status.conditions[?(@.type=="Initialized")].status')).toBe('True');
    expect(firstMatch(claim, ".status.conditions[?(@.type=='Drifted')].reason")).toBe('NotDrifted');
    expect(firstMatch(claim, '.status.conditions[?( @.type == "Drifted" )].reason')).toBe('NotDrifted');
    expect(evaluate(claim, parseJsonPath('.status.conditions[?(@.status!="True")].type'))).toEqual(['Drifted', 'Weird']);
    // Elements without the compared field are skipped, for != too (client-go with missing keys allowed).
    expect(evaluate(claim, parseJsonPath('.status.conditions[?(@.observedGeneration==1)].type'))).toEqual(['Initialized']);
    expect(evaluate(claim, parseJsonPath('.status.conditions[?(@.observedGeneration!=2)].type'))).toEqual(['Initialized']);
    expect(evaluate({ xs: [{ on: true, n: 'a' }, { on: false, n: 'b' }] }, parseJsonPath('.xs[?(@.on==false)].n'))).toEqual(['b']);
    expect(evaluate({ xs: ['a', 'b', 'a'] }, parseJsonPath('.xs[?(@=="a")]'))).toEqual(['a', 'a']);
    expect(evaluate({ xs: [{ v: -1.5 }, { v: 2 }] }, parseJsonPath('.xs[?(@.v==-1.5)].v'))).toEqual([-1.5]);
  });

  it('a filter that matches several yields them all, in order; one that matches nothing yields nothing', () => {
    expect(evaluate(claim, parseJsonPath('.status.conditions[?(@.status=="True")].type'))).toEqual(['Launched', 'Initialized']);
    expect(firstMatch(claim, '.status.conditions[?(@.status=="True")].type')).toBe('Launched');
    expect(evaluate(claim, parseJsonPath('.status.conditions[?(@.type=="Ready")].status'))).toEqual([]);
    expect(firstMatch(claim, '.status.conditions[?(@.type=="Ready")].status')).toBeUndefined();
  });

  it('missing fields select nothing; no conditions at all select nothing', () => {
    expect(evaluate(claim, parseJsonPath('.status.missing.deeper'))).toEqual([]);
    expect(evaluate({}, parseJsonPath('.status.conditions[?(@.type=="Ready")].status'))).toEqual([]);
    expect(evaluate({ status: {} }, parseJsonPath('.status.conditions[0].status'))).toEqual([]);
    expect(evaluate({ a: 'text' }, parseJsonPath('.a.b'))).toEqual([]);
    expect(evaluate({ a: [1] }, parseJsonPath('.a.b'))).toEqual([]);
  });

  it('fails where client-go fails: out of bounds, a list step on a non-list, comparing different types', () => {
    expect(() => evaluate(claim, parseJsonPath('.status.conditions[9]'))).toThrow(JsonPathError);
    expect(() => evaluate(claim, parseJsonPath('.status.nodeName[0]'))).toThrow(JsonPathError);
    expect(() => evaluate(claim, parseJsonPath('.status.capacity[*]'))).toThrow(JsonPathError);
    expect(() => evaluate(claim, parseJsonPath('.status[?(@.type=="x")]'))).toThrow(JsonPathError);
    expect(() => evaluate(claim, parseJsonPath('.status.conditions[?(@.type==1)]'))).toThrow(JsonPathError);
    expect(() => evaluate({ xs: [{ v: [1, 2] }] }, parseJsonPath('.xs[?(@.v[*]==1)]'))).toThrow(JsonPathError);
    // ...and a printer cell of such a path is empty, never an exception.
    expect(firstMatch(claim, '.status.conditions[9]')).toBeUndefined();
  });

  it('rejects syntax outside the subset with a JsonPathError naming the path', () => {
    for (const bad of ['.status..x', '.status.conditions[0:2]', '.a[1,2]', '.a[?(@.x>1)]', '.a[?(@.x)]', '.a[', ".a['x", '.a.*', 'status', '.a[?(@.x==y)]']) {
      expect(() => parseJsonPath(bad), bad).toThrow(JsonPathError);
    }
    expect(() => parseJsonPath('.a[0:2]')).toThrow(/"\.a\[0:2\]"/);
    expect(firstMatch(claim, '.status..nodeName')).toBeUndefined();
  });
});

describe('printer cells (as kube-apiserver makes them)', () => {
  const now = Date.parse('2026-01-01T00:05:00Z');

  it('string columns print any value; lists and maps as JSON', () => {
    expect(printerCell('string', 'True', now)).toBe('True');
    expect(printerCell('string', 0.0832, now)).toBe('0.0832');
    expect(printerCell('string', true, now)).toBe('true');
    expect(printerCell('string', { cpu: '2' }, now)).toBe('{"cpu":"2"}');
    expect(printerCell('string', ['a'], now)).toBe('["a"]');
  });

  it('typed columns keep only a value of their type; nothing selected is a null cell', () => {
    expect(printerCell('integer', 3.9, now)).toBe(3);
    expect(printerCell('integer', '3', now)).toBeNull();
    expect(printerCell('number', 1.5, now)).toBe(1.5);
    expect(printerCell('boolean', 'true', now)).toBeNull();
    expect(printerCell('boolean', false, now)).toBe(false);
    expect(printerCell('string', undefined, now)).toBeNull();
    expect(printerCell('date', '2026-01-01T00:00:00Z', now)).toBe('5m');
    expect(printerCell('date', 'yesterday', now)).toBe('<invalid>');
    expect(printerCell('date', 5, now)).toBeNull();
  });
});

describe("the project's CRDs' printer columns", () => {
  const crdsDir = join(import.meta.dirname, '..', '..', '..', 'manifests', 'crds');
  const crds = readdirSync(crdsDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => load(readFileSync(join(crdsDir, f), 'utf8')) as Record<string, any>);
  const crd = (kind: string) => crds.find((c) => c.spec.names.kind === kind)!;
  const row = (kind: string, object: Record<string, any>) => {
    const type = customResourceTypes(crd(kind))[0];
    const table = toTable(type, [object], { now: Date.parse('2026-01-01T01:00:00Z'), includeObject: 'None', crd: crd(kind) }, {});
    return Object.fromEntries(table.columnDefinitions.map((c: { name: string }, i: number) => [c.name, table.rows[0].cells[i]]));
  };

  it('every printer column path parses', () => {
    for (const c of crds) {
      for (const v of c.spec.versions) {
        for (const col of v.additionalPrinterColumns ?? []) expect(() => parseJsonPath(col.jsonPath), `${c.metadata.name} ${col.name}`).not.toThrow();
      }
    }
  });

  it('NodeClaim: Ready is the Initialized condition, Drifted its reason', () => {
    expect(row('NodeClaim', claim)).toMatchObject({ Name: 'c1', Node: 'n1', Ready: 'True', Drifted: 'NotDrifted', NodePool: 'default', Price: '0.0832', Age: '60m' });
    expect(row('NodeClaim', { ...claim, status: { conditions: [{ type: 'Launched', status: 'True' }] } })).toMatchObject({ Ready: null, Drifted: null });
  });

  it('NodePool Ready and EC2NodeClass Ready/Message come from the Ready condition', () => {
    const ready = { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'False', message: 'no subnets' }] } };
    expect(row('NodePool', ready)).toMatchObject({ Ready: 'False' });
    expect(row('EC2NodeClass', ready)).toMatchObject({ Ready: 'False', Message: 'no subnets' });
  });
});
