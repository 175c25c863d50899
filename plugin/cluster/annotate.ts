/** Changing a Deployment's smartscale annotations with one JSON merge patch (null deletes a key). */
import type { KubeClient, KubeObject } from '../../core/kube/client.js';
import { attempt } from './failures.js';
import { Resources } from './resources.js';

export type AnnotationChanges = Record<string, string | null>;

/** The keys whose value would actually change. */
export function effectiveChanges(current: Record<string, string> | undefined, changes: AnnotationChanges): AnnotationChanges {
  const out: AnnotationChanges = {};
  for (const [key, value] of Object.entries(changes)) {
    const before = current?.[key];
    if (value === null ? before !== undefined : before !== value) out[key] = value;
  }
  return out;
}

export async function patchAnnotations(client: KubeClient, deployment: KubeObject, changes: AnnotationChanges): Promise<KubeObject> {
  const { name, namespace } = deployment.metadata;
  return attempt(`update Deployment ${namespace}/${name}`, () =>
    client.patch(Resources.deployments, name!, namespace, { metadata: { annotations: changes } }, 'merge'),
  );
}

/** "key: before → after" lines for what a patch changed. */
export function describeChanges(current: Record<string, string> | undefined, changes: AnnotationChanges): string[] {
  const short = (v: string) => (v.length > 40 ? `${v.slice(0, 37)}...` : v);
  return Object.entries(changes).map(([key, value]) => `${key}: ${short(current?.[key] ?? '(unset)')} → ${value === null ? '(removed)' : short(value)}`);
}
