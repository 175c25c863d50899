/**
 * A list+watch cache of one resource, the building block of every controller loop.
 *
 * - Lists, then watches from the list's resourceVersion (with bookmarks, so the version it resumes
 *   from stays fresh).
 * - When a watch ends, re-watches from the last version seen; after an error it waits with
 *   exponential backoff (capped, reset by the next success).
 * - On 410 Gone (the version is too old for the server) it lists again and reports the difference
 *   as add/update/delete events, so handlers never miss a change.
 * - Staleness watchdog: a watch can hang silently (the TCP connection stays open, nothing arrives,
 *   nothing closes it — a dead peer behind a NAT or load balancer). The informer asks for
 *   bookmarks, so even an idle resource hears from the server now and then; after `staleAfterMs`
 *   without any sign of life (a list, any watch event, bookmarks included) it abandons the watch,
 *   reports a StaleWatchError through `onError`, and lists again (changes made during the hang
 *   arrive as events). Until a list or an event succeeds, `stale()` is true (readiness reports it).
 *
 * Handlers run synchronously, in event order, after the cache has been updated.
 */
import type { Clock } from '../model/clock.js';
import { KubeApiError, type KubeClient, type KubeObject, type ListOptions, type ResourceRef, type WatchEvent, type WatchHandle } from './client.js';

export interface InformerHandlers<T extends KubeObject> {
  add?(object: T): void;
  update?(object: T, old: T): void;
  delete?(object: T): void;
}

export interface InformerOptions extends ListOptions {
  clock: Clock;
  /** First retry delay after a failure; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called with every failure the informer recovers from (for logs and metrics). */
  onError?: (error: unknown) => void;
  /**
   * A watch silent for this long (clock ms; no event, no bookmark) is presumed hung: abandoned and
   * replaced by a relist and a new watch. Default 5 minutes; 0 turns the watchdog off.
   */
  staleAfterMs?: number;
  /**
   * The clock the watchdog measures silence on; default `clock`. A hung connection is a matter of
   * real time: a controller running on a scaled clock (the sandbox demo, the benchmark) passes the
   * wall clock here, or every idle watch would look silent between two bookmarks.
   */
  watchdogClock?: Clock;
}

export const DEFAULT_STALE_AFTER_MS = 5 * 60_000;

/** Reported through `onError` when the watchdog abandons a silent watch. */
export class StaleWatchError extends Error {
  constructor(readonly resource: string, readonly silentForMs: number) {
    super(`watch of ${resource} silent for ${Math.round(silentForMs / 1000)} s; abandoning it and listing again`);
    this.name = 'StaleWatchError';
  }
}

