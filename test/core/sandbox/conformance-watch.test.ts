import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { openWatch, raw, startTestServer } from './support.js';

let server: RunningApiServer;
beforeAll(async () => {
  server = await startTestServer({ watchLogCapacity: 50 });
});
afterAll(() => server.close());

const CM = '/api/v1/namespaces/default/configmaps';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

describe('sandbox conformance: watch', () => {
  it('[W1] watch from a resourceVersion streams ADDED, MODIFIED, DELETED in order', async () => {
    const list = await raw(server, 'GET', CM);
    const w = openWatch(server, `${CM}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    await raw(server, 'POST', CM, { metadata: { name: 'w1' } });
    await raw(server, 'PATCH', `${CM}/w1`, { data: { a: 'b' } }, MERGE);
    await raw(server, 'DELETE', `${CM}/w1`);
    const events = await w.waitFor(3);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events[1].object.data).toEqual({ a: 'b' });
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[0]).toBeLessThan(rvs[1]);
    expect(rvs[1]).toBeLessThan(rvs[2]);
    w.close();
  });

  it('[W1b] a watch on a type nobody has written yet accepts any earlier resourceVersion', async () => {
    const rv = (await raw(server, 'GET', '/api/v1/namespaces/default/secrets')).body.metadata.resourceVersion;
    await raw(server, 'POST', CM, { metadata: { name: 'w1b' } });
    const w = openWatch(server, `/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${rv}`);
    await raw(server, 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'w1b' } });
    const [event] = await w.waitFor(1);
    expect(event).toMatchObject({ type: 'ADDED', object: { kind: 'Secret', metadata: { name: 'w1b' } } });
    w.close();
  });

  it('[W2] watch without a resourceVersion starts with ADDED for every existing object', async () => {
    await raw(server, 'POST', CM, { metadata: { name: 'w2a', labels: { w: '2' } } });
    await raw(server, 'POST', CM, { metadata: { name: 'w2b', labels: { w: '2' } } });
    const w = openWatch(server, `${CM}?watch=1&labelSelector=w%3D2`);
    const events = await w.waitFor(2);
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'w2a'], ['ADDED', 'w2b']]);
    w.close();
  });

  it('[W3] a label-selector watch sees objects entering as ADDED and leaving as DELETED', async () => {
    const rv = (await raw(server, 'GET', CM)).body.metadata.resourceVersion;
    const w = openWatch(server, `${CM}?watch=true&resourceVersion=${rv}&labelSelector=stage%3Dlive`);
    await raw(server, 'POST', CM, { metadata: { name: 'w3' } });
    await raw(server, 'PATCH', `${CM}/w3`, { metadata: { labels: { stage: 'live' } } }, MERGE);
    await raw(server, 'PATCH', `${CM}/w3`, { metadata: { labels: { stage: 'gone' } } }, MERGE);
    const events = await w.waitFor(2);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    w.close();
  });

  it('[W4] allowWatchBookmarks sends BOOKMARK events with the current resourceVersion', async () => {
    const rv = (await raw(server, 'GET', CM)).body.metadata.resourceVersion;
    const w = openWatch(server, `${CM}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
    const events = await w.waitFor(1);
    expect(events[0]).toMatchObject({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1' } });
    expect(Number(events[0].object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
    w.close();
  });

  it('[W5] a resourceVersion older than the watch log gets an ERROR event with 410 Expired', async () => {
    const old = (await raw(server, 'GET', CM)).body.metadata.resourceVersion;
    for (let i = 0; i < 60; i++) await raw(server, 'POST', CM, { metadata: { name: `w5-${i}` } });
    const w = openWatch(server, `${CM}?watch=true&resourceVersion=${old}`);
    const [event] = await w.waitFor(1);
    expect(event).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    await w.closed;
  });

  it('[W6] timeoutSeconds ends the watch; a watch on one name sees only that object', async () => {
    const w = openWatch(server, `${CM}?watch=true&timeoutSeconds=1`);
    await w.closed;
    const rv = (await raw(server, 'GET', CM)).body.metadata.resourceVersion;
    const one = openWatch(server, `/api/v1/watch/namespaces/default/configmaps/w6b?resourceVersion=${rv}`);
    await raw(server, 'POST', CM, { metadata: { name: 'w6a' } });
    await raw(server, 'POST', CM, { metadata: { name: 'w6b' } });
    const events = await one.waitFor(1);
    expect(events.map((e) => e.object.metadata.name)).toEqual(['w6b']);
    one.close();
  });

  it('[W7] a Table watch carries column definitions on the first event only', async () => {
    const rv = (await raw(server, 'GET', CM)).body.metadata.resourceVersion;
    const w = openWatch(server, `${CM}?watch=true&resourceVersion=${rv}`, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    await raw(server, 'POST', CM, { metadata: { name: 'w7' }, data: { a: '1' } });
    await raw(server, 'PATCH', `${CM}/w7`, { data: { b: '2' } }, MERGE);
    const events = await w.waitFor(2);
    expect(events[0].object.kind).toBe('Table');
    expect(events[0].object.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(events[0].object.rows[0].cells.slice(0, 2)).toEqual(['w7', 1]);
    expect(events[1].object.columnDefinitions).toBeNull();
    expect(events[1].object.rows[0].cells[1]).toBe(2);
    w.close();
  });
});

describe('sandbox conformance: list', () => {
  it('[L1] label selectors: =, !=, in, notin, exists, !exists', async () => {
    const mk = (name: string, labels: Record<string, string>) => raw(server, 'POST', CM, { metadata: { name, labels: { set: 'l1', ...labels } } });
    await mk('l1a', { env: 'prod', tier: 'web' });
    await mk('l1b', { env: 'dev', tier: 'db' });
    await mk('l1c', { env: 'test' });
    const names = async (sel: string) => (await raw(server, 'GET', `${CM}?labelSelector=${encodeURIComponent(`set=l1,${sel}`)}`)).body.items.map((i: any) => i.metadata.name).sort();
    expect(await names('env=prod')).toEqual(['l1a']);
    expect(await names('env!=prod')).toEqual(['l1b', 'l1c']);
    expect(await names('env in (dev,test)')).toEqual(['l1b', 'l1c']);
    expect(await names('env notin (dev)')).toEqual(['l1a', 'l1c']);
    expect(await names('tier')).toEqual(['l1a', 'l1b']);
    expect(await names('!tier')).toEqual(['l1c']);
    expect((await raw(server, 'GET', `${CM}?labelSelector=${encodeURIComponent('a in (b')}`)).status).toBe(400);
  });

  it('[L2] field selectors: metadata.name, metadata.namespace, spec.nodeName, status.phase; unknown fields are 400', async () => {
    await raw(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'l2' } });
    const pod = (name: string, ns: string) => ({ metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    await raw(server, 'POST', '/api/v1/namespaces/default/pods', pod('l2a', 'default'));
    await raw(server, 'POST', '/api/v1/namespaces/l2/pods', pod('l2b', 'l2'));
    await raw(server, 'POST', '/api/v1/namespaces/l2/pods/l2b/binding', { target: { name: 'n1' } });
    const names = async (path: string) => (await raw(server, 'GET', path)).body.items.map((i: any) => i.metadata.name).sort();
    expect(await names('/api/v1/pods?fieldSelector=metadata.name%3Dl2a')).toEqual(['l2a']);
    expect(await names('/api/v1/pods?fieldSelector=metadata.namespace%3Dl2')).toEqual(['l2b']);
    expect(await names('/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')).toEqual(['l2b']);
    expect(await names('/api/v1/pods?fieldSelector=spec.nodeName%3D')).toEqual(['l2a']);
    expect(await names('/api/v1/pods?fieldSelector=status.phase%3DPending')).toEqual(['l2a', 'l2b']);
    expect(await names('/api/v1/pods?fieldSelector=status.phase!%3DPending')).toEqual([]);
    const bad = await raw(server, 'GET', '/api/v1/pods?fieldSelector=spec.foo%3Dx');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('field label not supported');
  });

  it('[L3] limit and continue page through a list in name order', async () => {
    for (let i = 0; i < 5; i++) await raw(server, 'POST', CM, { metadata: { name: `l3-${i}`, labels: { set: 'l3' } } });
    const first = await raw(server, 'GET', `${CM}?labelSelector=set%3Dl3&limit=2`);
    expect(first.body.items.map((i: any) => i.metadata.name)).toEqual(['l3-0', 'l3-1']);
    expect(first.body.metadata.remainingItemCount).toBe(3);
    const second = await raw(server, 'GET', `${CM}?labelSelector=set%3Dl3&limit=2&continue=${first.body.metadata.continue}`);
    expect(second.body.items.map((i: any) => i.metadata.name)).toEqual(['l3-2', 'l3-3']);
    const third = await raw(server, 'GET', `${CM}?labelSelector=set%3Dl3&limit=2&continue=${second.body.metadata.continue}`);
    expect(third.body.items.map((i: any) => i.metadata.name)).toEqual(['l3-4']);
    expect(third.body.metadata.continue).toBeUndefined();
    expect((await raw(server, 'GET', `${CM}?limit=2&continue=%%%`)).status).toBe(400);
  });

  it('[L5] repeated full lists reflect every write in between (list cache invalidation) and resume watches exactly', async () => {
    const path = '/api/v1/namespaces/kube-public/configmaps';
    await raw(server, 'POST', path, { metadata: { name: 'l5' }, data: { v: '1' } });
    const first = await raw(server, 'GET', path);
    const again = await raw(server, 'GET', path);
    expect(again.text).toBe(first.text);
    await raw(server, 'PATCH', `${path}/l5`, { data: { v: '2' } }, MERGE);
    const after = await raw(server, 'GET', path);
    expect(after.body.items[0].data.v).toBe('2');
    expect(Number(after.body.metadata.resourceVersion)).toBeGreaterThan(Number(first.body.metadata.resourceVersion));
    const w = openWatch(server, `${path}?watch=true&resourceVersion=${first.body.metadata.resourceVersion}`);
    const [event] = await w.waitFor(1);
    expect(event).toMatchObject({ type: 'MODIFIED', object: { data: { v: '2' } } });
    w.close();
  });

  it('[L4] Tables for lists and single objects, with wide (priority 1) columns', async () => {
    const accept = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' };
    await raw(server, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
      metadata: { name: 'l4' },
      spec: { replicas: 2, selector: { matchLabels: { a: 'l4' } }, template: { metadata: { labels: { a: 'l4' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } } },
    });
    const t = await raw(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/l4', undefined, accept);
    expect(t.body.kind).toBe('Table');
    const cols = t.body.columnDefinitions;
    expect(cols.filter((c: any) => c.priority === 0).map((c: any) => c.name)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    expect(cols.filter((c: any) => c.priority === 1).map((c: any) => c.name)).toEqual(['Containers', 'Images', 'Selector']);
    expect(t.body.rows[0].cells.slice(0, 2)).toEqual(['l4', '0/2']);
    expect(t.body.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'l4' } });
    const pods = await raw(server, 'GET', '/api/v1/pods', undefined, accept);
    expect(pods.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    const plain = await raw(server, 'GET', '/api/v1/pods');
    expect(plain.body.kind).toBe('PodList');
  });
});
