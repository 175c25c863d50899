/**
 * REST semantics over the object store: create, update, patch, delete, get and list with the
 * behaviour controllers depend on — resourceVersion preconditions (409 on a stale update), uid,
 * creationTimestamp, generation, status subresources, deletionTimestamp with finalizers, dry run,
 * admission, and validation (422). Every write is validated before it reaches the store, so a bad
 * request never leaves a half-written object behind.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../model/clock.js';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound } from './errors.js';
import { applyPatch, jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.js';
import { customResourceTypes, groupVersion, resourceKey, type ResourceRegistry, type ResourceType } from './resources.js';
import type { Predicate } from './selectors.js';
import type { Entry, ObjectStore } from './store.js';
import { applyDefaults, prepareForCreate, specPart, validate, validateUpdate } from './strategies.js';

type Obj = Record<string, any>;

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionAttributes {
  type: ResourceType;
  operation: Operation;
  namespace: string | undefined;
  name: string;
  subresource: string | undefined;
  object: Obj | undefined;
  oldObject: Obj | undefined;
  dryRun: boolean;
}

/**
 * Mutating admission, called on every external create/update (not on the control plane's internal
 * writes). Returns the possibly changed object and warnings, or throws an ApiError to deny.
 */
export interface Admission {
  admit(attrs: AdmissionAttributes): Promise<{ object: Obj | undefined; warnings: string[] }>;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Skip admission: writes made by the server itself (garbage collection, binding). */
  internal?: boolean;
}

export interface WriteResult {
  object: Obj;
  warnings: string[];
  /** True when the write created the object (201 rather than 200). */
  created: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Pods with graceful deletion on: the shutdown's length (default the pod's terminationGracePeriodSeconds, else 30). */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The longest grace period a deletion takes (about 31 years): the deadline must stay a date. */
export const MAX_GRACE_SECONDS = 1_000_000_000;

