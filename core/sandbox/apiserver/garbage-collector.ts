/**
 * The garbage collector and namespace finalizer of the sandbox, fed by the store's event stream:
 * - an object whose owners (ownerReferences) are all gone is deleted in the background;
 * - an owner deleted with `Orphan` has its dependents' references removed, then its `orphan` finalizer;
 * - an owner deleted with `Foreground` has its dependents deleted first, then its `foregroundDeletion`
 *   finalizer is removed (which removes it);
 * - a terminating namespace has its content deleted, then is removed.
 * Work is queued and done on the next turn of the event loop, never inside the write that caused it.
 */
import type { ApiCore } from './rest.js';
import type { ResourceType } from './resources.js';
import type { StoredEvent } from './store.js';

type Obj = Record<string, any>;

interface Location {
  typeKey: string;
  namespace: string | undefined;
  name: string;
}

export class GarbageCollector {
  private readonly locations = new Map<string, Location>();
  /** owner uid → uids of objects that name it in ownerReferences. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly owners = new Map<string, string[]>();
  private readonly pendingOwners = new Set<string>();
  private readonly pendingNamespaces = new Set<string>();
  private scheduled = false;
  private stopped = false;

  constructor(private readonly api: ApiCore, private readonly onError: (error: unknown) => void = () => {}) {
    api.store.onEvent((typeKey, event) => this.observe(typeKey, event));
  }

  stop(): void {
    this.stopped = true;
  }

  /** Resolves when no work is queued (for tests). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000 && (this.scheduled || this.pendingOwners.size || this.pendingNamespaces.size); i++) {
      await new Promise((r) => setImmediate(r));
    }
  }

  private observe(typeKey: string, event: StoredEvent): void {
    const o = event.object;
    const uid: string | undefined = o.metadata?.uid;
    if (!uid) return;
    const refs: string[] = (o.metadata.ownerReferences ?? []).map((r: Obj) => r?.uid).filter((u: unknown) => typeof u === 'string');
    this.unindex(uid);
    if (event.type === 'DELETED') {
      this.locations.delete(uid);
      this.pendingOwners.add(uid);
      // A foreground-deleting owner waits for this dependent: look at it again.
      for (const r of refs) this.pendingOwners.add(r);
      if (o.metadata.namespace && this.isTerminating(o.metadata.namespace)) this.pendingNamespaces.add(o.metadata.namespace);
    } else {
      this.locations.set(uid, { typeKey, namespace: o.metadata.namespace, name: o.metadata.name });
      this.owners.set(uid, refs);
      for (const r of refs) {
        let set = this.dependents.get(r);
        if (!set) this.dependents.set(r, (set = new Set()));
        set.add(uid);
        if (!this.locations.has(r)) this.pendingOwners.add(r);
      }
      const finalizers: string[] = o.metadata.finalizers ?? [];
      if (o.metadata.deletionTimestamp && (finalizers.includes('orphan') || finalizers.includes('foregroundDeletion'))) this.pendingOwners.add(uid);
      if (typeKey === 'v1/namespaces' && o.metadata.deletionTimestamp) this.pendingNamespaces.add(o.metadata.name);
    }
    this.schedule();
  }

  private unindex(uid: string): void {
    for (const r of this.owners.get(uid) ?? []) this.dependents.get(r)?.delete(uid);
    this.owners.delete(uid);
  }

  private isTerminating(namespace: string): boolean {
    return !!this.api.store.get('v1/namespaces', undefined, namespace)?.metadata.deletionTimestamp;
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run().catch(this.onError);
    });
  }

  private typeOf(loc: Location): ResourceType | undefined {
    return this.api.registry.getByKey(loc.typeKey);
  }

  private current(uid: string): { type: ResourceType; object: Obj } | undefined {
    const loc = this.locations.get(uid);
    if (!loc) return undefined;
    const type = this.typeOf(loc);
    const object = this.api.store.get(loc.typeKey, loc.namespace, loc.name);
    return type && object ? { type, object } : undefined;
  }

  private async run(): Promise<void> {
    const owners = [...this.pendingOwners];
    this.pendingOwners.clear();
    for (const uid of owners) await this.processOwner(uid);
    const namespaces = [...this.pendingNamespaces];
    this.pendingNamespaces.clear();
    for (const ns of namespaces) await this.processNamespace(ns);
  }

  private async processOwner(ownerUid: string): Promise<void> {
    const owner = this.current(ownerUid);
    const deps = [...(this.dependents.get(ownerUid) ?? [])];
    if (!owner) {
      for (const dep of deps) await this.dropOwner(dep, ownerUid, true);
      return;
    }
    const finalizers: string[] = owner.object.metadata.finalizers ?? [];
    if (!owner.object.metadata.deletionTimestamp) return;
    if (finalizers.includes('orphan')) {
      for (const dep of deps) await this.dropOwner(dep, ownerUid, false);
      await this.removeFinalizer(owner.type, owner.object, 'orphan');
    } else if (finalizers.includes('foregroundDeletion')) {
      const remaining = deps.filter((d) => this.locations.has(d));
      for (const dep of remaining) {
        const d = this.current(dep);
        if (d && !d.object.metadata.deletionTimestamp) {
          await this.api.delete(d.type, d.object.metadata.namespace, d.object.metadata.name, { propagationPolicy: 'Foreground' }, { internal: true }).catch(() => {});
        }
      }
      if (remaining.length === 0) await this.removeFinalizer(owner.type, owner.object, 'foregroundDeletion');
    }
  }

  /** Removes the reference to a gone (or orphaning) owner; deletes the dependent when no owner is left. */
  private async dropOwner(depUid: string, ownerUid: string, ownerGone: boolean): Promise<void> {
    const dep = this.current(depUid);
    if (!dep) return;
    const refs: Obj[] = dep.object.metadata.ownerReferences ?? [];
    const living = refs.filter((r) => r.uid !== ownerUid && this.locations.has(r.uid));
    const { namespace, name } = dep.object.metadata;
    if (ownerGone && living.length === 0) {
      if (!dep.object.metadata.deletionTimestamp) {
        await this.api.delete(dep.type, namespace, name, { propagationPolicy: 'Background' }, { internal: true }).catch(() => {});
      }
      return;
    }
    const kept = refs.filter((r) => r.uid !== ownerUid);
    await this.api.patch(dep.type, namespace, name, 'merge', { metadata: { ownerReferences: kept.length ? kept : null } }, undefined, { internal: true }).catch(() => {});
  }

  private async removeFinalizer(type: ResourceType, object: Obj, finalizer: string): Promise<void> {
    const left = (object.metadata.finalizers ?? []).filter((f: string) => f !== finalizer);
    await this.api
      .patch(type, object.metadata.namespace, object.metadata.name, 'merge', { metadata: { finalizers: left.length ? left : null } }, undefined, { internal: true })
      .catch(() => {});
  }

  private async processNamespace(namespace: string): Promise<void> {
    const ns = this.api.store.get('v1/namespaces', undefined, namespace);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const type of this.api.registry.all()) {
      if (!type.namespaced) continue;
      for (const entry of this.api.list(type, namespace)) {
        remaining++;
        const o = entry.object;
        if (!o.metadata.deletionTimestamp) {
          await this.api.delete(type, namespace, o.metadata.name, { propagationPolicy: 'Background' }, { internal: true }).catch(() => {});
        }
      }
    }
    if (remaining === 0 || this.api.registry.all().every((t) => !t.namespaced || this.api.list(t, namespace).length === 0)) {
      const nsType = this.api.registry.get('', 'v1', 'namespaces')!;
      if ((ns.metadata.finalizers ?? []).length === 0) this.api.forceRemove(nsType, undefined, namespace);
    }
  }
}
