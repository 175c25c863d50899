import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { deployment, pod, raw, startTestServer } from './support.js';

let server: RunningApiServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

describe('sandbox conformance: create, read, update, errors', () => {
  it('[R1] create returns 201 with uid, creationTimestamp, resourceVersion, generation 1 and defaults', async () => {
    const r = await raw(server, 'POST', DEPLOYMENTS, deployment('r1', 2));
    expect(r.status).toBe(201);
    const m = r.body.metadata;
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(m.resourceVersion)).toBeGreaterThan(0);
    expect(m.generation).toBe(1);
    expect(m.namespace).toBe('default');
    expect(r.body.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    const got = await raw(server, 'GET', `${DEPLOYMENTS}/r1`);
    expect(got.body).toEqual(r.body);
  });

  it('[R2] a duplicate create is 409 AlreadyExists', async () => {
    await raw(server, 'POST', DEPLOYMENTS, deployment('r2'));
    const r = await raw(server, 'POST', DEPLOYMENTS, deployment('r2'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ reason: 'AlreadyExists', details: { name: 'r2', group: 'apps', kind: 'deployments' } });
  });

  it('[R3] an update with a stale resourceVersion is 409 Conflict and leaves the object unchanged', async () => {
    const created = (await raw(server, 'POST', DEPLOYMENTS, deployment('r3'))).body;
    const fresh = structuredClone(created);
    fresh.spec.replicas = 4;
    const ok = await raw(server, 'PUT', `${DEPLOYMENTS}/r3`, fresh);
    expect(ok.status).toBe(200);
    expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const stale = structuredClone(created);
    stale.spec.replicas = 9;
    const r = await raw(server, 'PUT', `${DEPLOYMENTS}/r3`, stale);
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('Conflict');
    expect(r.body.message).toContain('the object has been modified');
    expect((await raw(server, 'GET', `${DEPLOYMENTS}/r3`)).body.spec.replicas).toBe(4);
  });

  it('[R4] generation moves only with the spec; a no-op update keeps the resourceVersion', async () => {
    const created = (await raw(server, 'POST', DEPLOYMENTS, deployment('r4'))).body;
    const labelled = (await raw(server, 'PATCH', `${DEPLOYMENTS}/r4`, { metadata: { labels: { x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' })).body;
    expect(labelled.metadata.generation).toBe(1);
    const scaled = (await raw(server, 'PATCH', `${DEPLOYMENTS}/r4`, { spec: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' })).body;
    expect(scaled.metadata.generation).toBe(2);
    const same = (await raw(server, 'PATCH', `${DEPLOYMENTS}/r4`, { spec: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' })).body;
    expect(same.metadata.resourceVersion).toBe(scaled.metadata.resourceVersion);
    expect(created.metadata.uid).toBe(same.metadata.uid);
  });

  it('[R5] 404 NotFound names the resource, 400 for malformed bodies and namespace mismatch, 415 for protobuf', async () => {
    const nf = await raw(server, 'GET', `${DEPLOYMENTS}/missing`);
    expect(nf.status).toBe(404);
    expect(nf.body.message).toBe('deployments.apps "missing" not found');
    const bad = await raw(server, 'POST', DEPLOYMENTS, '{"metadata": ');
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toBe('BadRequest');
    const mismatch = await raw(server, 'POST', DEPLOYMENTS, { ...deployment('r5'), metadata: { name: 'r5', namespace: 'kube-system' } });
    expect(mismatch.status).toBe(400);
    const proto = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', 'k8s\0...', { 'Content-Type': 'application/vnd.kubernetes.protobuf' });
    expect(proto.status).toBe(415);
    const wrongKind = await raw(server, 'POST', DEPLOYMENTS, { ...deployment('r5'), kind: 'ReplicaSet' });
    expect(wrongKind.status).toBe(400);
    const noNs = await raw(server, 'POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'c' } });
    expect(noNs.status).toBe(404);
    expect(noNs.body.message).toBe('namespaces "nope" not found');
  });

  it('[R6] invalid objects are 422 Invalid with field causes, and nothing is stored', async () => {
    const r = await raw(server, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'bad' }, spec: { containers: [] } });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ reason: 'Invalid', details: { causes: [{ field: 'spec.containers' }] } });
    const badName = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'Not_Valid' } });
    expect(badName.status).toBe(422);
    const selector = await raw(server, 'POST', DEPLOYMENTS, { ...deployment('r6'), spec: { ...deployment('r6').spec, selector: { matchLabels: { app: 'other' } } } });
    expect(selector.status).toBe(422);
    expect((await raw(server, 'GET', `${DEPLOYMENTS}/r6`)).status).toBe(404);
    const existing = (await raw(server, 'POST', DEPLOYMENTS, deployment('r6b'))).body;
    const negative = await raw(server, 'PATCH', `${DEPLOYMENTS}/r6b`, { spec: { replicas: -1 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(negative.status).toBe(422);
    expect((await raw(server, 'GET', `${DEPLOYMENTS}/r6b`)).body).toEqual(existing);
  });

  it('[R7] generateName creates a unique name with the prefix', async () => {
    const a = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'gen-' } });
    const b = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'gen-' } });
    expect(a.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(a.body.metadata.name).not.toBe(b.body.metadata.name);
  });

  it('[R8] dryRun=All validates and answers without storing', async () => {
    const r = await raw(server, 'POST', `${DEPLOYMENTS}?dryRun=All`, deployment('r8'));
    expect(r.status).toBe(201);
    expect((await raw(server, 'GET', `${DEPLOYMENTS}/r8`)).status).toBe(404);
  });

  it('[R9] every served resource type supports create/get/list/delete', async () => {
    const cases: Array<[string, any]> = [
      ['/api/v1/namespaces', { metadata: { name: 'r9' } }],
      ['/api/v1/nodes', { metadata: { name: 'r9-node' }, status: { capacity: { cpu: '2' } } }],
      ['/api/v1/namespaces/default/pods', pod('r9')],
      ['/api/v1/namespaces/default/events', { metadata: { name: 'r9.1' }, involvedObject: { kind: 'Pod', name: 'r9' }, reason: 'Test', message: 'hello', type: 'Normal' }],
      ['/apis/events.k8s.io/v1/namespaces/default/events', { metadata: { name: 'r9.2' }, regarding: { kind: 'Pod', name: 'r9' }, reason: 'Test', note: 'hello', type: 'Normal', eventTime: '2026-01-01T00:00:00.000000Z', action: 'Test', reportingController: 'test', reportingInstance: 'test' }],
      ['/api/v1/namespaces/default/configmaps', { metadata: { name: 'r9' }, data: { a: 'b' } }],
      ['/api/v1/namespaces/default/secrets', { metadata: { name: 'r9' }, type: 'Opaque', data: { a: 'Yg==' } }],
      ['/api/v1/namespaces/default/services', { metadata: { name: 'r9' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } }],
      ['/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'r9' } }],
      ['/apis/apps/v1/namespaces/default/deployments', deployment('r9')],
      ['/apis/apps/v1/namespaces/default/replicasets', { ...deployment('r9'), kind: 'ReplicaSet' }],
      ['/apis/policy/v1/namespaces/default/poddisruptionbudgets', { metadata: { name: 'r9' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'x' } } } }],
      ['/apis/coordination.k8s.io/v1/namespaces/default/leases', { metadata: { name: 'r9' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } }],
      ['/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', { metadata: { name: 'r9' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'r9' }, minReplicas: 1, maxReplicas: 5 } }],
      ['/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', { metadata: { name: 'r9' }, webhooks: [] }],
    ];
    for (const [path, body] of cases) {
      const created = await raw(server, 'POST', path, body);
      expect(created.status, `${path}: ${created.text}`).toBe(201);
      const name = created.body.metadata.name;
      expect((await raw(server, 'GET', `${path}/${name}`)).status, path).toBe(200);
      const list = await raw(server, 'GET', path);
      expect(list.body.items.map((i: any) => i.metadata.name), path).toContain(name);
      expect(list.body.kind).toMatch(/List$/);
      const deleted = await raw(server, 'DELETE', `${path}/${name}`);
      expect([200, 202], path).toContain(deleted.status);
    }
    const svc = (await raw(server, 'POST', '/api/v1/namespaces/default/services', { metadata: { name: 'r9ip' }, spec: { ports: [{ port: 80 }] } })).body;
    expect(svc.spec.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec.ports[0]).toMatchObject({ protocol: 'TCP', targetPort: 80 });
  });

  it('[R10] deletecollection deletes what the selector matches', async () => {
    for (const [n, tier] of [['dc1', 'a'], ['dc2', 'a'], ['dc3', 'b']]) {
      await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: n, labels: { tier } } });
    }
    const r = await raw(server, 'DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=tier%3Da');
    expect(r.body.items.map((i: any) => i.metadata.name).sort()).toEqual(['dc1', 'dc2']);
    const left = await raw(server, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=tier');
    expect(left.body.items.map((i: any) => i.metadata.name)).toEqual(['dc3']);
  });
});