function resourceName(r: ResourceRef): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata.name);
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Array<InformerHandlers<T>> = [];
  private resourceVersion = '';
  private watchHandle: WatchHandle | undefined;
  private running = false;
  private synced = false;
  private backoffMs: number;
  private syncWaiters: Array<() => void> = [];
  /** Clock ms of the last sign of life from the server: a successful list or any watch event. */
  private lastEventAtMs: number;
  /** Identifies the current watch; callbacks of an abandoned one are ignored. */
  private watchToken = 0;
  /** Identifies the current run (start..stop), so a restarted informer has one watchdog. */
  private runToken = 0;
  /** Counts relists (initial list included), for tests and metrics. */
  relists = 0;
  /** Watches the watchdog abandoned because they went silent. */
  watchdogRestarts = 0;
  /** Ends the current run's watchdog wait when the informer stops. */
  private watchdogStop?: AbortController;

  constructor(
    private readonly client: KubeClient,
    private readonly resource: ResourceRef,
    private readonly options: InformerOptions,
  ) {
    this.backoffMs = options.initialBackoffMs ?? 200;
    this.lastEventAtMs = (options.watchdogClock ?? options.clock).now();
  }

  on(handlers: InformerHandlers<T>): this {
    this.handlers.push(handlers);
    return this;
  }

  /** Starts the loop; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.lastEventAtMs = this.watchdogClock().now();
      const run = ++this.runToken;
      void this.relist();
      this.watchdogStop = new AbortController();
      void this.watchdog(run, this.watchdogStop.signal);
    }
    return this.waitForSync();
  }

  stop(): void {
    this.running = false;
    this.watchdogStop?.abort();
    this.watchToken++;
    this.watchHandle?.stop();
    this.watchHandle = undefined;
  }

  /** Clock ms of the last successful list or watch event (bookmarks included). */
  lastEventAt(): number {
    return this.lastEventAtMs;
  }

  /** True while nothing has come from the server for longer than `staleAfterMs` (the cache may be behind). */
  stale(): boolean {
    const limit = this.staleAfterMs();
    return this.running && limit > 0 && this.watchdogClock().now() - this.lastEventAtMs >= limit;
  }

  private watchdogClock(): Clock {
    return this.options.watchdogClock ?? this.options.clock;
  }

  private staleAfterMs(): number {
    return this.options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  private emit(kind: 'add' | 'update' | 'delete', object: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.add?.(object);
        else if (kind === 'update') h.update?.(object, old!);
        else h.delete?.(object);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  private async relist(): Promise<void> {
    while (this.running) {
      try {
        const { items, resourceVersion } = await this.client.list<T>(this.resource, {
          namespace: this.options.namespace,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        });
        if (!this.running) return;
        this.relists++;
        this.lastEventAtMs = this.watchdogClock().now();
        this.replace(items);
        this.resourceVersion = resourceVersion;
        this.backoffMs = this.options.initialBackoffMs ?? 200;
        if (!this.synced) {
          this.synced = true;
          for (const w of this.syncWaiters.splice(0)) w();
        }
        this.startWatch();
        return;
      } catch (error) {
        this.options.onError?.(error);
        await this.backoff();
      }
    }
  }

  /** Replaces the cache with a fresh list, emitting the difference. */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, item);
      if (!old) this.emit('add', item);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit('update', item, old);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', old);
      }
    }
  }

  private async backoff(): Promise<void> {
    const jitter = 1 + Math.random() * 0.2;
    await this.options.clock.sleep(this.backoffMs * jitter);
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
  }

  /**
   * Wakes when the last sign of life is `staleAfterMs` old. A watch open and silent that long is
   * abandoned for a relist; while a list is failing (no watch open) the relist's own backoff is
   * already at work, so the watchdog only waits.
   */
  private async watchdog(run: number, signal: AbortSignal): Promise<void> {
    const limit = this.staleAfterMs();
    if (limit <= 0) return;
    const clock = this.watchdogClock();
    while (this.running && run === this.runToken) {
      const silentFor = clock.now() - this.lastEventAtMs;
      if (silentFor < limit) {
        await clock.sleep(limit - silentFor, signal);
        continue;
      }
      const hung = this.watchHandle;
      if (hung) {
        this.watchToken++;
        this.watchHandle = undefined;
        hung.stop();
        this.watchdogRestarts++;
        this.options.onError?.(new StaleWatchError(resourceName(this.resource), silentFor));
        void this.relist();
      }
      await clock.sleep(limit, signal);
    }
  }

  private startWatch(): void {
    if (!this.running) return;
    let gone = false;
    const token = ++this.watchToken;
    this.watchHandle = this.client.watch<T>(
      this.resource,
      {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
      },
      (event) => {
        if (token !== this.watchToken) return;
        this.lastEventAtMs = this.watchdogClock().now();
        if (this.handleEvent(event) === 'gone') {
          gone = true;
          this.watchHandle?.stop();
        }
      },
      (error) => {
        if (token !== this.watchToken) return;
        this.watchHandle = undefined;
        if (!this.running) return;
        if (gone || (error instanceof KubeApiError && error.code === 410)) {
          void this.relist();
          return;
        }
        if (error) {
          this.options.onError?.(error);
          void this.backoff().then(() => this.startWatch());
          return;
        }
        this.startWatch();
      },
    );
  }

  private handleEvent(event: WatchEvent<T>): 'ok' | 'gone' {
    if (event.type === 'ERROR') {
      if (event.status.code === 410) return 'gone';
      this.options.onError?.(new KubeApiError(event.status.code ?? 0, event.status.reason ?? 'Unknown', event.status.message ?? 'watch error'));
      return 'ok';
    }
    const o = event.object;
    if (o?.metadata?.resourceVersion) this.resourceVersion = o.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') return 'ok';
    const key = objectKey(o);
    const old = this.cache.get(key);
    if (event.type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', old ?? o);
    } else {
      this.cache.set(key, o);
      if (old) this.emit('update', o, old);
      else this.emit('add', o);
    }
    return 'ok';
  }
}
