/**
 * LaunchRefusalSync: the backoff and a NodePool's `status.launchRefusals` kept in step (ADR 095,
 * amended) — what counts as a user's deletion, what does not, and writes that cannot overtake one
 * another or a user's edit. On a one-object API fake with resourceVersion preconditions.
 */
import { describe, expect, it } from 'vitest';
import { LaunchBackoff } from '../../../core/cloud/unavailable-offerings.js';
import { LaunchRefusalSync } from '../../../core/controllers/launch-refusal-sync.js';
import { KubeApiError, type KubeClient, type KubeObject } from '../../../core/kube/client.js';
import { ManualClock } from '../../../core/model/clock.js';
import { clientWith } from './support.js';

/** One NodePool `p` behind get and status merge patches, 409 on a stale resourceVersion precondition. */
class OnePoolApi {
  pool: KubeObject = { apiVersion: 'smartscale.io/v1', kind: 'NodePool', metadata: { name: 'p', resourceVersion: '1' }, spec: {}, status: {} };
  writes = 0;
  /** Runs (and is cleared) when the next write arrives, before it is applied: another writer's edit. */
  beforeNextWrite?: () => void;
  /** Holds every write until it resolves (a slow request). */
  gate?: Promise<void>;

  /** Another writer (a user's `kubectl edit --subresource=status`): bumps the resourceVersion. */
  edit(status: Record<string, unknown>): void {
    this.pool = { ...this.pool, metadata: { ...this.pool.metadata, resourceVersion: String(Number(this.pool.metadata.resourceVersion) + 1) }, status: { ...this.pool.status, ...status } };
  }

  items(): Array<{ key: string; refusedAt: string; failures: number }> {
    return this.pool.status?.launchRefusals ?? [];
  }

  /**
   * get, and merge patches of the status whose body may carry a resourceVersion precondition. No
   * replace: the controller's RBAC grants `patch` on nodepools/status, not `update`.
   */
  client(): KubeClient {
    return clientWith('not allowed: the controller may only get and patch a NodePool status', {
      get: async <T extends KubeObject>(_res: unknown, name: string) => (name === 'p' ? (structuredClone(this.pool) as T) : undefined),
      patch: async <T extends KubeObject>(_res: unknown, name: string, _ns: unknown, patch: unknown, kind: string, options?: { subresource?: string }) => {
        expect([name, kind, options?.subresource]).toEqual(['p', 'merge', 'status']);
        await this.gate;
        const edit = this.beforeNextWrite;
        this.beforeNextWrite = undefined;
        edit?.();
        const { metadata, status } = patch as { metadata?: { resourceVersion?: string }; status: Record<string, unknown> };
        if (metadata?.resourceVersion !== undefined && metadata.resourceVersion !== this.pool.metadata.resourceVersion) throw new KubeApiError(409, 'Conflict', 'the object has been modified');
        this.writes++;
        // A merge patch: the fields given replace those of the status (lists whole), the rest stays.
        this.edit(structuredClone(status));
        return structuredClone(this.pool) as T;
      },
    });
  }
}

function setup() {
  const clock = new ManualClock(1_000_000);
  const backoff = new LaunchBackoff(clock, { initialMs: 10_000, maxMs: 60_000 });
  const api = new OnePoolApi();
  return { clock, backoff, api, sync: new LaunchRefusalSync(backoff, api.client()) };
}

const item = (key: string, refusedAt: number, failures = 1) => ({ key, reason: 'by hand', failures, refusedAt: new Date(refusedAt).toISOString(), retryAt: new Date(refusedAt + 30_000).toISOString() });

