/**
 * A KubeClient that injects the faults the controller must survive, around a real one:
 * - `refuseUntil`: every call fails as a refused connection (code 0) until that clock time;
 * - `conflictOnFirstUpdate`: the first replace of every object answers 409 Conflict;
 * - `closeWatches()`: every open watch ends mid-stream (as a load balancer cutting it would);
 * - `hangWatches()`: every open watch goes silent and stays open (a dead peer whose TCP connection
 *   nobody closes): no event, no bookmark, no end. Watches opened afterwards work.
 * - `delayWatchEvents(plural)`: the watch events of one resource are held back, in order, until
 *   `releaseWatchEvents(plural)` — an informer cache that lags the API server (and the process's
 *   own writes) while everything else is current.
 * - `failReplaces(plural, name, count)`: the next `count` replaces of one object answer 500.
 */
import { KubeApiError, type KubeClient, type KubeObject, type ListOptions, type PatchKind, type ResourceRef, type WatchEvent, type WatchHandle, type WatchOptions } from '../../../core/kube/client.js';
import type { Clock } from '../../../core/model/clock.js';

export class FaultyClient implements KubeClient {
  refuseUntil = 0;
  conflictOnFirstUpdate = false;
  refused = 0;
  conflicts = 0;
  watchesClosed = 0;
  watchesHung = 0;
  failedReplaces = 0;
  private readonly replaceFailures = new Map<string, number>();
  private readonly updated = new Set<string>();
  private readonly watches = new Set<{ handle: WatchHandle; done: (e?: Error) => void; hung?: boolean }>();
  private readonly held = new Map<string, Array<() => void>>();

  constructor(private readonly inner: KubeClient, private readonly clock: Clock) {}

  private gate(): void {
    if (this.clock.now() < this.refuseUntil) {
      this.refused++;
      throw new KubeApiError(0, 'NetworkError', 'connect ECONNREFUSED 127.0.0.1');
    }
  }

  closeWatches(): void {
    for (const w of [...this.watches]) {
      this.watches.delete(w);
      w.handle.stop();
      this.watchesClosed++;
      w.done(new Error('watch stream closed by the server'));
    }
  }

  hangWatches(): void {
    for (const w of this.watches) {
      if (!w.hung) this.watchesHung++;
      w.hung = true;
    }
  }

  failReplaces(plural: string, name: string, count = 1): void {
    this.replaceFailures.set(`${plural}/${name}`, count);
  }

  delayWatchEvents(plural: string): void {
    if (!this.held.has(plural)) this.held.set(plural, []);
  }

  releaseWatchEvents(plural: string): void {
    const queued = this.held.get(plural) ?? [];
    this.held.delete(plural);
    for (const deliver of queued) deliver();
  }

  /** Watches open now (hung ones included): a watch the caller abandoned must not stay open. */
  openWatches(): number {
    return this.watches.size;
  }

  async get<T extends KubeObject>(res: ResourceRef, name: string, namespace?: string) {
    this.gate();
    return this.inner.get<T>(res, name, namespace);
  }
  async list<T extends KubeObject>(res: ResourceRef, options?: ListOptions) {
    this.gate();
    return this.inner.list<T>(res, options);
  }
  async create<T extends KubeObject>(res: ResourceRef, object: T, namespace?: string) {
    this.gate();
    return this.inner.create<T>(res, object, namespace);
  }
  async replace<T extends KubeObject>(res: ResourceRef, object: T, subresource?: 'status' | 'scale') {
    this.gate();
    const failures = this.replaceFailures.get(`${res.plural}/${object.metadata.name}`) ?? 0;
    if (failures > 0) {
      this.replaceFailures.set(`${res.plural}/${object.metadata.name}`, failures - 1);
      this.failedReplaces++;
      throw new KubeApiError(500, 'InternalError', `injected failure replacing ${res.plural} "${object.metadata.name}"`);
    }
    const key = `${res.plural}/${object.metadata.namespace ?? ''}/${object.metadata.name}/${subresource ?? ''}`;
    if (this.conflictOnFirstUpdate && !this.updated.has(key)) {
      this.updated.add(key);
      this.conflicts++;
      throw new KubeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${res.plural} "${object.metadata.name}": the object has been modified`);
    }
    return this.inner.replace<T>(res, object, subresource);
  }
  async patch<T extends KubeObject>(res: ResourceRef, name: string, namespace: string | undefined, patch: unknown, kind: PatchKind, options?: { subresource?: 'status' | 'scale'; fieldManager?: string; force?: boolean }) {
    this.gate();
    return this.inner.patch<T>(res, name, namespace, patch, kind, options);
  }
  async delete(res: ResourceRef, name: string, namespace?: string, options?: Parameters<KubeClient['delete']>[3]) {
    this.gate();
    return this.inner.delete(res, name, namespace, options);
  }
  async postSubresource<T>(res: ResourceRef, name: string, namespace: string | undefined, subresource: string, body: unknown) {
    this.gate();
    return this.inner.postSubresource<T>(res, name, namespace, subresource, body);
  }
  watch<T extends KubeObject>(res: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void, onDone: (error?: Error) => void): WatchHandle {
    if (this.clock.now() < this.refuseUntil) {
      this.refused++;
      queueMicrotask(() => onDone(new KubeApiError(0, 'NetworkError', 'connect ECONNREFUSED 127.0.0.1')));
      return { stop() {} };
    }
    let finished = false;
    const entry = {
      handle: undefined as unknown as WatchHandle,
      hung: false,
      done: (e?: Error) => {
        if (finished) return;
        finished = true;
        this.watches.delete(entry);
        onDone(e);
      },
    };
    const deliver = (e: WatchEvent<T>) => !finished && !entry.hung && onEvent(e);
    entry.handle = this.inner.watch<T>(
      res,
      options,
      (e) => {
        const held = this.held.get(res.plural);
        if (held) held.push(() => deliver(e));
        else deliver(e);
      },
      (e) => !entry.hung && entry.done(e),
    );
    this.watches.add(entry);
    return {
      stop: () => {
        this.watches.delete(entry);
        finished = true;
        entry.handle.stop();
      },
    };
  }
}
