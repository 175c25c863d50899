/**
 * The three patch formats of the Kubernetes API, applied to plain JSON objects:
 * - JSON merge patch (RFC 7386),
 * - JSON patch (RFC 6902),
 * - strategic merge patch: merge patch plus list merging by merge key for the built-in list fields
 *   kubectl edits (containers by name, ports by port, ...), and the directives kubectl's 3-way
 *   apply sends (`$patch`, `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`).
 *
 * All functions are pure: they return a new object and throw PatchError on a malformed patch.
 */

export class PatchError extends Error {
  constructor(message: string, readonly code: 400 | 422 = 400) {
    super(message);
  }
}

type Json = any;

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: Json, path: string[]): Json {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: Json, path: string[], op: string, pointer: string): { parent: Json; key: string } {
  if (path.length === 0) throw new PatchError(`${op} at the document root is not supported`);
  const parent = getAt(doc, path.slice(0, -1));
  if (!isObject(parent) && !Array.isArray(parent)) {
    throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}"`, 422);
  }
  return { parent, key: path[path.length - 1] };
}

function arrayIndex(arr: Json[], key: string, allowEnd: boolean, pointer: string): number {
  if (key === '-' && allowEnd) return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new PatchError(`invalid array index "${key}" in "${pointer}"`, 422);
  const i = Number(key);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw new PatchError(`index out of range in "${pointer}"`, 422);
  return i;
}

function addAt(doc: Json, pointer: string, value: Json): void {
  const { parent, key } = parentOf(doc, decodePointer(pointer), 'add', pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, value);
  else parent[key] = value;
}

function removeAt(doc: Json, pointer: string): Json {
  const { parent, key } = parentOf(doc, decodePointer(pointer), 'remove', pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false, pointer), 1)[0];
  if (!(key in parent)) throw new PatchError(`remove operation does not apply: doc is missing key: "${pointer}"`, 422);
  const old = parent[key];
  delete parent[key];
  return old;
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  const doc = clone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new PatchError('each JSON patch operation needs "op" and "path"');
    }
    switch (op.op) {
      case 'add':
        addAt(doc, op.path, clone(op.value));
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'replace':
        removeAt(doc, op.path);
        addAt(doc, op.path, clone(op.value));
        break;
      case 'move': {
        const v = removeAt(doc, String(op.from));
        addAt(doc, op.path, v);
        break;
      }
      case 'copy':
        addAt(doc, op.path, clone(getAt(doc, decodePointer(String(op.from)))));
        break;
      case 'test':
        if (!deepEqual(getAt(doc, decodePointer(op.path)), op.value)) {
          throw new PatchError(`testing value ${op.path} failed`, 422);
        }
        break;
      default:
        throw new PatchError(`unexpected op "${op.op}"`);
    }
  }
  return doc;
}

/**
 * Merge keys of the built-in list fields that have `patchStrategy: merge`, by field name. `ports`
 * is both a container's (containerPort) and a service's (port); the items tell which.
 */
const MERGE_KEYS: Record<string, string | ((item: Json) => string)> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
  webhooks: 'name',
  taints: 'key',
  drivers: 'name',
  ports: (item) => (isObject(item) && 'containerPort' in item ? 'containerPort' : 'port'),
};

/** Primitive lists merged as sets (patchStrategy merge on a []string). */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function mergeKeyFor(field: string, sample: Json): string | undefined {
  const k = MERGE_KEYS[field];
  if (k === undefined) return undefined;
  return typeof k === 'function' ? k(sample) : k;
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  return smpObject(isObject(target) ? target : {}, patch);
}

function smpObject(target: Record<string, Json>, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  let result: Record<string, Json> = { ...target };
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set<string>(patch.$retainKeys);
    result = Object.fromEntries(Object.entries(result).filter(([k]) => keep.has(k)));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(result[field]) && Array.isArray(value)) {
        result[field] = result[field].filter((v: Json) => !value.includes(v));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const order = patch[`$setElementOrder/${key}`];
    if (Array.isArray(value)) {
      result[key] = smpList(key, result[key], value, Array.isArray(order) ? order : undefined);
    } else if (isObject(value)) {
      const merged = smpObject(isObject(result[key]) ? result[key] : {}, value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }
  return result;
}

function smpList(field: string, current: Json, patch: Json[], order: Json[] | undefined): Json[] {
  const existing: Json[] = Array.isArray(current) ? current : [];
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    const out = [...existing];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  const sample = patch.find(isObject) ?? existing.find(isObject);
  const mergeKey = sample === undefined ? undefined : mergeKeyFor(field, sample);
  if (!mergeKey) {
    // Atomic list: the patch replaces it (a `$patch: replace` marker item is dropped).
    return clone(patch.filter((item) => !(isObject(item) && item.$patch)));
  }
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return clone(patch.filter((item) => !(isObject(item) && item.$patch === 'replace')));
  }
  const out: Json[] = existing.map((item) => item);
  for (const item of patch) {
    if (!isObject(item)) throw new PatchError(`list ${field} with merge key ${mergeKey} needs objects`);
    const key = item[mergeKey];
    const at = out.findIndex((e) => isObject(e) && e[mergeKey] === key);
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = smpObject(out[at], item);
    else out.push(smpObject({}, item));
  }
  if (order) {
    // Items named in $setElementOrder come first, in that order; the rest keep their place after.
    const rank = new Map<Json, number>(order.map((o, i) => [isObject(o) ? o[mergeKey] : o, i]));
    const ordered = out.filter((e) => rank.has(e?.[mergeKey])).sort((a, b) => rank.get(a[mergeKey])! - rank.get(b[mergeKey])!);
    const rest = out.filter((e) => !rank.has(e?.[mergeKey]));
    return [...ordered, ...rest];
  }
  return out;
}

/**
 * Server-side apply without field ownership: the applied configuration is merged into the live
 * object with strategic-merge rules (lists by merge key), and fields absent from it are kept.
 * Removing a field therefore needs an explicit patch; see docs/sandbox.md.
 */
export function applyPatch(live: Json, applied: Json): Json {
  return strategicMergePatch(live, applied);
}
