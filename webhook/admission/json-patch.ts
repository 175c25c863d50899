/**
 * RFC 6902 JSON Patch between the object the API server sent and the one we admit.
 *
 * mutate() copies on write, so unchanged subtrees are the same references and are skipped without
 * being walked; only the changed path is compared. Arrays that differ are replaced whole (the
 * webhook never edits inside arrays, and index arithmetic is where patches go wrong).
 */

export type JsonPatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** RFC 6901: `~` → `~0`, `/` → `~1` (annotation keys contain slashes). */
export function escapePointerToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The annotation keys smartscale writes, escaped once (every patch names several of them). */
const ESCAPED_KEYS: ReadonlyMap<string, string> = new Map(
  ['enabled', 'mode', 'target-replicas', 'peak-replicas', 'capacity', 'decision', 'replicas-owner', 'forecast'].map((name) => {
    const key = `smartscale.io/${name}`;
    return [key, escapePointerToken(key)];
  }),
);

function escapeToken(token: string): string {
  return ESCAPED_KEYS.get(token) ?? escapePointerToken(token);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function diffInto(before: unknown, after: unknown, path: string, ops: JsonPatchOperation[]): void {
  if (before === after) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    // for…in over own enumerable keys of JSON objects: no key arrays allocated on this hot path.
    for (const key in before) {
      if (!Object.hasOwn(after, key)) ops.push({ op: 'remove', path: `${path}/${escapeToken(key)}` });
    }
    for (const key in after) {
      const value = after[key];
      if (!Object.hasOwn(before, key)) ops.push({ op: 'add', path: `${path}/${escapeToken(key)}`, value });
      else if (before[key] !== value) diffInto(before[key], value, `${path}/${escapeToken(key)}`, ops);
    }
    return;
  }
  if (!deepEqual(before, after)) ops.push({ op: 'replace', path, value: after });
}

/** The operations that turn `before` into `after`; empty when they are equal. */
export function diffJsonPatch(before: unknown, after: unknown): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  diffInto(before, after, '', ops);
  return ops;
}

/** Applies a patch produced by diffJsonPatch (add/replace/remove on object members); for tests and checks. */
export function applyJsonPatch<T>(document: T, ops: readonly JsonPatchOperation[]): T {
  let root: unknown = structuredClone(document);
  for (const op of ops) {
    if (op.path === '') {
      if (op.op === 'remove') throw new Error('cannot remove the root');
      root = structuredClone(op.value);
      continue;
    }
    const tokens = op.path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop() as string;
    let parent: unknown = root;
    for (const token of tokens) {
      if (!isPlainObject(parent) || !Object.hasOwn(parent, token)) throw new Error(`path ${op.path} does not exist`);
      parent = parent[token];
    }
    if (!isPlainObject(parent)) throw new Error(`parent of ${op.path} is not an object`);
    if (op.op === 'remove' || op.op === 'replace') {
      if (!Object.hasOwn(parent, last)) throw new Error(`path ${op.path} does not exist`);
    }
    if (op.op === 'remove') delete parent[last];
    else parent[last] = structuredClone(op.value);
  }
  return root as T;
}
