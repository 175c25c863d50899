/**
 * Sorts a failed API call into the classes a user acts on differently: the cluster cannot be
 * reached (network, DNS, TLS), the credentials or RBAC refuse the request, the object is missing,
 * or anything else (the server's own message).
 */
import { KubeApiError } from './client.js';
import { KubeconfigError } from './kubeconfig.js';

export type KubeFailureKind = 'unreachable' | 'unauthorized' | 'forbidden' | 'notFound' | 'conflict' | 'invalid' | 'other';

export interface KubeFailure {
  kind: KubeFailureKind;
  /** One line, suitable for stderr. */
  message: string;
}

const TLS_HINTS = /certificate|CERT_|SSL|TLS|self[- ]signed|unable to verify|DEPTH_ZERO|ERR_TLS/i;

export function classifyKubeError(error: unknown): KubeFailure {
  if (error instanceof KubeconfigError) return { kind: 'unreachable', message: error.message };
  if (error instanceof KubeApiError) {
    const firstLine = error.message.split('\n')[0];
    if (error.code === 0) {
      const tls = TLS_HINTS.test(error.message);
      return { kind: 'unreachable', message: tls ? `TLS handshake with the API server failed: ${firstLine}` : `cannot reach the API server: ${firstLine}` };
    }
    if (error.code === 401) return { kind: 'unauthorized', message: `the API server rejected the credentials (401 Unauthorized): ${firstLine}` };
    if (error.code === 403) return { kind: 'forbidden', message: firstLine };
    if (error.code === 404) return { kind: 'notFound', message: firstLine };
    if (error.code === 409) return { kind: 'conflict', message: firstLine };
    if (error.code === 422 || error.code === 400) return { kind: 'invalid', message: firstLine };
    if (error.code === 502 || error.code === 503 || error.code === 504) return { kind: 'unreachable', message: `the API server is unavailable (HTTP ${error.code}): ${firstLine}` };
    return { kind: 'other', message: `HTTP ${error.code} ${error.reason}: ${firstLine}` };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (code && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(code)) return { kind: 'unreachable', message: `cannot reach the API server: ${message}` };
  if (TLS_HINTS.test(message) || (code && TLS_HINTS.test(code))) return { kind: 'unreachable', message: `TLS handshake with the API server failed: ${message}` };
  return { kind: 'other', message };
}