export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class ApiCore {
  private admission: Admission | undefined;
  /**
   * Deleting a pod bound to a node that has not finished only marks it (deletionTimestamp = now +
   * grace, deletionGracePeriodSeconds) — it keeps running while its kubelet shuts it down, then the
   * kubelet deletes it with grace 0 — as the real API server does. Off by default: the sandbox's
   * pods then go at once, as they always did (a kubelet must be there to finish the deletion).
   */
  gracefulPodDeletion = false;

  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    readonly clock: Clock,
  ) {}

  setAdmission(admission: Admission | undefined): void {
    this.admission = admission;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): Obj {
    const o = this.store.get(resourceKey(type), type.namespaced ? namespace : undefined, name);
    if (!o) throw notFound(type.plural, type.group, name);
    return o;
  }

  find(type: ResourceType, namespace: string | undefined, name: string): Obj | undefined {
    return this.store.get(resourceKey(type), type.namespaced ? namespace : undefined, name);
  }

  list(type: ResourceType, namespace: string | undefined, predicate?: Predicate): Entry[] {
    return this.store.list(resourceKey(type), type.namespaced ? namespace : undefined, predicate);
  }

  private checkKind(type: ResourceType, body: Obj): void {
    const gv = groupVersion(type);
    if (body.apiVersion !== undefined && body.apiVersion !== gv) {
      throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${gv})`);
    }
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${type.kind})`);
    }
    body.apiVersion = gv;
    body.kind = type.kind;
  }

  private checkNamespace(type: ResourceType, namespace: string | undefined, body: Obj, forCreate: boolean): void {
    if (!type.namespaced) {
      delete body.metadata.namespace;
      return;
    }
    if (body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    body.metadata.namespace = namespace;
    if (!forCreate) return;
    const ns = this.store.get('v1/namespaces', undefined, namespace ?? '');
    if (!ns) throw notFound('namespaces', '', namespace ?? '');
    if (ns.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${type.plural} "${body.metadata.name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private requireValid(type: ResourceType, o: Obj): void {
    const causes = validate(type, o);
    if (causes.length > 0) throw invalid(type.kind, type.group, String(o.metadata?.name ?? ''), causes);
  }

  private async admit(attrs: AdmissionAttributes, opts: WriteOptions): Promise<{ object: Obj | undefined; warnings: string[] }> {
    if (opts.internal || !this.admission) return { object: attrs.object, warnings: [] };
    return this.admission.admit(attrs);
  }

  async create(type: ResourceType, namespace: string | undefined, input: unknown, opts: WriteOptions = {}): Promise<WriteResult> {
    if (!isObject(input)) throw badRequest(`the body of the request was not a ${type.kind} object`);
    const body = clone(input);
    this.checkKind(type, body);
    if (!isObject(body.metadata)) body.metadata = {};
    const meta = body.metadata;
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName !== '') {
      let suffix = '';
      for (const b of randomBytes(5)) suffix += NAME_SUFFIX_ALPHABET[b % NAME_SUFFIX_ALPHABET.length];
      meta.name = `${meta.generateName}${suffix}`;
    }
    this.checkNamespace(type, namespace, body, true);
    prepareForCreate(type, body);
    applyDefaults(type, body);
    const admitted = await this.admit(
      { type, operation: 'CREATE', namespace: meta.namespace, name: meta.name ?? '', subresource: undefined, object: body, oldObject: undefined, dryRun: !!opts.dryRun },
      opts,
    );
    const o = admitted.object ?? body;
    o.metadata = isObject(o.metadata) ? o.metadata : {};
    // Webhooks may not move an object.
    o.metadata.name = meta.name;
    if (type.namespaced) o.metadata.namespace = meta.namespace;
    this.requireValid(type, o);
    for (const k of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']) delete o.metadata[k];
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = rfc3339(this.clock.now());
    if (type.tracksGeneration) o.metadata.generation = 1;
    else delete o.metadata.generation;
    const key = resourceKey(type);
    if (this.store.get(key, o.metadata.namespace, o.metadata.name)) throw alreadyExists(type.plural, type.group, o.metadata.name);
    if (type.kind === 'CustomResourceDefinition' && !type.custom) this.checkCrdNames(o);
    if (opts.dryRun) return { object: o, warnings: admitted.warnings, created: true };
    const stored = this.store.create(key, o);
    this.afterWrite(type, stored);
    return { object: stored, warnings: admitted.warnings, created: true };
  }

  /**
   * PUT: replaces the object (or only its status for subresource "status"). A body carrying a
   * resourceVersion other than the stored one is rejected with 409 Conflict.
   */
  async update(type: ResourceType, namespace: string | undefined, name: string, input: unknown, subresource: string | undefined, opts: WriteOptions = {}): Promise<WriteResult> {
    if (!isObject(input)) throw badRequest(`the body of the request was not a ${type.kind} object`);
    const existing = this.get(type, namespace, name);
    const body = clone(input);
    this.checkKind(type, body);
    if (!isObject(body.metadata)) body.metadata = {};
    if (body.metadata.name !== undefined && body.metadata.name !== name) {
      throw badRequest('the name of the object (' + body.metadata.name + ') does not match the name on the URL (' + name + ')');
    }
    body.metadata.name = name;
    this.checkNamespace(type, namespace, body, false);
    const rv = body.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== existing.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return this.write(type, existing, body, subresource, opts);
  }

  async patch(type: ResourceType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, subresource: string | undefined, opts: WriteOptions = {}): Promise<WriteResult> {
    const existing = this.find(type, namespace, name);
    if (!existing) {
      if (patchType === 'apply' && subresource === undefined) {
        if (!isObject(patch)) throw badRequest('the apply configuration must be an object');
        const body = { ...patch, metadata: { ...(isObject(patch.metadata) ? patch.metadata : {}), name } };
        return this.create(type, namespace, body, opts);
      }
      throw notFound(type.plural, type.group, name);
    }
    if (patchType === 'strategic' && type.custom) {
      throw new ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
    }
    let patched: unknown;
    // Patch functions share unchanged subtrees with their input; patch a copy so the stored object stays untouched.
    const base = clone(existing);
    try {
      if (patchType === 'json') patched = jsonPatch(base, patch);
      else if (!isObject(patch)) throw new PatchError('the patch must be a JSON object');
      else if (patchType === 'merge') patched = mergePatch(base, patch);
      else if (patchType === 'strategic') patched = strategicMergePatch(base, patch);
      else {
        if (patch.apiVersion !== undefined && patch.apiVersion !== groupVersion(type)) throw new PatchError(`apiVersion ${patch.apiVersion} does not match ${groupVersion(type)}`);
        patched = applyPatch(base, patch);
      }
    } catch (error) {
      if (error instanceof PatchError) {
        if (error.code === 422) throw new ApiError(422, 'Invalid', error.message);
        throw badRequest(error.message);
      }
      throw error;
    }
    if (!isObject(patched) || !isObject(patched.metadata)) throw badRequest('the patch removed the object metadata');
    const rv = patched.metadata.resourceVersion;
    if (rv !== undefined && rv !== existing.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    if (patched.metadata.name !== name) throw badRequest('the patch may not change the object name');
    this.checkKind(type, patched);
    this.checkNamespace(type, namespace, patched, false);
    return this.write(type, existing, patched, subresource, opts);
  }

  /** The common tail of update and patch: status split, immutables, generation, admission, finalizers. */
  private async write(type: ResourceType, existing: Obj, body: Obj, subresource: string | undefined, opts: WriteOptions): Promise<WriteResult> {
    let next: Obj;
    if (subresource === 'status') {
      next = { ...clone(existing), status: body.status };
      if (next.status === undefined) delete next.status;
    } else {
      next = body;
      if (type.statusSubresource && !type.custom) next.status = clone(existing.status);
      else if (type.statusSubresource && type.custom) {
        if (existing.status === undefined) delete next.status;
        else next.status = clone(existing.status);
      }
    }
    const em = existing.metadata;
    const m = next.metadata;
    m.uid = em.uid;
    m.creationTimestamp = em.creationTimestamp;
    if (em.deletionTimestamp) {
      m.deletionTimestamp = em.deletionTimestamp;
      m.deletionGracePeriodSeconds = em.deletionGracePeriodSeconds;
      const added = (m.finalizers ?? []).filter((f: string) => !(em.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw invalid(type.kind, type.group, em.name, [{ field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`, reason: 'FieldValueForbidden' }]);
      }
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    delete m.generation;
    if (subresource === undefined) applyDefaults(type, next);
    let warnings: string[] = [];
    if (subresource === undefined) {
      const admitted = await this.admit(
        { type, operation: 'UPDATE', namespace: em.namespace, name: em.name, subresource, object: next, oldObject: existing, dryRun: !!opts.dryRun },
        opts,
      );
      if (admitted.object) next = admitted.object;
      warnings = admitted.warnings;
      next.metadata.name = em.name;
      if (type.namespaced) next.metadata.namespace = em.namespace;
      next.metadata.uid = em.uid;
    }
    if (type.tracksGeneration) {
      const bumped = !sameJson(specPart(next), specPart(existing));
      next.metadata.generation = (em.generation ?? 1) + (bumped ? 1 : 0);
    }
    this.requireValid(type, next);
    const immutables = validateUpdate(type, next, existing);
    if (immutables.length > 0) throw invalid(type.kind, type.group, em.name, immutables);
    next.metadata.resourceVersion = em.resourceVersion;
    if (sameJson(next, existing)) return { object: existing, warnings, created: false };
    if (opts.dryRun) return { object: next, warnings, created: false };
    const key = resourceKey(type);
    // The last finalizer gone: removed — except a pod still in its graceful shutdown, which stays
    // until its kubelet deletes it with grace 0.
    const shuttingDown = type.kind === 'Pod' && !type.custom && (em.deletionGracePeriodSeconds ?? 0) > 0;
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !shuttingDown) {
      const removed = this.store.remove(key, em.namespace, em.name)!;
      this.afterDelete(type, removed);
      return { object: removed, warnings, created: false };
    }
    const stored = this.store.update(key, next);
    this.afterWrite(type, stored);
    return { object: stored, warnings, created: false };
  }

  /**
   * DELETE: with finalizers (or Foreground/Orphan propagation, which add one) the object only gets
   * a deletionTimestamp and stays until its finalizers are removed; otherwise it is removed now.
   * Returns the object as it was last seen and whether it is gone.
   */
  async delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<{ object: Obj; removed: boolean }> {
    const existing = this.get(type, namespace, name);
    if (type.kind === 'Namespace' && !type.custom && ['default', 'kube-system', 'kube-public'].includes(name)) {
      throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== existing.metadata.uid) {
      throw conflict(type.plural, type.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`);
    }
    if (!opts.internal && this.admission) {
      await this.admission.admit({ type, operation: 'DELETE', namespace: existing.metadata.namespace, name, subresource: undefined, object: undefined, oldObject: existing, dryRun: !!options.dryRun });
    }
    const finalizers: string[] = [...(existing.metadata.finalizers ?? [])];
    if (options.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (options.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (type.kind === 'Namespace' && !type.custom) finalizers.push(...(existing.spec?.finalizers ?? []).map((f: string) => `spec:${f}`));
    if (options.dryRun) return { object: existing, removed: finalizers.length === 0 };
    const key = resourceKey(type);
    const grace = this.podGracePeriodSeconds(type, existing, options);
    const mark = (deadline: number, seconds: number) => {
      const next = clone(existing);
      next.metadata.deletionTimestamp = rfc3339(deadline);
      next.metadata.deletionGracePeriodSeconds = seconds;
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      const stored = this.store.update(key, next);
      this.afterWrite(type, stored);
      return { object: stored, removed: false };
    };
    const current: number = existing.metadata.deletionGracePeriodSeconds ?? 0;
    if (!existing.metadata.deletionTimestamp && grace > 0) return mark(this.clock.now() + grace * 1000, grace);
    if (existing.metadata.deletionTimestamp && current > 0) {
      // Already shutting down: a DELETE that names no grace, or a longer one, changes nothing; a
      // shorter one moves the deadline to its start plus the new grace (not before now); grace 0
      // ends it — removed, or waiting for its finalizers with grace 0.
      if (options.gracePeriodSeconds === undefined || (grace > 0 && grace >= current)) return { object: existing, removed: false };
      if (grace > 0) return mark(Math.max(this.clock.now(), Date.parse(existing.metadata.deletionTimestamp) - current * 1000 + grace * 1000), grace);
      if (finalizers.length > 0) return mark(this.clock.now(), 0);
    }
    if (finalizers.length > 0) {
      if (existing.metadata.deletionTimestamp && sameJson(finalizers, existing.metadata.finalizers ?? [])) return { object: existing, removed: false };
      const next = clone(existing);
      next.metadata.deletionTimestamp ??= rfc3339(this.clock.now());
      next.metadata.deletionGracePeriodSeconds ??= 0;
      next.metadata.finalizers = finalizers.filter((f) => !f.startsWith('spec:'));
      if (type.kind === 'Namespace' && !type.custom) next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
      const stored = this.store.update(key, next);
      this.afterWrite(type, stored);
      return { object: stored, removed: false };
    }
    const removed = this.store.remove(key, existing.metadata.namespace, name)!;
    this.afterDelete(type, removed);
    return { object: removed, removed: true };
  }

  /** The graceful shutdown a pod's deletion asks for (0: none, removed as any object is). */
  private podGracePeriodSeconds(type: ResourceType, existing: Obj, options: DeleteOptions): number {
    const given: unknown = options.gracePeriodSeconds;
    if (given !== undefined && (typeof given !== 'number' || !Number.isInteger(given) || Math.abs(given) > MAX_GRACE_SECONDS)) {
      throw badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(given)}: must be an integer of at most ${MAX_GRACE_SECONDS}`);
    }
    if (!this.gracefulPodDeletion || type.kind !== 'Pod' || type.custom || !existing.spec?.nodeName) return 0;
    if (existing.status?.phase === 'Succeeded' || existing.status?.phase === 'Failed') return 0;
    const fromSpec: unknown = existing.spec?.terminationGracePeriodSeconds;
    const asked = given ?? (typeof fromSpec === 'number' && Number.isFinite(fromSpec) ? fromSpec : 30);
    // As the pod strategy does: a negative period becomes 1 (0 stays "at once"); bounded so the
    // deadline stays a date.
    return asked < 0 ? 1 : Math.min(MAX_GRACE_SECONDS, Math.ceil(asked));
  }

  /** Removes an object now, whatever its finalizers (used by the namespace cleanup). */
  forceRemove(type: ResourceType, namespace: string | undefined, name: string): void {
    const removed = this.store.remove(resourceKey(type), type.namespaced ? namespace : undefined, name);
    if (removed) this.afterDelete(type, removed);
  }

  /** Internal status write by the server itself (CRD conditions, PDB status): no admission. */
  writeStatus(type: ResourceType, current: Obj, status: Obj): Obj {
    if (sameJson(current.status, status)) return current;
    const next = { ...clone(current), status };
    const stored = this.store.update(resourceKey(type), next);
    return stored;
  }

  private checkCrdNames(crd: Obj): void {
    const spec = crd.spec ?? {};
    for (const t of customResourceTypes(crd)) {
      const clash = this.registry.get(t.group, t.version, t.plural);
      if (clash && !clash.custom) throw invalid('CustomResourceDefinition', 'apiextensions.k8s.io', crd.metadata.name, [{ field: 'spec.names.plural', message: `Invalid value: "${spec.names.plural}": conflicts with a built-in resource` }]);
    }
  }

  /** CRDs define resource types as soon as they are stored, and report Established. */
  private afterWrite(type: ResourceType, stored: Obj): void {
    if (type.custom || type.kind !== 'CustomResourceDefinition') return;
    if (stored.metadata.deletionTimestamp) return;
    for (const old of this.registry.all()) {
      if (old.custom && `${old.plural}.${old.group}` === stored.metadata.name) this.registry.remove(old);
    }
    for (const t of customResourceTypes(stored)) this.registry.add(t);
    const now = rfc3339(this.clock.now());
    const conditions = [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: stored.status?.conditions?.[0]?.lastTransitionTime ?? now },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: stored.status?.conditions?.[1]?.lastTransitionTime ?? now },
    ];
    const versions = (stored.spec?.versions ?? []).filter((v: Obj) => v?.storage).map((v: Obj) => v.name);
    this.writeStatus(type, stored, { conditions, acceptedNames: stored.spec.names, storedVersions: versions });
  }

  private afterDelete(type: ResourceType, removed: Obj): void {
    if (type.custom || type.kind !== 'CustomResourceDefinition') return;
    for (const t of this.registry.all()) {
      if (t.custom && `${t.plural}.${t.group}` === removed.metadata.name) {
        this.store.removeAll(resourceKey(t));
        this.registry.remove(t);
      }
    }
  }
}
