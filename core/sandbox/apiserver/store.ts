/**
 * The in-memory object store: one map per resource type, one global resourceVersion counter, and a
 * bounded event log per type from which watches resume. It knows nothing of Kubernetes semantics
 * (those live in rest.ts); it guarantees that every write gets a new, larger resourceVersion and
 * that watchers see writes in order, synchronously with the write.
 *
 * Stored objects are never mutated after they are written: writers pass a fresh object.
 */
import { gone } from './errors.js';
import type { Predicate } from './selectors.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: WatchEventType;
  rv: number;
  object: Record<string, any>;
  /** The stored entry (DELETED: a copy with the deletion's version); its JSON is encoded once for every watcher. */
  entry: Entry;
  /** The object before a MODIFIED, so selector watches can turn it into ADDED/DELETED. */
  previous?: Record<string, any>;
}

export interface Entry {
  object: Record<string, any>;
  /** Cached serialization; lists of 20,000 pods concatenate these instead of re-encoding. */
  json?: string;
  buffer?: Buffer;
}

export interface Watcher {
  namespace?: string;
  predicate?: Predicate;
  deliver(event: StoredEvent & { type: WatchEventType }): void;
}

interface TypeState {
  key: string;
  /** resourceVersion of the last write to this type (0: never written). */
  version: number;
  objects: Map<string, Entry>;
  log: StoredEvent[];
  /** Events at or below this resourceVersion were dropped from the log. */
  compactedRv: number;
  watchers: Set<Watcher>;
}

export function entryJson(entry: Entry): string {
  if (entry.json === undefined) entry.json = JSON.stringify(entry.object);
  return entry.json;
}

/** The object's UTF-8 JSON, encoded once per stored version. */
export function entryBuffer(entry: Entry): Buffer {
  if (entry.buffer === undefined) entry.buffer = Buffer.from(entryJson(entry));
  return entry.buffer;
}

function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectStore {
  private rv: number;
  private readonly types = new Map<string, TypeState>();
  private readonly listeners: Array<(type: string, event: StoredEvent) => void> = [];

  /** `logCapacity`: events kept per type for resuming watches; older resourceVersions get 410. */
  constructor(private readonly logCapacity = 20_000, startRv = 1000) {
    this.rv = startRv;
  }

  currentRv(): number {
    return this.rv;
  }

  private state(type: string): TypeState {
    let s = this.types.get(type);
    if (!s) {
      s = { key: type, version: 0, objects: new Map(), log: [], compactedRv: 0, watchers: new Set() };
      this.types.set(type, s);
    }
    return s;
  }

  get(type: string, namespace: string | undefined, name: string): Record<string, any> | undefined {
    return this.types.get(type)?.objects.get(objectKey(namespace, name))?.object;
  }

  /** Entries (with cached JSON) of a type, optionally in one namespace and matching a predicate. */
  list(type: string, namespace?: string, predicate?: Predicate): Entry[] {
    const s = this.types.get(type);
    if (!s) return [];
    const out: Entry[] = [];
    for (const entry of s.objects.values()) {
      const o = entry.object;
      if (namespace && o.metadata?.namespace !== namespace) continue;
      if (predicate && !predicate(o)) continue;
      out.push(entry);
    }
    return out;
  }

  /** resourceVersion of the last write to a type; the state of the type is the same at every version since. */
  typeVersion(type: string): number {
    return this.types.get(type)?.version ?? 0;
  }

  count(type: string): number {
    return this.types.get(type)?.objects.size ?? 0;
  }

  /** Stores a new object, stamping the next resourceVersion. Returns the stored object. */
  create(type: string, object: Record<string, any>): Record<string, any> {
    const s = this.state(type);
    const rv = ++this.rv;
    object.metadata.resourceVersion = String(rv);
    const entry: Entry = { object };
    s.objects.set(objectKey(object.metadata.namespace, object.metadata.name), entry);
    this.emit(s, { type: 'ADDED', rv, object, entry });
    return object;
  }

  update(type: string, object: Record<string, any>): Record<string, any> {
    const s = this.state(type);
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const previous = s.objects.get(key)?.object;
    const rv = ++this.rv;
    object.metadata.resourceVersion = String(rv);
    const entry: Entry = { object };
    s.objects.set(key, entry);
    this.emit(s, { type: 'MODIFIED', rv, object, previous, entry });
    return object;
  }

  /** Removes an object; the DELETED event carries it with a fresh resourceVersion, like etcd. */
  remove(type: string, namespace: string | undefined, name: string): Record<string, any> | undefined {
    const s = this.types.get(type);
    const key = objectKey(namespace, name);
    const existing = s?.objects.get(key)?.object;
    if (!s || !existing) return undefined;
    s.objects.delete(key);
    const rv = ++this.rv;
    const object = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(rv) } };
    this.emit(s, { type: 'DELETED', rv, object, entry: { object } });
    return object;
  }

  /** Drops every object of a type (a deleted CRD's custom resources), telling watchers. */
  removeAll(type: string): void {
    const s = this.types.get(type);
    if (!s) return;
    for (const entry of [...s.objects.values()]) this.remove(type, entry.object.metadata.namespace, entry.object.metadata.name);
  }

  /**
   * Starts a watch after `fromRv`: replays logged events newer than it, then streams new ones.
   * Throws 410 Expired when the log no longer reaches back that far. Returns a cancel function.
   */
  watch(type: string, fromRv: number, watcher: Watcher): () => void {
    const s = this.state(type);
    if (fromRv < s.compactedRv) {
      throw gone(`too old resource version: ${fromRv} (${s.compactedRv + 1})`);
    }
    // Binary search for the first event after fromRv.
    let lo = 0;
    let hi = s.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.log[mid].rv <= fromRv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < s.log.length; i++) deliverFiltered(watcher, s.log[i]);
    s.watchers.add(watcher);
    return () => s.watchers.delete(watcher);
  }

  /** Every write of every type, after watchers; the garbage collector's feed. */
  onEvent(listener: (type: string, event: StoredEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Resource type keys that hold or held objects. */
  typeKeys(): string[] {
    return [...this.types.keys()];
  }

  watcherCount(): number {
    let n = 0;
    for (const s of this.types.values()) n += s.watchers.size;
    return n;
  }

  private emit(s: TypeState, event: StoredEvent): void {
    s.version = event.rv;
    s.log.push(event);
    if (s.log.length > this.logCapacity) {
      const drop = s.log.length - this.logCapacity;
      s.compactedRv = s.log[drop - 1].rv;
      s.log.splice(0, drop);
    }
    for (const w of s.watchers) deliverFiltered(w, event);
    for (const l of this.listeners) l(s.key, event);
  }
}

/** Applies a watcher's namespace and selector, turning MODIFIED into ADDED/DELETED at the selector's edge. */
function deliverFiltered(w: Watcher, event: StoredEvent): void {
  const matches = (o: Record<string, any> | undefined): boolean =>
    o !== undefined && (!w.namespace || o.metadata?.namespace === w.namespace) && (!w.predicate || w.predicate(o));
  const now = matches(event.object);
  if (event.type !== 'MODIFIED') {
    if (now) w.deliver(event);
    return;
  }
  const before = matches(event.previous);
  if (now && before) w.deliver(event);
  else if (now) w.deliver({ ...event, type: 'ADDED' });
  else if (before) w.deliver({ ...event, type: 'DELETED' });
}
