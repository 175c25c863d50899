/**
 * The `smartscale controller` process (core/controllers/main.ts, run with tsx) against a sandbox:
 * it starts, takes the Lease, serves /metrics and /readyz, provisions for pending pods through the
 * simulated cloud, and on SIGTERM exits 0 having released the Lease.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Refs } from '../../../core/kube/refs.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { ROOT } from '../plugin/support.js';
import { deployment, runningPods, waitFor } from '../../core/controllers/support.js';
import { freePort } from '../../support/net.js';

let env: SandboxEnvironment | undefined;
afterAll(async () => env?.stop());

describe('smartscale controller process', () => {
  it('runs against the sandbox, provisions, serves metrics, releases the lease on SIGTERM', async () => {
    env = await startSandboxEnvironment({ speed: 1, launchDelayMs: 1_000, nodeReadyDelayMs: 500, podStartDelayMs: 500, webhook: false, kubeconfigPath: join(process.env.TMPDIR ?? '/tmp', `smartscale-proc-${process.pid}`, 'kubeconfig') });
    const port = await freePort();
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'core', 'controllers', 'main.ts'), 'controller', '--cloud', 'simulated', '--launch-delay', '1', '--no-webhook', '--metrics-host', '127.0.0.1', '--metrics-port', String(port), '--identity', 'proc-1', '--kubeconfig', env.sandbox.kubeconfigPath!], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the lease held by proc-1', async () => (await env!.sandbox.client.get(Refs.leases, 'smartscale-controller', 'smartscale-system'))?.spec?.holderIdentity === 'proc-1', 30_000, 200);
      await env.sandbox.client.create(Refs.deployments, deployment('default', 'web', { replicas: 2 }));
      // The process's own simulated cloud launches; its nodes register in the sandbox.
      await waitFor('2 running pods', async () => (await runningPods(env!.sandbox.client, 'default', 'web')).length === 2, 60_000, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/smartscale_actions_total\{loop="node-claim-lifecycle",action="launch"\} \d/);
      expect(metrics).toContain('smartscale_nodes{nodepool="demo",state="ready"} ');
      expect(metrics).toContain('smartscale_cost_per_hour_usd{nodepool="demo"} ');
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const lease = await env.sandbox.client.get(Refs.leases, 'smartscale-controller', 'smartscale-system');
    expect(lease?.spec?.holderIdentity ?? null).toBeNull();
    expect(output).toContain('controller started');
  }, 120_000);
});
