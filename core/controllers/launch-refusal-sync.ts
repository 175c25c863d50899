/**
 * Keeps the leader's LaunchBackoff and each NodePool's `status.launchRefusals` in step, both ways
 * (docs/adr/095-launch-backoff-in-the-nodepool-status.md and its amendment):
 *
 * - items another leader wrote are adopted (the doubling goes on from their count);
 * - an item this process has seen in the status — read or written — and that is gone from a later
 *   read was deleted by someone else (a user who fixed the EC2NodeClass or the NodePool): its entry
 *   is forgotten, as a successful launch forgets it, and the next provisioner pass may plan it;
 * - every write is a read-modify-write of the status on a fresh copy (a merge patch carrying the
 *   read resourceVersion as its precondition — the controller may patch a NodePool's status, not
 *   update it — read again on a conflict), with the list built from memory at that moment,
 *   and one pool's reads and writes run one at a time. So a write computed earlier cannot land
 *   after a later one and drop its newest item, and a user's deletion either precedes the read
 *   (and is seen) or follows the write (and stands).
 *
 * Reads are fresh GETs, never the informer's copy: the cache may not show this leader's own last
 * write yet, and an item missing from a lagging copy is not a deletion. What counts as "seen" is the
 * newest answer of the API server to this process (its reads and writes of the pool run in order),
 * so an entry added to memory since — a refusal whose write is still queued — or one the written
 * list left out (past the newest 100, or a key too long to write) is never taken for deleted.
 */
import type { LaunchBackoff, LaunchBackoffEntry } from '../cloud/unavailable-offerings.js';
import { isConflict, isNotFound, type KubeClient, type KubeObject } from '../kube/client.js';
import { Refs } from '../kube/refs.js';
import { launchRefusalsStatus, parseLaunchRefusals } from './launch-refusals.js';

/** Reads and writes of one pool's status before a conflict is given up (each conflict is another writer's change). */
const MAX_ATTEMPTS = 5;

export interface LaunchRefusalSyncResult {
  /** Items other leaders wrote, taken over. */
  adopted: number;
  /** Keys whose item someone deleted from the status: forgotten here too. */
  dismissed: string[];
  /** Why items (or the whole field) were ignored. */
  errors: string[];
  /** The NodePool does not exist (nothing read or written). */
  gone: boolean;
}

/** Fields of the pool's status written with the list, built from the pool's entries when the write runs. */
export type PoolStatusFields = (entries: readonly LaunchBackoffEntry[]) => Record<string, unknown>;

export class LaunchRefusalSync {
  /** Pool → the tail of its queue of reads and writes. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Pool → key → refusedAt of each item in the newest copy of its status this process read or wrote. */
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(
    readonly backoff: LaunchBackoff,
    private readonly client: KubeClient,
  ) {}

  /** Reads the pool's status afresh: adopts what others wrote, forgets what someone deleted. */
  sync(pool: string): Promise<LaunchRefusalSyncResult> {
    return this.serially(pool, () => this.readModifyWrite(pool));
  }

  /**
   * Records a refusal of `key`: after a fresh read (so a new leader continues the previous one's
   * doubling and keeps its other items), into the backoff and the pool's status. The backoff is
   * updated even when the API cannot be reached; the status is then written by the next write.
   */
  async refused(pool: string, key: string, reason: string): Promise<{ entry: LaunchBackoffEntry; result?: LaunchRefusalSyncResult; error?: unknown }> {
    let entry: LaunchBackoffEntry | undefined;
    const record = () => (entry ??= this.backoff.refused(key, pool, reason));
    try {
      const result = await this.serially(pool, () => this.readModifyWrite(pool, { before: record, fields: () => ({}) }));
      return { entry: record(), result };
    } catch (error) {
      return { entry: record(), error };
    }
  }

  /** Writes `fields(entries)` and the pool's list to its status, on a fresh copy. */
  write(pool: string, fields: PoolStatusFields): Promise<LaunchRefusalSyncResult> {
    return this.serially(pool, () => this.readModifyWrite(pool, { fields }));
  }

