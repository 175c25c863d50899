/**
 * The informer's staleness watchdog: a watch that stays open and silent (no event, no bookmark, no
 * end) is abandoned after `staleAfterMs`, and a relist brings the cache back to the server's state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/model/clock.js';
import { KubeApiError, type KubeClient, type KubeObject, type ListResult, type ResourceRef, type WatchEvent, type WatchHandle, type WatchOptions } from '../../../core/kube/client.js';
import { DEFAULT_STALE_AFTER_MS, Informer, StaleWatchError } from '../../../core/kube/informer.js';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { FaultyClient } from '../controllers/faulty-client.js';
import { clientFor, eventually, startTestServer } from '../sandbox/support.js';

const CONFIGMAPS: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };
const MINUTE = 60_000;

function cm(name: string, rv: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: rv }, data: {} };
}

/** Lists come from `lists`; each watch stays open until the test emits on it or ends it. */
class ScriptedClient implements Partial<KubeClient> {
  lists: Array<ListResult | Error> = [];
  watches: Array<{ options: WatchOptions; emit: (e: WatchEvent) => void; stopped: boolean }> = [];
  listCalls = 0;

  async list<T extends KubeObject>(): Promise<ListResult<T>> {
    this.listCalls++;
    const next = this.lists.shift();
    if (!next) throw new KubeApiError(0, 'NetworkError', 'no more lists scripted');
    if (next instanceof Error) throw next;
    return next as ListResult<T>;
  }

