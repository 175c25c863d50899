/**
 * A sandbox that fails to start leaves nothing running: a listening API server kept
 * `kubectl smartscale sandbox --kubeconfig-out /proc/x` alive after its error, deaf to Ctrl-C.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../core/sandbox/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'sandbox-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listeningServers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
}

describe('startSandbox failing', () => {
  it('closes the API server when the kubeconfig cannot be written after it listens', async () => {
    const before = listeningServers();
    // /proc exists, so the certificate cache and the directory pass; the write fails after listen.
    await expect(startSandbox({ controlPlane: false, kubeconfigPath: '/proc/smartscale-start-failure' })).rejects.toMatchObject({ code: 'ENOENT' });
    await new Promise((r) => setTimeout(r, 50));
    expect(listeningServers()).toBe(before);
  });

  it('refuses a directory as the kubeconfig path before listening', async () => {
    const before = listeningServers();
    const adir = join(dir, 'adir');
    mkdirSync(adir);
    await expect(startSandbox({ controlPlane: false, kubeconfigPath: adir })).rejects.toMatchObject({ code: 'EISDIR' });
    expect(listeningServers()).toBe(before);
  });
});
