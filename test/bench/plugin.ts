/**
 * `npm run bench:plugin`: the plugin's two speed bars, measured through the real kubectl.
 * - `kubectl smartscale --help` start to exit (bar ≤ 300 ms), and the shipped bin (the bundle,
 *   dist/plugin/bundle/main.js) run by node directly; `npx tsx test/bench/plugin-start.ts` compares
 *   start-up variants side by side (also the unbundled tsc output);
 * - `kubectl smartscale status -A` against a sandbox holding 2,000 opted-in Deployments with
 *   forecasts and 50 NodeClaims (bar ≤ 1 s), plus the same gathering in-process (no process start).
 * Also, for context: bare node, yargs alone (the floor under --help), kubectl's own start, the
 * cost of importing @kubernetes/client-node, and the 1-minute load average before and after.
 * Prints one JSON object. Needs `npm run build` first (it runs it when dist/ is missing).
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { formatForecastAnnotation } from '../../core/model/annotations.js';
import { gatherStatus } from '../../plugin/cluster/status.js';
import { BIN_DIR, configMap, CONFIGMAPS, CRDS, deployment, DEPLOYMENTS, KUBECTL, namespace, NAMESPACES, NODECLAIMS, pluginBuilt, ROOT, startPluginSandbox } from '../e2e/plugin/support.js';

const DEPLOYMENT_COUNT = 2000;
const NAMESPACE_COUNT = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/**
 * The plugin's cluster commands alone (this issue's code) under the same yargs setup, without the
 * other commands' imports: separates their start-up cost from the whole CLI's.
 */
const OWN_COMMANDS_ENTRY = `
import yargs from 'yargs';
const names = ['status', 'mode', 'enable', 'disable', 'forecast', 'graph', 'nodes', 'install'];
const modules = await Promise.all(names.map((n) => import('./dist/plugin/commands/' + n + '.js')));
const commands = modules.map((m, i) => m[names[i] + 'Command']);
await yargs(process.argv.slice(1)).scriptName('kubectl smartscale')
  .option('kubeconfig', { type: 'string', global: true }).option('context', { type: 'string', global: true })
  .option('namespace', { alias: 'n', type: 'string', global: true }).option('output', { alias: 'o', type: 'string', global: true })
  .command(commands).strict().help().version(false).parseAsync();
`;

/** The floor under the plugin's --help: yargs with the same global options and no commands. */
const YARGS_ONLY_ENTRY = `
import yargs from 'yargs';
await yargs(process.argv.slice(1)).scriptName('kubectl smartscale')
  .option('kubeconfig', { type: 'string', global: true }).option('context', { type: 'string', global: true })
  .option('namespace', { alias: 'n', type: 'string', global: true }).option('output', { alias: 'o', type: 'string', global: true })
  .strict().help().version(false).parseAsync();
`;

function timed(command: string, args: string[], env: Record<string, string | undefined>, cwd?: string): Promise<{ ms: number; code: number; bytes: number }> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(command, args, { cwd, env: { HOME: process.env.HOME, PATH: `${BIN_DIR}:/usr/bin:/bin`, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      done({ ms: performance.now() - started, code: error ? Number((error as any).code ?? 1) : 0, bytes: stdout.length });
    });
  });
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function summary(samples: number[]): { medianMs: number; minMs: number; maxMs: number; runs: number } {
  const s = [...samples].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return { medianMs: round(s[Math.floor(s.length / 2)]), minMs: round(s[0]), maxMs: round(s.at(-1)!), runs: s.length };
}

async function series(runs: number, run: () => Promise<{ ms: number; code: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await run();
    if (r.code !== 0) throw new Error(`run ${i} exited ${r.code}`);
    out.push(r.ms);
  }
  return out;
}

