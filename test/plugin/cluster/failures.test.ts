import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../core/kube/client.js';
import { toCliError } from '../../../plugin/cluster/failures.js';
import { ExitCode } from '../../../plugin/exit-codes.js';

describe('toCliError', () => {
  it("says in words when the server's answer is not TLS, instead of OpenSSL's line", () => {
    const openssl = 'write EPROTO 801C6C02027F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:';
    const error = toCliError(new KubeApiError(0, 'NetworkError', openssl), 'list Deployments in namespace shop');
    expect(error.exitCode).toBe(ExitCode.clusterUnreachable);
    expect(error.message).toBe('TLS handshake with the API server failed: it answered, but not with TLS: is the server an http:// address, or the wrong port?');
  });

  it('keeps the message of other unreachable and refused calls', () => {
    expect(toCliError(new KubeApiError(0, 'NetworkError', 'connect ECONNREFUSED 127.0.0.1:1'), 'x').message).toBe('cannot reach the API server: connect ECONNREFUSED 127.0.0.1:1');
    const forbidden = toCliError(new KubeApiError(403, 'Forbidden', 'deployments.apps is forbidden'), 'list Deployments in namespace shop');
    expect([forbidden.exitCode, forbidden.message]).toEqual([ExitCode.forbidden, 'cannot list Deployments in namespace shop: deployments.apps is forbidden']);
  });
});
