import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { deployment, raw, startTestServer } from './support.js';

let server: RunningApiServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A small seeded generator so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

describe('sandbox robustness: bad input never corrupts the store or stops the server', () => {
  it('[X1] 2,000 malformed or hostile requests get 4xx answers and leave existing objects untouched', async () => {
    const base = (await raw(server, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('x1'))).body;
    const random = rng(42);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
    const paths = [
      '/apis/apps/v1/namespaces/default/deployments',
      '/apis/apps/v1/namespaces/default/deployments/x1',
      '/apis/apps/v1/namespaces/default/deployments/x1/status',
      '/apis/apps/v1/namespaces/default/deployments/x1/scale',
      '/api/v1/namespaces/default/pods/x1/eviction',
      '/api/v1/namespaces/default/pods/x1/binding',
      '/api/v1/namespaces/%E0%A4%A/pods',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      '/api/v1/namespaces',
    ];
    const bodies: unknown[] = [
      '{',
      '[]',
      'null',
      '"text"',
      '42',
      { metadata: 'nope' },
      { metadata: { name: 'x1', labels: { 'bad key!': 'v' } } },
      { metadata: { name: 'x1', resourceVersion: '1' }, spec: { replicas: 'many' } },
      { apiVersion: 'v9', kind: 'Deployment', metadata: { name: 'x1' } },
      [{ op: 'remove', path: '/metadata' }],
      [{ op: 'replace', path: '/spec/replicas', value: -5 }],
      { spec: { template: { spec: { containers: [{ name: 'main', image: '' }] } } } },
      { spec: { selector: { matchLabels: { other: 'x' } } } },
      { metadata: { name: 'x1', namespace: 'kube-system' } },
      { spec: { replicas: null, selector: null } },
      { metadata: { finalizers: 'x' } },
    ];
    const contentTypes = ['application/json', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'text/plain', 'application/vnd.kubernetes.protobuf'];
    const codes = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const method = pick(['POST', 'PUT', 'PATCH', 'DELETE', 'GET']);
      const path = pick(paths);
      const body = pick(bodies);
      const r = await raw(server, method, method === 'PATCH' || method === 'POST' ? `${path}?fieldManager=x` : path, method === 'GET' || method === 'DELETE' ? undefined : body, { 'Content-Type': pick(contentTypes) });
      codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)} → ${r.text}`).toBeLessThan(500);
      if (r.status >= 400) expect(r.body?.kind, r.text).toBe('Status');
      // Deletes are allowed to succeed; put the object back so later requests keep hitting it.
      if (method === 'DELETE' && r.status < 300 && (await raw(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/x1')).status === 404) {
        await raw(server, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('x1'));
      }
    }
    expect(codes.get(400) ?? 0).toBeGreaterThan(0);
    expect(codes.get(422) ?? 0).toBeGreaterThan(0);
    const after = await raw(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/x1');
    expect(after.status).toBe(200);
    expect(after.body.spec.template).toEqual(base.spec.template);
    expect((await raw(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('[X2] an oversized body is 413 and the server keeps serving', async () => {
    const big = { metadata: { name: 'big' }, data: { blob: 'x'.repeat(4 * 1024 * 1024) } };
    const r = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', big).catch((e) => ({ status: 413, error: e }));
    expect(r.status).toBe(413);
    expect((await raw(server, 'GET', '/api/v1/namespaces/default/configmaps/big')).status).toBe(404);
  });
});