  watch<T extends KubeObject>(_res: ResourceRef, options: WatchOptions, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    const w = { options, emit: onEvent as (e: WatchEvent) => void, stopped: false };
    this.watches.push(w);
    return { stop: () => void (w.stopped = true) };
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function bookmark(rv: string): WatchEvent {
  return { type: 'BOOKMARK', object: { metadata: { resourceVersion: rv } } as KubeObject };
}

describe('Informer staleness watchdog (scripted client)', () => {
  it('abandons a watch silent for staleAfterMs, reports it, relists and watches again', async () => {
    const client = new ScriptedClient();
    client.lists.push({ items: [cm('a', '10')], resourceVersion: '10' }, { items: [cm('a', '10'), cm('b', '15')], resourceVersion: '15' });
    const clock = new ManualClock(1_000_000);
    const errors: unknown[] = [];
    const added: string[] = [];
    const informer = new Informer(client as unknown as KubeClient, CONFIGMAPS, { clock, staleAfterMs: 5 * MINUTE, onError: (e) => errors.push(e) }).on({ add: (o) => added.push(o.metadata.name!) });
    await informer.start();
    expect(informer.lastEventAt()).toBe(1_000_000);
    clock.advance(5 * MINUTE - 1);
    await flush();
    expect(informer.stale()).toBe(false);
    expect(client.watches[0].stopped).toBe(false);
    clock.advance(1);
    await flush();
    expect(client.watches[0].stopped).toBe(true);
    expect(client.listCalls).toBe(2);
    expect(informer.watchdogRestarts).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StaleWatchError);
    expect((errors[0] as StaleWatchError).message).toMatch(/configmaps silent for 300 s/);
    // The object created while the watch hung arrives as an add; the new watch resumes from the relist.
    expect(added).toEqual(['a', 'b']);
    expect(client.watches).toHaveLength(2);
    expect(client.watches[1].options.resourceVersion).toBe('15');
    expect(informer.stale()).toBe(false);
    expect(informer.lastEventAt()).toBe(1_000_000 + 5 * MINUTE);
    informer.stop();
  });

  it('bookmarks and events keep an idle watch alive: no restart while something arrives', async () => {
    const client = new ScriptedClient();
    client.lists.push({ items: [], resourceVersion: '1' });
    const clock = new ManualClock(0);
    const informer = new Informer(client as unknown as KubeClient, CONFIGMAPS, { clock, staleAfterMs: 5 * MINUTE });
    await informer.start();
    for (let i = 0; i < 6; i++) {
      clock.advance(4 * MINUTE);
      await flush();
      client.watches[0].emit(i % 2 === 0 ? bookmark(String(2 + i)) : { type: 'ADDED', object: cm(`x${i}`, String(2 + i)) });
    }
    clock.advance(4 * MINUTE);
    await flush();
    expect(informer.watchdogRestarts).toBe(0);
    expect(client.listCalls).toBe(1);
    expect(client.watches).toHaveLength(1);
    expect(informer.lastEventAt()).toBe(24 * MINUTE);
    informer.stop();
  });

  it('stays stale while the relist fails, and recovers when the server answers again', async () => {
    const client = new ScriptedClient();
    client.lists.push({ items: [], resourceVersion: '1' }, new KubeApiError(0, 'NetworkError', 'refused'), { items: [cm('late', '9')], resourceVersion: '9' });
    const clock = new ManualClock(0);
    const informer = new Informer(client as unknown as KubeClient, CONFIGMAPS, { clock, staleAfterMs: MINUTE, initialBackoffMs: 10_000 });
    await informer.start();
    clock.advance(MINUTE);
    await flush();
    expect(client.listCalls).toBe(2);
    expect(informer.stale()).toBe(true);
    expect(informer.lastEventAt()).toBe(0);
    clock.advance(12_000); // past the backoff (10 s, up to 20% jitter)
    await flush();
    expect(client.listCalls).toBe(3);
    expect(informer.stale()).toBe(false);
    expect(informer.get('late', 'default')).toBeDefined();
    expect(informer.watchdogRestarts).toBe(1);
    informer.stop();
  });

  it('ignores whatever the abandoned watch delivers late', async () => {
    const client = new ScriptedClient();
    client.lists.push({ items: [], resourceVersion: '1' }, { items: [], resourceVersion: '5' });
    const clock = new ManualClock(0);
    const informer = new Informer(client as unknown as KubeClient, CONFIGMAPS, { clock, staleAfterMs: MINUTE });
    await informer.start();
    clock.advance(MINUTE);
    await flush();
    client.watches[0].emit({ type: 'ADDED', object: cm('ghost', '3') });
    expect(informer.get('ghost', 'default')).toBeUndefined();
    expect(informer.lastResourceVersion()).toBe('5');
    informer.stop();
  });

  it('measures silence on watchdogClock when given: a scaled controller clock racing ahead does not abandon a live watch', async () => {
    const client = new ScriptedClient();
    client.lists.push({ items: [], resourceVersion: '1' }, { items: [], resourceVersion: '2' });
    const clock = new ManualClock(0);
    const wall = new ManualClock(0);
    const informer = new Informer(client as unknown as KubeClient, CONFIGMAPS, { clock, watchdogClock: wall, staleAfterMs: 5 * MINUTE });
    await informer.start();
    clock.advance(60 * MINUTE); // an hour of a 60× clock: one real minute
    wall.advance(MINUTE);
    await flush();
    expect(informer.watchdogRestarts).toBe(0);
    expect(informer.stale()).toBe(false);
    wall.advance(4 * MINUTE);
    await flush();
    expect(informer.watchdogRestarts).toBe(1);
    expect(client.listCalls).toBe(2);
    informer.stop();
  });

  it('is on by default (5 minutes) and off with staleAfterMs 0', async () => {
    expect(DEFAULT_STALE_AFTER_MS).toBe(5 * MINUTE);
    for (const [staleAfterMs, restarts] of [[undefined, 1], [0, 0]] as const) {
      const client = new ScriptedClient();
      client.lists.push({ items: [], resourceVersion: '1' }, { items: [], resourceVersion: '2' });
      const clock = new ManualClock(0);
      const informer = new Informer(client as unknown as KubeClient, CONFIGMAPS, { clock, staleAfterMs });
      await informer.start();
      clock.advance(DEFAULT_STALE_AFTER_MS);
      await flush();
      expect(informer.watchdogRestarts).toBe(restarts);
      expect(informer.stale()).toBe(false);
      informer.stop();
    }
  });
});

describe('Informer staleness watchdog against the sandbox API server', () => {
  let server: RunningApiServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('recovers from a real watch hung open and picks up the changes made during the hang', async () => {
    const writer = clientFor(server);
    const clock = new ManualClock(0);
    const faulty = new FaultyClient(clientFor(server), clock);
    const errors: unknown[] = [];
    const informer = new Informer(faulty, CONFIGMAPS, { clock, namespace: 'default', labelSelector: 'owner=watchdog', staleAfterMs: 5 * MINUTE, onError: (e) => errors.push(e) });
    await informer.start();
    const make = (name: string) => writer.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { owner: 'watchdog' } } });
    await make('before');
    await eventually(() => informer.get('before', 'default'), 3000, 'the live watch delivers');
    expect(faulty.openWatches()).toBe(1);

    faulty.hangWatches();
    await make('during-1');
    await make('during-2');
    await writer.delete(CONFIGMAPS, 'before', 'default');
    // Real time passes; the hung watch delivers nothing and does not end.
    await new Promise((r) => setTimeout(r, 300));
    expect(informer.get('during-1', 'default')).toBeUndefined();
    expect(informer.get('before', 'default')).toBeDefined();
    expect(informer.watchdogRestarts).toBe(0);

    clock.advance(5 * MINUTE);
    await eventually(() => informer.get('during-2', 'default') && !informer.get('before', 'default'), 3000, 'relist after the watchdog');
    expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(['during-1', 'during-2']);
    expect(informer.watchdogRestarts).toBe(1);
    expect(errors.filter((e) => e instanceof StaleWatchError)).toHaveLength(1);
    // The hung connection was closed (not leaked) and a fresh watch follows the server again.
    expect(faulty.openWatches()).toBe(1);
    await make('after');
    await eventually(() => informer.get('after', 'default'), 3000, 'the new watch delivers');
    informer.stop();
    writer.close();
  });
});
