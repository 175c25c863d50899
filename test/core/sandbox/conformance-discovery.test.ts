import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { raw, startTestServer } from './support.js';

let server: RunningApiServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('sandbox conformance: discovery, OpenAPI, authentication', () => {
  it('[D1] /version answers without a token, with a 1.32 server version', async () => {
    const r = await raw(server, 'GET', '/version', undefined, {}, null);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ major: '1', minor: '32' });
  });

  it('[D2] /api and /apis list the core version and every group', async () => {
    const api = await raw(server, 'GET', '/api');
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const apis = await raw(server, 'GET', '/apis');
    const names = apis.body.groups.map((g: any) => g.name);
    for (const g of ['apps', 'policy', 'coordination.k8s.io', 'autoscaling', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'events.k8s.io']) expect(names).toContain(g);
    const apps = await raw(server, 'GET', '/apis/apps');
    expect(apps.body).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1' } });
  });

  it('[D3] resource lists carry verbs, short names and subresources (status, scale, binding, eviction)', async () => {
    const core = await raw(server, 'GET', '/api/v1');
    const names = core.body.resources.map((r: any) => r.name);
    for (const n of ['namespaces', 'nodes', 'pods', 'pods/status', 'pods/binding', 'pods/eviction', 'events', 'configmaps', 'secrets', 'services', 'serviceaccounts']) expect(names).toContain(n);
    const apps = await raw(server, 'GET', '/apis/apps/v1');
    const scale = apps.body.resources.find((r: any) => r.name === 'deployments/scale');
    expect(scale).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const deploy = apps.body.resources.find((r: any) => r.name === 'deployments');
    expect(deploy.shortNames).toEqual(['deploy']);
    expect(deploy.verbs).toContain('watch');
    expect((await raw(server, 'GET', '/apis/nope.io/v1')).status).toBe(404);
  });

  it('[D4] /openapi/v3 lists group-versions whose documents declare fieldValidation on PATCH', async () => {
    const root = await raw(server, 'GET', '/openapi/v3');
    const entry = root.body.paths['apis/apps/v1'];
    expect(entry.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=/);
    const doc = await raw(server, 'GET', entry.serverRelativeURL);
    const patch = doc.body.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
    expect((await raw(server, 'GET', '/openapi/v2')).status).toBe(404);
  });

  it('[D5] requests without the bearer token get 401 Unauthorized as a Status', async () => {
    const r = await raw(server, 'GET', '/api/v1/pods', undefined, {}, null);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const wrong = await raw(server, 'GET', '/api/v1/pods', undefined, {}, 'not-the-token');
    expect(wrong.status).toBe(401);
  });

  it('[D7] SelfSubjectAccessReview (kubectl auth can-i) is answered allowed, not stored', async () => {
    const r = await raw(server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } });
    expect(r.status).toBe(201);
    expect(r.body.status.allowed).toBe(true);
    expect(r.body.spec.resourceAttributes.verb).toBe('get');
    const list = await raw(server, 'GET', '/apis/authorization.k8s.io/v1');
    expect(list.body.resources.find((x: any) => x.name === 'selfsubjectaccessreviews').verbs).toEqual(['create']);
  });

  it('[D6] unknown paths are 404 Status bodies', async () => {
    const r = await raw(server, 'GET', '/api/v1/widgets');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });
});
