/**
 * `smartscale controller` (main.ts, run with tsx): bad input is refused at start like any other bad
 * flag — one line on stderr naming the flag and what is wrong, exit code 2, never a stack trace;
 * with --cloud aws the catalog's on-demand prices and the API server's version reach the EC2 provider.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalogEntriesSync } from '../../../core/cloud/catalog/index.js';
import { startSandbox, type Sandbox } from '../../../core/sandbox/sandbox.js';
import { catalogPath, repoRoot } from '../../support/shared.js';
import { JOIN_ENV } from './cluster-join-fixtures.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the controller; `until` (given the output so far) says when to stop it with SIGTERM. */
function controller(args: string[], env: Record<string, string> = {}, until?: (stdout: string) => boolean): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'core', 'controllers', 'main.ts'), 'controller', ...args], {
      cwd: repoRoot,
      // No kubeconfig, no cluster: each case must fail before either is needed.
      env: { PATH: process.env.PATH, HOME: tmpdir(), KUBECONFIG: join(tmpdir(), 'smartscale-no-such-kubeconfig'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (until?.(stdout)) child.kill('SIGTERM');
    });
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
    // These four were stack traces with exit 1, or (the last) silently the simulated cloud.
    ['--kubeconfig that does not exist', ['--cloud', 'simulated', '--no-webhook', '--kubeconfig', '/nope'], {}, /^smartscale: --kubeconfig \/ KUBECONFIG \/nope: cannot load it: no such file$/],
    ['--kubeconfig that is not a kubeconfig', ['--cloud', 'simulated', '--no-webhook', '--kubeconfig', notJson], {}, /^smartscale: --kubeconfig \/ KUBECONFIG .*broken.json: it names no current context with a cluster$/],
    ['--metrics-host 999.1.1.1', ['--cloud', 'simulated', '--no-webhook', '--metrics-host', '999.1.1.1'], {}, /^smartscale: --metrics-host \/ SMARTSCALE_METRICS_HOST="999.1.1.1": expected an IP address/],
    ['--cloud=simulated=x', ['--cloud=simulated=x'], {}, /^smartscale: --cloud \/ SMARTSCALE_CLOUD="simulated=x": expected aws or simulated$/],
    ['the webhook with neither a certificate directory nor a Secret', ['--cloud', 'simulated'], {}, /^smartscale: set SMARTSCALE_WEBHOOK_CERT_DIR/],
  ])('%s', async (_what, args, env, message) => {
    expectUsageError(await controller(args, env), message);
  }, 30_000);
});

describe('smartscale controller: a metrics address it cannot listen on', () => {
  let sandbox: Sandbox | undefined;
  afterAll(async () => sandbox?.stop());

  it('is one line and exit 2 (it was an unhandled error event: a stack trace, exit 1)', async () => {
    sandbox = await startSandbox({ controlPlane: false, kubeconfigPath: join(dir, 'listen', 'kubeconfig') });
    // 192.0.2.1 (TEST-NET-1) is an address no interface here has.
    const result = await controller(['--cloud', 'simulated', '--no-webhook', '--metrics-host', '192.0.2.1', '--metrics-port', '0', '--kubeconfig', sandbox.kubeconfigPath!]);
    expectUsageError(result, /^smartscale: --metrics-host 192.0.2.1 --metrics-port 0: cannot listen there: EADDRNOTAVAIL$/);
  }, 60_000);
});

describe('smartscale controller --cloud aws', () => {
  let sandbox: Sandbox | undefined;
  afterAll(async () => sandbox?.stop());

  it('prices EC2 on-demand offerings from --catalog and learns the control plane version from the API server', async () => {
    sandbox = await startSandbox({ controlPlane: false, kubeconfigPath: join(dir, 'sandbox', 'kubeconfig') });
    const line = (stdout: string) => stdout.split('\n').find((l) => l.includes('EC2 on-demand prices from the catalog'));
    const args = ['--cloud', 'aws', '--no-webhook', '--metrics-port', '0', '--metrics-host', '127.0.0.1', '--kubeconfig', sandbox.kubeconfigPath!];
    const withCatalog = await controller([...args, '--catalog', catalogPath()], JOIN_ENV, (out) => line(out) !== undefined);
    expect(JSON.parse(line(withCatalog.stdout)!), withCatalog.stderr).toMatchObject({ catalog: catalogPath(), onDemandPrices: loadCatalogEntriesSync(catalogPath()).length, kubernetesVersion: '1.32' });
    // Without --catalog: the built-in table; an explicit version wins over the API server's.
    const builtin = await controller(args, { ...JOIN_ENV, SMARTSCALE_KUBERNETES_VERSION: '1.31' }, (out) => line(out) !== undefined);
    expect(JSON.parse(line(builtin.stdout)!)).toMatchObject({ catalog: 'builtin', onDemandPrices: loadCatalogEntriesSync('builtin').length, kubernetesVersion: '1.31' });
  }, 60_000);
});
