import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { deployment, eventually, raw, startTestServer } from './support.js';

let server: RunningApiServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const CM = '/api/v1/namespaces/default/configmaps';
const RS = '/apis/apps/v1/namespaces/default/replicasets';
const PODS = '/api/v1/namespaces/default/pods';

function ownedPod(name: string, owner: any, extra: Record<string, any> = {}) {
  return {
    metadata: { name, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata.name, uid: owner.metadata.uid, controller: true }], ...extra },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  };
}

async function replicaSet(name: string) {
  return (await raw(server, 'POST', RS, { ...deployment(name), kind: 'ReplicaSet' })).body;
}

describe('sandbox conformance: deletion, finalizers, garbage collection', () => {
  it('[F1] delete with finalizers sets deletionTimestamp; removing the last finalizer removes the object', async () => {
    await raw(server, 'POST', CM, { metadata: { name: 'f1', finalizers: ['example.com/hold'] } });
    const d = await raw(server, 'DELETE', `${CM}/f1`);
    expect(d.status).toBe(202);
    expect(d.body.metadata.deletionTimestamp).toBeDefined();
    const still = await raw(server, 'GET', `${CM}/f1`);
    expect(still.body.metadata.finalizers).toEqual(['example.com/hold']);
    const again = await raw(server, 'DELETE', `${CM}/f1`);
    expect(again.body.metadata.deletionTimestamp).toBe(d.body.metadata.deletionTimestamp);
    const added = await raw(server, 'PATCH', `${CM}/f1`, { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } }, MERGE);
    expect(added.status).toBe(422);
    const cleared = await raw(server, 'PATCH', `${CM}/f1`, { metadata: { finalizers: null } }, MERGE);
    expect(cleared.status).toBe(200);
    expect((await raw(server, 'GET', `${CM}/f1`)).status).toBe(404);
  });

  it('[F2] delete preconditions on uid and resourceVersion answer 409', async () => {
    const c = (await raw(server, 'POST', CM, { metadata: { name: 'f2' } })).body;
    const r = await raw(server, 'DELETE', `${CM}/f2`, { preconditions: { resourceVersion: '1' } });
    expect(r.status).toBe(409);
    const ok = await raw(server, 'DELETE', `${CM}/f2`, { preconditions: { uid: c.metadata.uid } });
    expect(ok.status).toBe(200);
  });

  it('[F3] background garbage collection deletes dependents whose owners are gone', async () => {
    const rs = await replicaSet('f3');
    await raw(server, 'POST', PODS, ownedPod('f3-a', rs));
    await raw(server, 'POST', PODS, ownedPod('f3-b', rs));
    await raw(server, 'DELETE', `${RS}/f3`, { propagationPolicy: 'Background' });
    await eventually(async () => (await raw(server, 'GET', `${PODS}/f3-a`)).status === 404 && (await raw(server, 'GET', `${PODS}/f3-b`)).status === 404, 3000, 'dependents to be collected');
  });

  it('[F4] Orphan propagation keeps dependents and removes their owner references', async () => {
    const rs = await replicaSet('f4');
    await raw(server, 'POST', PODS, ownedPod('f4-a', rs));
    await raw(server, 'DELETE', `${RS}/f4`, { propagationPolicy: 'Orphan' });
    await eventually(async () => (await raw(server, 'GET', `${RS}/f4`)).status === 404, 3000, 'owner to go');
    const p = await raw(server, 'GET', `${PODS}/f4-a`);
    expect(p.status).toBe(200);
    expect(p.body.metadata.ownerReferences).toBeUndefined();
  });

  it('[F5] Foreground propagation deletes dependents before the owner', async () => {
    const rs = await replicaSet('f5');
    await raw(server, 'POST', PODS, ownedPod('f5-a', rs, { finalizers: ['example.com/slow'] }));
    await raw(server, 'DELETE', `${RS}/f5`, { propagationPolicy: 'Foreground' });
    const owner = await eventually(async () => {
      const r = await raw(server, 'GET', `${RS}/f5`);
      return r.body.metadata?.finalizers?.includes('foregroundDeletion') && r;
    });
    expect(owner.body.metadata.deletionTimestamp).toBeDefined();
    await eventually(async () => (await raw(server, 'GET', `${PODS}/f5-a`)).body.metadata?.deletionTimestamp);
    expect((await raw(server, 'GET', `${RS}/f5`)).status).toBe(200);
    await raw(server, 'PATCH', `${PODS}/f5-a`, { metadata: { finalizers: null } }, MERGE);
    await eventually(async () => (await raw(server, 'GET', `${RS}/f5`)).status === 404, 3000, 'owner to be removed after its dependents');
  });

  it('[F6] deleting a namespace makes it Terminating, refuses new content (403), deletes content, then removes it', async () => {
    await raw(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'f6' } });
    await raw(server, 'POST', '/api/v1/namespaces/f6/configmaps', { metadata: { name: 'a' } });
    await raw(server, 'POST', '/api/v1/namespaces/f6/configmaps', { metadata: { name: 'held', finalizers: ['example.com/x'] } });
    const d = await raw(server, 'DELETE', '/api/v1/namespaces/f6');
    expect(d.body.status.phase).toBe('Terminating');
    const refused = await raw(server, 'POST', '/api/v1/namespaces/f6/configmaps', { metadata: { name: 'new' } });
    expect(refused.status).toBe(403);
    await eventually(async () => (await raw(server, 'GET', '/api/v1/namespaces/f6/configmaps/a')).status === 404);
    expect((await raw(server, 'GET', '/api/v1/namespaces/f6')).status).toBe(200);
    await raw(server, 'PATCH', '/api/v1/namespaces/f6/configmaps/held', { metadata: { finalizers: null } }, MERGE);
    await eventually(async () => (await raw(server, 'GET', '/api/v1/namespaces/f6')).status === 404, 3000, 'namespace removal');
    const protectedNs = await raw(server, 'DELETE', '/api/v1/namespaces/default');
    expect(protectedNs.status).toBe(403);
    expect(protectedNs.body.message).toContain('may not be deleted');
  });
});

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', shortNames: ['gd'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

