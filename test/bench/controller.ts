/**
 * bench:controller — the scale bar of issue 7: 2,000 opted-in Deployments and 500 nodes in the
 * sandbox; one forecaster tick ≤ 1 s and the controller's resident memory ≤ 400 MB.
 *
 * This process runs the sandbox (API server + simulated control plane) and fills it; the
 * controller runs in a child process (controller-worker.ts) so its RSS is measured alone.
 * Prints one JSON object. Env: BENCH_DEPLOYMENTS (2000), BENCH_NODES (500), BENCH_TICKS (5),
 * BENCH_BACKFILL (12h).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applyObject, readManifests } from '../../core/controllers/manifests.js';
import { MANIFESTS_DIR } from '../../core/controllers/sandbox-environment.js';
import { runLimited } from '../../core/controllers/forecaster.js';
import { Refs } from '../../core/kube/refs.js';
import { simulatedNode } from '../../core/sandbox/nodes.js';
import { startSandbox } from '../../core/sandbox/sandbox.js';

const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 2000);
const NODES = Number(process.env.BENCH_NODES ?? 500);
const TICKS = Number(process.env.BENCH_TICKS ?? 5);
const BACKFILL = process.env.BENCH_BACKFILL ?? '12h';
const ROOT = resolve(import.meta.dirname, '..', '..');

/** The sandbox shares this process and two cores: retry the odd reset connection while filling it. */
async function retry<T>(what: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await what();
    } catch (error) {
      if (attempt >= 5 || (error as { code?: number }).code === 409) throw error;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function main(): Promise<void> {
  const kubeconfigPath = join(process.env.TMPDIR ?? '/tmp', `smartscale-bench-${process.pid}`, 'kubeconfig');
  const sandbox = await startSandbox({ kubeconfigPath, nodeReadyDelayMs: 0, podStartDelayMs: 0 });
  const client = sandbox.client;
  const fillStart = performance.now();
  for (const file of ['namespace.yaml', 'crds/nodepools.yaml', 'crds/nodeclaims.yaml']) for (const o of readManifests(join(MANIFESTS_DIR, file))) await applyObject(client, o);
  for (const o of readManifests(join(MANIFESTS_DIR, 'controller', 'configmap.yaml'))) {
    o.data = { ...o.data, 'controller.backfill': BACKFILL };
    await applyObject(client, o);
  }
  await applyObject(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  await runLimited(Array.from({ length: NODES }, (_, i) => i), 16, async (i) => {
    await retry(() => client.create(Refs.nodes, simulatedNode({ name: `node-${i}`, cpu: '16', memory: '64Gi', labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` } })));
  });
  await runLimited(Array.from({ length: DEPLOYMENTS }, (_, i) => i), 16, async (i) => {
    await retry(() => client.create(Refs.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `svc-${i}`, namespace: 'bench', annotations: { 'smartscale.io/enabled': 'true', 'smartscale.io/target-rps-per-pod': '10' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: `svc-${i}` } },
        template: { metadata: { labels: { app: `svc-${i}` } }, spec: { containers: [{ name: 'app', image: 'example', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } },
      },
    }));
  });
  // Let the control plane create and bind the pods (bounded).
  const deadline = Date.now() + 180_000;
  let pods = 0;
  while (Date.now() < deadline) {
    pods = (await retry(() => client.list(Refs.pods, { namespace: 'bench' }))).items.filter((p) => p.spec?.nodeName).length;
    if (pods >= DEPLOYMENTS * 2) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  // Built JavaScript when there is a build (tsx's transpiler would count as controller memory).
  const built = join(ROOT, 'dist', 'test', 'bench', 'controller-worker.js');
  const runner = existsSync(built) ? 'node dist' : 'tsx';
  const worker = existsSync(built)
    ? spawn(process.execPath, ['--expose-gc', ...(process.env.BENCH_NODE_OPTIONS ?? '--max-old-space-size=192 --max-semi-space-size=4').split(' ').filter(Boolean), built, kubeconfigPath, String(TICKS)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'test', 'bench', 'controller-worker.ts'), kubeconfigPath, String(TICKS)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  worker.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => worker.on('exit', r));
  await sandbox.stop();
  if (code !== 0) throw new Error(`worker exited with ${code}`);
  const result = JSON.parse(out.trim().split('\n').at(-1)!);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'controller',
      deployments: DEPLOYMENTS,
      nodes: NODES,
      boundPods: pods,
      backfill: BACKFILL,
      worker: runner,
      fillSeconds: Math.round(fillSeconds),
      ...result,
      bars: { tickUnder1s: result.maxTickSeconds <= 1, rssUnder400MB: result.rssMB <= 400 },
    })}\n`,
  );
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
