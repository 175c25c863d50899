/**
 * `smartscale controller` refuses bad input at start like any other bad flag: one line on stderr
 * naming the flag and what is wrong, exit code 2 — never a stack trace (main.ts, run with tsx).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/shared.js';
import { JOIN_ENV } from './cluster-join-fixtures.js';

function controller(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'core', 'controllers', 'main.ts'), 'controller', ...args], {
      cwd: repoRoot,
      // No kubeconfig, no cluster: each case must fail before either is needed.
      env: { PATH: process.env.PATH, HOME: tmpdir(), KUBECONFIG: join(tmpdir(), 'smartscale-no-such-kubeconfig'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectUsageError(result: { code: number | null; stderr: string }, message: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trimEnd().split('\n').filter((l) => !l.includes('NodeVersionSupportWarning') && l.startsWith('smartscale:'));
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const dir = mkdtempSync(join(tmpdir(), 'smartscale-main-'));
const notJson = join(dir, 'broken.json');
writeFileSync(notJson, '[{"name": "m5.large",}]');

describe('smartscale controller: bad input is a one-line usage error (exit 2)', () => {
  it.each([
    ['--cloud simulated, a missing catalog', ['--cloud', 'simulated', '--catalog', 'missing.json'], {}, /^smartscale: --catalog \/ SMARTSCALE_CATALOG: catalog missing.json: file not found$/],
    ['--cloud simulated, a catalog that is not JSON', ['--cloud', 'simulated', '--catalog', notJson], {}, /^smartscale: --catalog \/ SMARTSCALE_CATALOG: catalog .*broken.json: not valid JSON at line 1/],
    // aws reads the catalog too (its on-demand prices): before, it was ignored there.
    ['--cloud aws, a missing catalog', ['--cloud', 'aws', '--catalog', 'missing.json'], JOIN_ENV, /^smartscale: --catalog \/ SMARTSCALE_CATALOG: catalog missing.json: file not found$/],
    ['--cloud aws without the join settings', ['--cloud', 'aws'], {}, /^smartscale: --cloud aws needs SMARTSCALE_CLUSTER_NAME, .* ConfigMap smartscale-system\/smartscale-cluster/],
    ['--cloud aws with an http endpoint', [], { ...JOIN_ENV, SMARTSCALE_CLUSTER_ENDPOINT: 'http://x' }, /^smartscale: SMARTSCALE_CLUSTER_ENDPOINT="http:\/\/x": expected an https:\/\/ URL/],
  ])('%s', async (_what, args, env, message) => {
    expectUsageError(await controller(args, env), message);
  }, 30_000);
});