describe('sandbox conformance: CustomResourceDefinitions', () => {
  const GADGETS = '/apis/example.com/v1/namespaces/default/gadgets';

  it('[C1] creating a CRD makes it Established and serves its resources in discovery and OpenAPI', async () => {
    const r = await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
    expect(r.status).toBe(201);
    const crd = await raw(server, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com');
    expect(crd.body.status.conditions.find((c: any) => c.type === 'Established').status).toBe('True');
    const disc = await raw(server, 'GET', '/apis/example.com/v1');
    expect(disc.body.resources.map((x: any) => x.name)).toEqual(['gadgets', 'gadgets/status', 'gadgets/scale']);
    const root = await raw(server, 'GET', '/openapi/v3');
    expect(root.body.paths['apis/example.com/v1']).toBeDefined();
  });

  it('[C2] custom resources: CRUD, generation, status subresource, scale, printer columns, no strategic merge', async () => {
    const c = await raw(server, 'POST', GADGETS, { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { size: 3, replicas: 1 }, status: { ignored: true } });
    expect(c.status).toBe(201);
    expect(c.body.status).toBeUndefined();
    const st = await raw(server, 'PATCH', `${GADGETS}/g1/status`, { status: { replicas: 1 } }, MERGE);
    expect(st.body.status).toEqual({ replicas: 1 });
    const sp = await raw(server, 'PATCH', `${GADGETS}/g1`, { spec: { size: 4 }, status: { replicas: 9 } }, MERGE);
    expect(sp.body.metadata.generation).toBe(2);
    expect(sp.body.status).toEqual({ replicas: 1 });
    const scale = await raw(server, 'PATCH', `${GADGETS}/g1/scale`, { spec: { replicas: 5 } }, MERGE);
    expect(scale.body.spec.replicas).toBe(5);
    const smp = await raw(server, 'PATCH', `${GADGETS}/g1`, { spec: { size: 5 } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(smp.status).toBe(415);
    const table = await raw(server, 'GET', GADGETS, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.columnDefinitions.map((x: any) => x.name)).toEqual(['Name', 'Size', 'Age']);
    expect(table.body.rows[0].cells.slice(0, 2)).toEqual(['g1', 4]);
  });

  it('[C3] deleting the CRD deletes its custom resources and removes it from discovery', async () => {
    await raw(server, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com');
    expect((await raw(server, 'GET', '/apis/example.com/v1')).status).toBe(404);
    expect((await raw(server, 'GET', GADGETS)).status).toBe(404);
    const again = await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
    expect(again.status).toBe(201);
    expect((await raw(server, 'GET', GADGETS)).body.items).toEqual([]);
  });

  it('[C4] invalid CRDs are 422', async () => {
    const r = await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { ...CRD, metadata: { name: 'wrong.example.com' } });
    expect(r.status).toBe(422);
    const clash = await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      ...CRD,
      metadata: { name: 'pods.example.com' },
      spec: { ...CRD.spec, names: { plural: 'pods', kind: 'Pod' } },
    });
    expect(clash.status).toBe(201);
  });
});

describe('sandbox conformance: binding and eviction', () => {
  it('[B1] pods/binding sets spec.nodeName and PodScheduled; a second binding is 409', async () => {
    await raw(server, 'POST', PODS, { metadata: { name: 'b1' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const b = await raw(server, 'POST', `${PODS}/b1/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b1' }, target: { kind: 'Node', name: 'n1' } });
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({ kind: 'Status', status: 'Success' });
    const p = (await raw(server, 'GET', `${PODS}/b1`)).body;
    expect(p.spec.nodeName).toBe('n1');
    expect(p.status.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
    const again = await raw(server, 'POST', `${PODS}/b1/binding`, { target: { name: 'n2' } });
    expect(again.status).toBe(409);
    const legacy = await raw(server, 'POST', '/api/v1/namespaces/default/bindings', { metadata: { name: 'missing' }, target: { name: 'n1' } });
    expect(legacy.status).toBe(404);
  });

  it('[B2] pods/eviction honours PodDisruptionBudgets: 429 when none may be disrupted, 201 and gone otherwise', async () => {
    const readyPod = async (name: string) => {
      await raw(server, 'POST', PODS, { metadata: { name, labels: { app: 'b2' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
      await raw(server, 'PATCH', `${PODS}/${name}/status`, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, MERGE);
    };
    await readyPod('b2-a');
    await readyPod('b2-b');
    await raw(server, 'POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', { metadata: { name: 'b2' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'b2' } } } });
    const eviction = (name: string) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
    const first = await raw(server, 'POST', `${PODS}/b2-a/eviction`, eviction('b2-a'));
    expect(first.status).toBe(201);
    expect((await raw(server, 'GET', `${PODS}/b2-a`)).status).toBe(404);
    const second = await raw(server, 'POST', `${PODS}/b2-b/eviction`, eviction('b2-b'));
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ reason: 'TooManyRequests', details: { causes: [{ reason: 'DisruptionBudget' }] } });
    expect(second.headers['retry-after']).toBe('1');
    expect((await raw(server, 'GET', `${PODS}/b2-b`)).status).toBe(200);
    const missing = await raw(server, 'POST', `${PODS}/nope/eviction`, eviction('nope'));
    expect(missing.status).toBe(404);
  });
});