describe('LaunchRefusalSync', () => {
  it('an item it wrote and then saw deleted is forgotten; one it never saw written is not', async () => {
    const { clock, backoff, api, sync } = setup();
    await sync.refused('p', 'p|a', 'no class');
    expect(api.items().map((i) => i.key)).toEqual(['p|a']);
    // A refusal recorded while the API could not be reached: in memory, never in the status.
    const offline = new LaunchRefusalSync(backoff, { ...api.client(), get: () => Promise.reject(new Error('unreachable')) });
    clock.advance(1);
    expect((await offline.refused('p', 'p|b', 'no image')).error).toBeDefined();
    expect(backoff.waiting('p|b')).toBeDefined();

    api.edit({ launchRefusals: [] });
    const result = await sync.sync('p');
    expect(result.dismissed).toEqual(['p|a']);
    expect(backoff.waiting('p|a')).toBeUndefined();
    expect(backoff.waiting('p|b')).toMatchObject({ failures: 1 });
    expect(sync.differs('p')).toBe(true); // p|b still to be written
  });

  it('a newer refusal of the same key is not dismissed by the deletion of the older item', async () => {
    const { clock, backoff, api, sync } = setup();
    await sync.refused('p', 'p|a', 'x');
    clock.advance(20_000);
    // Refused again (the lifecycle's write failed, say): memory is ahead of what was seen.
    backoff.refused('p|a', 'p', 'x');
    api.edit({ launchRefusals: [] });
    expect((await sync.sync('p')).dismissed).toEqual([]);
    expect(backoff.waiting('p|a')).toMatchObject({ failures: 2 });
  });

  it('items past the newest 100 it left out of the status are not taken for deleted', async () => {
    const { clock, backoff, api, sync } = setup();
    for (let i = 0; i < 101; i++) {
      clock.advance(1);
      await sync.refused('p', `p|k${String(i).padStart(3, '0')}`, 'x');
    }
    expect(api.items()).toHaveLength(100);
    expect(api.items().some((i) => i.key === 'p|k000')).toBe(false);
    // One succeeds: the oldest fits again, and nothing is dismissed on the way.
    backoff.succeeded('p|k100');
    expect((await sync.sync('p')).dismissed).toEqual([]);
    expect(sync.differs('p')).toBe(true);
    await sync.write('p', () => ({}));
    expect(api.items().some((i) => i.key === 'p|k000')).toBe(true);
    expect(backoff.list()).toHaveLength(100);
  });

  it('adopts what another leader wrote, and does not take back an item re-added from before a deletion', async () => {
    const { clock, backoff, api, sync } = setup();
    api.edit({ launchRefusals: [item('p|a', clock.now(), 3)] });
    expect((await sync.sync('p')).adopted).toBe(1);
    expect(backoff.waiting('p|a')).toMatchObject({ failures: 3 });
    const before = api.items();
    api.edit({ launchRefusals: [] });
    clock.advance(1);
    expect((await sync.sync('p')).dismissed).toEqual(['p|a']);
    // A stale writer (the previous leader, a write computed before the deletion) puts it back.
    api.edit({ launchRefusals: before });
    expect((await sync.sync('p')).adopted).toBe(0);
    expect(backoff.waiting('p|a')).toBeUndefined();
    // And the next write removes it again.
    expect(sync.differs('p')).toBe(true);
    await sync.write('p', () => ({}));
    expect(api.items()).toEqual([]);
  });

  it('a write computed first cannot land after a later refusal and drop it', async () => {
    const { clock, backoff, api, sync } = setup();
    let release!: () => void;
    api.gate = new Promise((r) => (release = r));
    // The provisioner's pool status, slow to land; meanwhile the lifecycle records a refusal.
    const status = sync.write('p', (entries) => ({ resources: { nodes: '0' }, seen: entries.length }));
    clock.advance(1);
    const refusal = sync.refused('p', 'p|new', 'no subnet');
    await new Promise((r) => setTimeout(r, 10));
    expect(backoff.waiting('p|new')).toBeUndefined(); // queued behind the write: not yet recorded
    release();
    api.gate = undefined;
    await Promise.all([status, refusal]);
    expect(api.items().map((i) => i.key)).toEqual(['p|new']);
    expect(api.pool.status).toMatchObject({ resources: { nodes: '0' }, seen: 0 });
    expect(api.writes).toBe(2);
  });

  it('a user’s deletion between its read and its write is not overwritten (409, read again)', async () => {
    const { clock, api, backoff, sync } = setup();
    await sync.refused('p', 'p|a', 'x');
    clock.advance(1);
    api.beforeNextWrite = () => api.edit({ launchRefusals: [] });
    const result = await sync.refused('p', 'p|b', 'y');
    expect(result.result?.dismissed).toEqual(['p|a']);
    expect(api.items().map((i) => i.key)).toEqual(['p|b']);
    expect(backoff.waiting('p|a')).toBeUndefined();
  });

  it('a pool that is gone: nothing written, the refusal kept in memory', async () => {
    const { backoff, api } = setup();
    const gone = new LaunchRefusalSync(backoff, { ...api.client(), get: async () => undefined });
    const { result, entry } = await gone.refused('q', 'q|a', 'x');
    expect(result?.gone).toBe(true);
    expect(backoff.waiting('q|a')).toBe(entry);
    expect(api.writes).toBe(0);
  });
});
