/**
 * What the controller's /readyz answers: ready once every cache has its first list and none has
 * gone stale, else why not — naming the caches still waiting and what their lists got, so a
 * ClusterRole that lacks a permission (an upgrade applied without its RBAC) is read off the probe
 * instead of from repeated log lines. Pure.
 */
export interface ReadinessInput {
  stopping: boolean;
  /** False until startController has returned (the lease and loops started); default true. */
  started?: boolean;
  /** Undefined until the controller has made its cluster state. */
  state?: {
    unsyncedInformers(): { resource: string; error?: Error }[];
    staleInformers(): string[];
  };
}

/** The hint a 403 carries (logs, readiness). */
export const RBAC_HINT = "the controller's ClusterRole lacks this permission: apply manifests/controller/rbac.yaml of this version";

/** An API answer of 403 (a KubeApiError's `code`; read by shape, so this module needs no client). */
export function isForbidden(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 403;
}

export function readiness(input: ReadinessInput): { ready: boolean; message: string } {
  if (input.stopping) return { ready: false, message: 'not ready: stopping' };
  if (!input.state) return { ready: false, message: 'not ready: starting' };
  const waiting = input.state.unsyncedInformers();
  if (waiting.length > 0) {
    const forbidden = waiting.filter((w) => isForbidden(w.error)).map((w) => w.resource);
    const failing = waiting.filter((w) => w.error && !isForbidden(w.error)).map((w) => `${w.resource} (${w.error!.message})`);
    const parts = [`waiting for the first list of ${waiting.map((w) => w.resource).join(', ')}`];
    if (forbidden.length > 0) parts.push(`forbidden: ${forbidden.join(', ')} — ${RBAC_HINT}`);
    if (failing.length > 0) parts.push(`failing: ${failing.join('; ')}`);
    return { ready: false, message: `not ready: ${parts.join('; ')}` };
  }
  if (input.started === false) return { ready: false, message: 'not ready: starting' };
  const stale = input.state.staleInformers();
  if (stale.length > 0) return { ready: false, message: `not ready: stale cache (${stale.join(', ')})` };
  return { ready: true, message: 'ready' };
}