  /**
   * Whether the pool's status, as last read or written, differs from the list the backoff would
   * write now (an entry expired or forgotten, an item another process put back): time to write.
   */
  differs(pool: string): boolean {
    const seen = this.seen.get(pool) ?? new Map<string, number>();
    const written = launchRefusalsStatus(this.entriesOf(pool));
    return written.length !== seen.size || written.some((item) => seen.get(item.key) !== Date.parse(item.refusedAt));
  }

  /** Whether this process has seen items in the pool's status (they may need reading again). */
  hasSeen(pool: string): boolean {
    return (this.seen.get(pool)?.size ?? 0) > 0;
  }

  /** Forgets what was seen of pools that no longer exist. */
  retain(pools: ReadonlySet<string>): void {
    for (const pool of [...this.seen.keys()]) if (!pools.has(pool)) this.seen.delete(pool);
  }

  private entriesOf(pool: string): LaunchBackoffEntry[] {
    return this.backoff.list().filter((e) => e.nodePool === pool);
  }

  private async readModifyWrite(pool: string, change?: { before?: () => void; fields: PoolStatusFields }): Promise<LaunchRefusalSyncResult> {
    const result: LaunchRefusalSyncResult = { adopted: 0, dismissed: [], errors: [], gone: false };
    for (let attempt = 1; ; attempt++) {
      const fresh = await this.client.get(Refs.nodePools, pool);
      if (!fresh) {
        this.seen.delete(pool);
        return { ...result, gone: true };
      }
      const { adopted, dismissed, errors } = this.reconcile(pool, fresh.status);
      result.adopted += adopted;
      result.dismissed.push(...dismissed);
      result.errors = errors;
      change?.before?.();
      let answer: KubeObject = fresh;
      if (change) {
        const entries = this.entriesOf(pool);
        const status = { ...change.fields(entries), launchRefusals: launchRefusalsStatus(entries) };
        try {
          answer = await this.client.patch(Refs.nodePools, pool, undefined, { metadata: { resourceVersion: fresh.metadata.resourceVersion }, status }, 'merge', { subresource: 'status' });
        } catch (error) {
          if (isConflict(error) && attempt < MAX_ATTEMPTS) continue;
          if (isNotFound(error)) {
            this.seen.delete(pool);
            return { ...result, gone: true };
          }
          throw error;
        }
      }
      this.seen.set(pool, new Map(parseLaunchRefusals(pool, answer.status).entries.map((e) => [e.key, e.refusedAt])));
      return result;
    }
  }

  /** One fresh copy of the pool's status against memory. */
  private reconcile(pool: string, status: unknown): { adopted: number; dismissed: string[]; errors: string[] } {
    const { entries: items, errors } = parseLaunchRefusals(pool, status);
    const present = new Set(items.map((item) => item.key));
    const seen = this.seen.get(pool);
    const dismissed: string[] = [];
    for (const entry of this.entriesOf(pool)) {
      // Seen with this refusal (or a later one) and gone now: deleted by someone else. An entry
      // newer than anything seen (its write still to come) is not.
      const seenAt = seen?.get(entry.key);
      if (present.has(entry.key) || seenAt === undefined || seenAt < entry.refusedAt) continue;
      // Forgotten as a success forgets it: an older copy of the item (a lagging cache, a write of
      // another process computed before the deletion) is not adopted again.
      this.backoff.succeeded(entry.key);
      dismissed.push(entry.key);
    }
    let adopted = 0;
    for (const item of items) if (this.backoff.restore(item) === 'adopted') adopted++;
    return { adopted, dismissed, errors };
  }

  /** Runs `op` once every earlier read or write of the pool has finished (failed ones included). */
  private serially<T>(pool: string, op: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(pool) ?? Promise.resolve();
    const next = previous.then(op, op);
    const tail = next.catch(() => undefined);
    this.queues.set(pool, tail);
    void tail.then(() => {
      if (this.queues.get(pool) === tail) this.queues.delete(pool);
    });
    return next;
  }
}
