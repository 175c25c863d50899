import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../core/kube/client.js';
import { classifyKubeError } from '../../../core/kube/errors.js';
import { KubeconfigError } from '../../../core/kube/kubeconfig.js';

describe('classifyKubeError', () => {
  it.each([
    [new KubeApiError(0, 'NetworkError', 'connect ECONNREFUSED 127.0.0.1:1'), 'unreachable', /cannot reach the API server/],
    [new KubeApiError(0, 'NetworkError', 'getaddrinfo ENOTFOUND nowhere.invalid'), 'unreachable', /ENOTFOUND/],
    [new KubeApiError(0, 'NetworkError', 'self-signed certificate in certificate chain'), 'unreachable', /TLS handshake/],
    [new KubeApiError(0, 'Timeout', 'no answer from the API server within 20 s'), 'unreachable', /no answer/],
    [new KubeApiError(401, 'Unauthorized', 'Unauthorized'), 'unauthorized', /401/],
    [new KubeApiError(403, 'Forbidden', 'deployments is forbidden'), 'forbidden', /forbidden/],
    [new KubeApiError(404, 'NotFound', 'not found'), 'notFound', /not found/],
    [new KubeApiError(503, 'ServiceUnavailable', 'down'), 'unreachable', /unavailable/],
    [new KubeApiError(500, 'InternalError', 'boom'), 'other', /HTTP 500/],
    [new KubeconfigError('context "x" does not exist'), 'unreachable', /context "x"/],
    [Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' }), 'unreachable', /EHOSTUNREACH/],
    [new Error('something else'), 'other', /something else/],
  ])('%s → %s', (error, kind, message) => {
    const failure = classifyKubeError(error);
    expect(failure.kind).toBe(kind);
    expect(failure.message).toMatch(message);
    expect(failure.message).not.toContain('\n');
  });
});