describe('sandbox conformance: patch types', () => {
  const PATH = `${DEPLOYMENTS}/p`;
  beforeAll(async () => {
    const d = deployment('p');
    d.spec.template.spec.containers = [
      { name: 'main', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'side', image: 'busybox:1' },
    ];
    await raw(server, 'POST', DEPLOYMENTS, d);
  });

  it('[P1] JSON merge patch merges maps and deletes with null', async () => {
    await raw(server, 'PATCH', PATH, { metadata: { annotations: { a: '1', b: '2' } } }, { 'Content-Type': 'application/merge-patch+json' });
    const r = await raw(server, 'PATCH', PATH, { metadata: { annotations: { a: null } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.body.metadata.annotations).toEqual({ b: '2' });
  });

  it('[P2] JSON patch applies operations; a failing test op is 422 and changes nothing', async () => {
    const r = await raw(server, 'PATCH', PATH, [{ op: 'replace', path: '/spec/replicas', value: 5 }, { op: 'add', path: '/metadata/labels/j', value: 'p' }], { 'Content-Type': 'application/json-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body.spec.replicas).toBe(5);
    expect(r.body.metadata.labels.j).toBe('p');
    const failed = await raw(server, 'PATCH', PATH, [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 7 }], { 'Content-Type': 'application/json-patch+json' });
    expect(failed.status).toBe(422);
    expect((await raw(server, 'GET', PATH)).body.spec.replicas).toBe(5);
  });

  it('[P3] strategic merge patch merges containers and env by name and honours $patch: delete', async () => {
    const r = await raw(
      server,
      'PATCH',
      PATH,
      { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28', env: [{ name: 'B', value: '3' }] }, { name: 'side', $patch: 'delete' }] } } } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    expect(r.status).toBe(200);
    const containers = r.body.spec.template.spec.containers;
    expect(containers.map((c: any) => c.name)).toEqual(['main']);
    expect(containers[0].image).toBe('nginx:1.28');
    expect(containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '3' }]);
  });

  it('[P4] server-side apply (application/apply-patch+yaml) creates, then merges; fieldManager is required', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n';
    const missing = await raw(server, 'PATCH', '/api/v1/namespaces/default/configmaps/ssa', yaml, { 'Content-Type': 'application/apply-patch+yaml' });
    expect(missing.status).toBe(422);
    const created = await raw(server, 'PATCH', '/api/v1/namespaces/default/configmaps/ssa?fieldManager=t', yaml, { 'Content-Type': 'application/apply-patch+yaml' });
    expect(created.status).toBe(201);
    const merged = await raw(server, 'PATCH', '/api/v1/namespaces/default/configmaps/ssa?fieldManager=t', yaml.replace('a: "1"', 'b: "2"'), { 'Content-Type': 'application/apply-patch+yaml' });
    expect(merged.status).toBe(200);
    expect(merged.body.data).toEqual({ a: '1', b: '2' });
  });

  it('[P5] a patch carrying a stale resourceVersion is 409; unsupported patch types are 415', async () => {
    const r = await raw(server, 'PATCH', PATH, { metadata: { resourceVersion: '1' }, spec: { replicas: 2 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(409);
    const t = await raw(server, 'PATCH', PATH, { spec: {} }, { 'Content-Type': 'text/plain' });
    expect(t.status).toBe(415);
  });
});

describe('sandbox conformance: status and scale subresources', () => {
  it('[S1] the main endpoint ignores status; /status ignores everything else', async () => {
    const d = (await raw(server, 'POST', DEPLOYMENTS, { ...deployment('s1'), status: { replicas: 9 } })).body;
    expect(d.status).toBeUndefined();
    const st = await raw(server, 'PUT', `${DEPLOYMENTS}/s1/status`, { ...d, spec: { ...d.spec, replicas: 7 }, status: { replicas: 1, observedGeneration: 1 } });
    expect(st.status).toBe(200);
    expect(st.body.status).toEqual({ replicas: 1, observedGeneration: 1 });
    expect(st.body.spec.replicas).toBe(1);
    const main = await raw(server, 'PATCH', `${DEPLOYMENTS}/s1`, { status: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(main.body.status.replicas).toBe(1);
    const patchStatus = await raw(server, 'PATCH', `${DEPLOYMENTS}/s1/status`, { status: { readyReplicas: 1 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patchStatus.body.status).toMatchObject({ replicas: 1, readyReplicas: 1 });
  });

  it('[S2] /scale reads and writes spec.replicas as autoscaling/v1 Scale; a stale scale is 409', async () => {
    await raw(server, 'POST', DEPLOYMENTS, deployment('s2', 2));
    const scale = await raw(server, 'GET', `${DEPLOYMENTS}/s2/scale`);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { selector: 'app=s2' } });
    const patched = await raw(server, 'PATCH', `${DEPLOYMENTS}/s2/scale`, { spec: { replicas: 6 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patched.body.spec.replicas).toBe(6);
    expect((await raw(server, 'GET', `${DEPLOYMENTS}/s2`)).body.spec.replicas).toBe(6);
    const stale = await raw(server, 'PUT', `${DEPLOYMENTS}/s2/scale`, { ...scale.body, spec: { replicas: 1 } });
    expect(stale.status).toBe(409);
    const put = await raw(server, 'PUT', `${DEPLOYMENTS}/s2/scale`, { ...patched.body, spec: { replicas: 3 } });
    expect(put.body.spec.replicas).toBe(3);
    const bad = await raw(server, 'PATCH', `${DEPLOYMENTS}/s2/scale`, { spec: { replicas: -2 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(bad.status).toBe(422);
  });
});
