/**
 * CSINode (`storage.k8s.io/v1`, cluster-scoped, no status) in the sandbox API server, as the other
 * built-ins are served: discovery, create/get/list/watch/delete, the `kubectl get` table, validation,
 * strategic merge patches by driver name, driver entries that cannot change, and garbage collection
 * with the Node that owns it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { eventually, openWatch, raw, startTestServer } from './support.js';

const CSINODES = '/apis/storage.k8s.io/v1/csinodes';
const SMP = { 'Content-Type': 'application/strategic-merge-patch+json' };
const TABLE = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };

let server: RunningApiServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const driver = (name: string, count?: number) => ({ name, nodeID: 'node-1', topologyKeys: ['topology.ebs.csi.aws.com/zone'], ...(count === undefined ? {} : { allocatable: { count } }) });
const csiNode = (name: string, drivers: unknown[], extra: Record<string, unknown> = {}) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name, ...extra }, spec: { drivers } });

describe('sandbox API: CSINode', () => {
  it('is discovered in storage.k8s.io/v1: cluster-scoped, every verb, no status subresource', async () => {
    const list = await raw(server, 'GET', '/apis/storage.k8s.io/v1');
    const entry = list.body.resources.find((r: any) => r.name === 'csinodes');
    expect(entry).toMatchObject({ kind: 'CSINode', singularName: 'csinode', namespaced: false });
    expect(entry.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']));
    expect(list.body.resources.map((r: any) => r.name)).not.toContain('csinodes/status');
  });

  it('is created, read, listed, watched and deleted', async () => {
    const w = openWatch(server, `${CSINODES}?watch=true`);
    const created = await raw(server, 'POST', CSINODES, csiNode('node-1', [driver('ebs.csi.aws.com', 25)]));
    expect(created.status).toBe(201);
    expect(created.body.metadata.namespace).toBeUndefined();
    const got = await raw(server, 'GET', `${CSINODES}/node-1`);
    expect(got.body.spec.drivers).toEqual([driver('ebs.csi.aws.com', 25)]);
    const listed = await raw(server, 'GET', CSINODES);
    expect(listed.body).toMatchObject({ kind: 'CSINodeList', apiVersion: 'storage.k8s.io/v1' });
    expect(listed.body.items.map((i: any) => i.metadata.name)).toEqual(['node-1']);
    expect((await raw(server, 'DELETE', `${CSINODES}/node-1`)).status).toBe(200);
    expect((await raw(server, 'GET', `${CSINODES}/node-1`)).status).toBe(404);
    const events = await w.waitFor(2);
    w.close();
    expect(events.map((e) => [e.type, e.object.kind, e.object.metadata.name])).toEqual([
      ['ADDED', 'CSINode', 'node-1'],
      ['DELETED', 'CSINode', 'node-1'],
    ]);
  });

  it('prints as kube-apiserver does: Name, Drivers, Age', async () => {
    await raw(server, 'POST', CSINODES, csiNode('node-t', [driver('ebs.csi.aws.com', 25), driver('efs.csi.aws.com')]));
    const table = await raw(server, 'GET', CSINODES, undefined, TABLE);
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((c: any) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Drivers', 'integer'],
      ['Age', 'string'],
    ]);
    expect(table.body.rows.find((r: any) => r.cells[0] === 'node-t').cells.slice(0, 2)).toEqual(['node-t', 2]);
  });

  it.each([
    ['a negative count', [driver('ebs.csi.aws.com', -1)], 'spec.drivers[0].allocatable.count'],
    ['a driver listed twice', [driver('ebs.csi.aws.com', 25), driver('ebs.csi.aws.com', 20)], 'spec.drivers[1].name'],
    ['a driver without a node ID', [{ name: 'ebs.csi.aws.com' }], 'spec.drivers[0].nodeID'],
    ['a bad driver name', [driver('Not A Driver!')], 'spec.drivers[0].name'],
  ])('refuses %s (422)', async (_what, drivers, field) => {
    const r = await raw(server, 'POST', CSINODES, csiNode('node-bad', drivers));
    expect(r.status).toBe(422);
    expect(r.body.details.causes.map((c: any) => c.field)).toContain(field);
  });

  it('merges drivers by name; an existing driver entry cannot change, only be removed or added', async () => {
    await raw(server, 'POST', CSINODES, csiNode('node-p', [driver('ebs.csi.aws.com', 25)]));
    const added = await raw(server, 'PATCH', `${CSINODES}/node-p`, { spec: { drivers: [driver('efs.csi.aws.com')] } }, SMP);
    expect(added.status).toBe(200);
    expect(added.body.spec.drivers.map((d: any) => d.name)).toEqual(['ebs.csi.aws.com', 'efs.csi.aws.com']);
    const changed = await raw(server, 'PATCH', `${CSINODES}/node-p`, { spec: { drivers: [{ name: 'ebs.csi.aws.com', allocatable: { count: 30 } }] } }, SMP);
    expect(changed.status).toBe(422);
    expect(changed.body.message).toMatch(/field is immutable/);
    const removed = await raw(server, 'PATCH', `${CSINODES}/node-p`, { spec: { drivers: [{ name: 'ebs.csi.aws.com', $patch: 'delete' }] } }, SMP);
    expect(removed.body.spec.drivers.map((d: any) => d.name)).toEqual(['efs.csi.aws.com']);
    const readded = await raw(server, 'PATCH', `${CSINODES}/node-p`, { spec: { drivers: [driver('ebs.csi.aws.com', 30)] } }, SMP);
    expect(readded.status).toBe(200);
    expect(readded.body.spec.drivers.find((d: any) => d.name === 'ebs.csi.aws.com').allocatable).toEqual({ count: 30 });
  });

  it('is garbage-collected with the Node that owns it', async () => {
    const node = (await raw(server, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-gc' } })).body;
    const owner = [{ apiVersion: 'v1', kind: 'Node', name: 'node-gc', uid: node.metadata.uid }];
    expect((await raw(server, 'POST', CSINODES, csiNode('node-gc', [driver('ebs.csi.aws.com', 25)], { ownerReferences: owner }))).status).toBe(201);
    await raw(server, 'DELETE', '/api/v1/nodes/node-gc');
    await eventually(async () => (await raw(server, 'GET', `${CSINODES}/node-gc`)).status === 404, 5000, 'CSINode collected');
  });
});
