/**
 * Writes that keep their contract under concurrency:
 * - merge patches (`application/merge-patch+json`, set by the client from the patch kind) for
 *   annotations, labels and status fields: no resourceVersion, so they never conflict;
 * - read-modify-write updates that, on 409 Conflict, read the object again and re-apply the change
 *   to the fresh copy (never to the stale one), a bounded number of times.
 */
import { isConflict, isNotFound, type KubeClient, type KubeObject, type ResourceRef } from './client.js';

/** Sets (string) or removes (null) annotations with one merge patch. */
export function patchAnnotations<T extends KubeObject = KubeObject>(
  client: KubeClient,
  res: ResourceRef,
  name: string,
  namespace: string | undefined,
  annotations: Record<string, string | null>,
): Promise<T> {
  return client.patch<T>(res, name, namespace, { metadata: { annotations } }, 'merge');
}

/** Merge-patches the status subresource. */
export function patchStatus<T extends KubeObject = KubeObject>(
  client: KubeClient,
  res: ResourceRef,
  name: string,
  namespace: string | undefined,
  status: Record<string, unknown>,
): Promise<T> {
  return client.patch<T>(res, name, namespace, { status }, 'merge', { subresource: 'status' });
}

export interface RetryOptions {
  /** Attempts in all (default 5). */
  attempts?: number;
  /** Called for every conflict retried (metrics, tests). */
  onConflict?: () => void;
  subresource?: 'status';
}

/**
 * Reads the object, applies `change` to a copy and replaces it with the read resourceVersion. On a
 * conflict it starts over from a fresh read. `change` returns undefined when nothing needs writing
 * (then nothing is written); the object is gone → undefined. Other errors are thrown as they are.
 */
export async function updateWithRetry<T extends KubeObject = KubeObject>(
  client: KubeClient,
  res: ResourceRef,
  name: string,
  namespace: string | undefined,
  change: (fresh: T) => T | undefined,
  options: RetryOptions = {},
): Promise<T | undefined> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const fresh = await client.get<T>(res, name, namespace);
    if (!fresh) return undefined;
    const changed = change(structuredClone(fresh));
    if (!changed) return fresh;
    changed.metadata.resourceVersion = fresh.metadata.resourceVersion;
    try {
      return await client.replace<T>(res, changed, options.subresource);
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
      options.onConflict?.();
    }
  }
}

/**
 * Read-modify-write of a status by merge patch, for callers granted only `patch` on the status
 * subresource: `change` gets a fresh copy of the object and returns its whole new status (undefined:
 * nothing to write). The patch carries the read resourceVersion, so a write in between fails with
 * 409 and the change is made again on a fresh read; top-level status fields the new status drops
 * are removed (null in the patch). Returns whether it wrote. The object gone → false.
 */
export async function patchStatusWithRetry<T extends KubeObject = KubeObject>(
  client: KubeClient,
  res: ResourceRef,
  name: string,
  namespace: string | undefined,
  change: (fresh: T) => Record<string, unknown> | undefined,
  options: Omit<RetryOptions, 'subresource'> = {},
): Promise<boolean> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const fresh = await client.get<T>(res, name, namespace);
    if (!fresh) return false;
    const status = change(structuredClone(fresh));
    if (!status) return false;
    const dropped = Object.keys((fresh.status ?? {}) as Record<string, unknown>).filter((k) => !(k in status));
    const patch = { metadata: { resourceVersion: fresh.metadata.resourceVersion }, status: { ...Object.fromEntries(dropped.map((k) => [k, null])), ...status } };
    try {
      await client.patch<T>(res, name, namespace, patch, 'merge', { subresource: 'status' });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (!isConflict(error) || attempt >= attempts) throw error;
      options.onConflict?.();
    }
  }
}