async function main(): Promise<void> {
  if (!pluginBuilt()) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const { cpus, loadavg } = await import('node:os');
  const loadBefore = loadavg();
  const help = await series(RUNS, () => timed(KUBECTL, ['smartscale', '--help'], {}));
  const shippedBin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['kubectl-smartscale'];
  const helpDirect = await series(RUNS, () => timed(process.execPath, [join(ROOT, shippedBin), '--help'], {}));
  const helpOwn = await series(RUNS, () => timed(process.execPath, ['--input-type=module', '-e', OWN_COMMANDS_ENTRY, '--', '--help'], {}, ROOT));
  const clientNode = await series(3, () => timed(process.execPath, ['-e', "import('@kubernetes/client-node')"], {}));
  const nodeBare = await series(3, () => timed(process.execPath, ['-e', '0'], {}));
  const yargsOnly = await series(RUNS, () => timed(process.execPath, ['--input-type=module', '-e', YARGS_ONLY_ENTRY, '--', '--help'], {}, ROOT));
  const kubectlStart = await series(3, () => timed(KUBECTL, ['version', '--client'], {}));

  const sandbox = await startPluginSandbox();
  const c = sandbox.client;
  const now = Math.floor(Date.now() / 1000);
  await c.create(NAMESPACES, namespace('smartscale-system'));
  await c.create(CONFIGMAPS, configMap('smartscale-system', 'smartscale-config', { mode: 'observe' }));
  await c.create(CRDS, load(readFileSync(join(ROOT, 'manifests/crds/nodeclaims.yaml'), 'utf8')) as any);
  for (let n = 0; n < NAMESPACE_COUNT; n++) await c.create(NAMESPACES, namespace(`team-${n}`));
  const point = Array.from({ length: 15 }, (_, i) => 100 + 10 * Math.sin(i / 3));
  const forecast = formatForecastAnnotation({ v: 1, generatedAt: now - 30, stepSeconds: 60, point, upper: point.map((p) => p * 1.2), quantile: 0.9, model: 'blend', recentRelMae: 0.7, observed: 95 });
  const creates: Array<Promise<unknown>> = [];
  for (let i = 0; i < DEPLOYMENT_COUNT; i++) {
    creates.push(c.create(DEPLOYMENTS, deployment(`team-${i % NAMESPACE_COUNT}`, `svc-${i}`, { 'smartscale.io/enabled': 'true', 'smartscale.io/forecast': forecast, 'smartscale.io/target-replicas': '4', 'smartscale.io/peak-replicas': '6', 'smartscale.io/capacity': '{"replicas":2,"cpu":"500m","memory":"512Mi","pods":2}' })));
    if (creates.length >= 50) await Promise.all(creates.splice(0));
  }
  await Promise.all(creates);
  for (let i = 0; i < 50; i++) {
    const created = await c.create(NODECLAIMS, { apiVersion: 'smartscale.io/v1', kind: 'NodeClaim', metadata: { name: `claim-${i}` }, spec: { nodePool: `pool-${i % 3}`, instanceTypeOptions: ['m6i.large'] } });
    await c.replace(NODECLAIMS, { ...created, status: { instanceType: 'm6i.large', pricePerHour: '0.096', nodeName: `node-${i}`, conditions: [{ type: 'Initialized', status: 'True' }] } }, 'status');
  }

  const env = { KUBECONFIG: sandbox.kubeconfigPath };
  const check = await timed(KUBECTL, ['smartscale', 'status', '-A'], env);
  if (check.code !== 0) throw new Error(`status exited ${check.code}`);
  const status = await series(RUNS, () => timed(KUBECTL, ['smartscale', 'status', '-A'], env));
  const statusOwn = await series(RUNS, () => timed(process.execPath, ['--input-type=module', '-e', OWN_COMMANDS_ENTRY, '--', 'status', '-A'], env, ROOT));
  const statusJson = await series(RUNS, () => timed(KUBECTL, ['smartscale', 'status', '-A', '-o', 'json'], env));
  const inProcess: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const report = await gatherStatus(c, { context: 'bench', scope: undefined, namespace: 'default', nowSeconds: Date.now() / 1000 });
    inProcess.push(performance.now() - started);
    rows = report.deployments.length;
  }
  await sandbox.close();

  const helpSummary = summary(help);
  const statusSummary = summary(status);
  process.stdout.write(
    `${JSON.stringify({
      machine: { cpus: cpus().length, loadAverage1m: { before: round2(loadBefore[0]), after: round2(loadavg()[0]) }, node: process.version, kubectl: execFileSync(KUBECTL, ['version', '--client', '-o', 'json'], { encoding: 'utf8' }).match(/"gitVersion":\s*"([^"]+)"/)?.[1] },
      helpStart: { bar: '<= 300 ms', via: 'kubectl smartscale --help', ...helpSummary, met: helpSummary.medianMs <= 300 },
      helpStartOwnCommandsOnly: { via: 'node -e <yargs + the 8 cluster commands only> --help', ...summary(helpOwn) },
      helpStartNodeDirect: { via: `node ${shippedBin} --help`, ...summary(helpDirect) },
      status2000: { bar: '<= 1000 ms', via: 'kubectl smartscale status -A', deployments: rows, nodeClaims: 50, outputBytes: check.bytes, ...statusSummary, met: statusSummary.medianMs <= 1000 },
      status2000OwnCommandsOnly: { via: 'node -e <yargs + the 8 cluster commands only> status -A', ...summary(statusOwn) },
      status2000Json: { via: 'kubectl smartscale status -A -o json', ...summary(statusJson) },
      status2000InProcess: { via: 'gatherStatus() against the same sandbox, no process start', ...summary(inProcess) },
      context: {
        nodeBareStart: summary(nodeBare),
        yargsOnlyHelp: { via: 'node -e <yargs, the 4 global flags, no commands> --help', ...summary(yargsOnly) },
        kubectlClientStart: { via: 'kubectl version --client (what kubectl adds before it runs a plugin)', ...summary(kubectlStart) },
        clientNodeImport: summary(clientNode),
      },
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
