/**
 * A sandbox environment that fails to start after its API server listens (here: a NodePool the API
 * refuses) closes everything it opened, so a demo or test that fails does not leave a process that
 * never exits (a helper's audit found `sandbox --demo` hanging that way).
 */
import { describe, expect, it } from 'vitest';
import { startSandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { canListen, freePort } from '../../support/net.js';

describe('startSandboxEnvironment', () => {
  it('closes the API server and the webhook when a later step fails', async () => {
    const port = await freePort();
    const failing = startSandboxEnvironment({ port, nodePool: { apiVersion: 'smartscale.io/v1', kind: 'NodePool', metadata: {}, spec: {} } as never });
    await expect(failing).rejects.toThrow();
    expect(await canListen(port)).toBe(true);
  }, 30_000);
});
