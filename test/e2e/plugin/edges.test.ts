/**
 * `kubectl smartscale` at its edges, through the real kubectl as a user meets them: flags without
 * their value, numbers that are not numbers, repeated flags, out-of-range widths, trace files that
 * are not traces, a report that cannot be written, a namespace typo, a server that accepts the
 * connection and never answers, and -o yaml for the offline commands. Each case here was found
 * walking the README and failed (silently or with exit 1) before its fix.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatForecastAnnotation } from '../../../core/model/annotations.js';
import { ExitCode } from '../../../plugin/exit-codes.js';
import { tracePath } from '../../support/shared.js';
import { buildPlugin, CONFIGMAPS, configMap, deployment, DEPLOYMENTS, kubectl, namespace, NAMESPACES, NODES, startPluginSandbox, type PluginSandbox, type RunResult } from './support.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 });

let sandbox: PluginSandbox;
const now = Math.floor(Date.now() / 1000);
const forecast = formatForecastAnnotation({ v: 1, generatedAt: now - 30, stepSeconds: 60, point: [10, 12, 15, 20, 18, 14], upper: [12, 15, 19, 25, 22, 17], quantile: 0.9, model: 'holt-winters', recentRelMae: 0.62, observed: 9 });

function plugin(...args: string[]): Promise<RunResult> {
  return kubectl(['smartscale', ...args, '--kubeconfig', sandbox.kubeconfigPath]);
}

/** Exit code, one `error: …` line (usage errors add yargs' "See …--help" line) and nothing on stdout. */
function expectError(result: RunResult, code: number, message: RegExp, lines = 1): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr.startsWith('error: ')).toBe(true);
  expect(result.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(lines);
  expect(result.stdout).toBe('');
}

async function annotations(ns: string, name: string): Promise<Record<string, string>> {
  return (await sandbox.client.get(DEPLOYMENTS, name, ns))!.metadata.annotations ?? {};
}

beforeAll(async () => {
  if (!process.env.SMARTSCALE_E2E_SKIP_BUILD) await buildPlugin();
  sandbox = await startPluginSandbox();
  await sandbox.client.create(NAMESPACES, namespace('shop'));
  await sandbox.client.create(DEPLOYMENTS, deployment('shop', 'web', { 'smartscale.io/enabled': 'true', 'smartscale.io/min-replicas': '2', 'smartscale.io/forecast': forecast }));
}, 300_000);

afterAll(async () => {
  await sandbox?.close();
});

describe('flag values', () => {
  it('a flag given without its value is a usage error, not the flag left out', async () => {
    const min = await plugin('enable', 'web', '-n', 'shop', '--min');
    expectError(min, ExitCode.usage, /^error: flag needs an argument: --min\nSee 'kubectl smartscale enable --help'\.\n$/, 2);
    expect((await annotations('shop', 'web'))['smartscale.io/min-replicas']).toBe('2');
    // -n without a namespace used to show the context's namespace.
    expectError(await plugin('status', '-n'), ExitCode.usage, /flag needs an argument: -n\nSee 'kubectl smartscale status --help'/, 2);
    expectError(await plugin('forecast', 'web', '-n', 'shop', '--width'), ExitCode.usage, /flag needs an argument: --width/, 2);
    // Flags with defaults: --quantile alone used to run the simulation with the default.
    expectError(await kubectl(['smartscale', 'simulate', '--quantile']), ExitCode.usage, /flag needs an argument: --quantile/, 2);
    expectError(await kubectl(['smartscale', 'backtest', '--horizon']), ExitCode.usage, /flag needs an argument: --horizon/, 2);
  });

  it("usage errors inside a command point at that command's help, a missing argument by its name", async () => {
    expectError(await plugin('mode'), ExitCode.usage, /^error: missing <mode>: the command is 'kubectl smartscale mode <mode> \[deployment\]'\nSee 'kubectl smartscale mode --help'\.\n$/, 2);
    expectError(await plugin('forecast'), ExitCode.usage, /missing <deployment>.*\nSee 'kubectl smartscale forecast --help'/, 2);
    expectError(await plugin('status', '--bogus'), ExitCode.usage, /Unknown argument: bogus\nSee 'kubectl smartscale status --help'/, 2);
    // Outside a command the top-level help is the one to read.
    expectError(await kubectl(['smartscale', 'frobnicate']), ExitCode.usage, /\nSee 'kubectl smartscale --help'\.\n$/, 2);
  });

  it('a number flag must be a number, everywhere', async () => {
    // --seed abc used to run the built-in scenario with seed NaN.
    expectError(await kubectl(['smartscale', 'simulate', '--seed', 'abc']), ExitCode.usage, /--seed: expected a number/);
    expectError(await plugin('enable', 'web', '-n', 'shop', '--max', 'ten'), ExitCode.usage, /--max: expected a number/);
    // An empty value was read as 0 (`--min=` set min-replicas to 0, silently).
    expectError(await plugin('enable', 'web', '-n', 'shop', '--min='), ExitCode.usage, /--min: expected a number, got ""/);
    expectError(await plugin('enable', 'web', '-n', 'shop', '--target-rps-per-pod', ' '), ExitCode.usage, /--target-rps-per-pod: expected a number/);
    expect((await annotations('shop', 'web'))['smartscale.io/min-replicas']).not.toBe('0');
    // Number forms kubectl's flags accept still work.
    const ok = await plugin('enable', 'web', '-n', 'shop', '--max', '1e2', '-o', 'json');
    expect(ok.code, ok.stderr).toBe(0);
    expect((await annotations('shop', 'web'))['smartscale.io/max-replicas']).toBe('100');
  });

  it('a repeated flag keeps its last value, as in kubectl', async () => {
    const result = await plugin('enable', 'web', '-n', 'shop', '--min', '3', '--min', '4', '-o', 'json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).changed).toEqual({ 'smartscale.io/min-replicas': '4' });
    expect((await annotations('shop', 'web'))['smartscale.io/min-replicas']).toBe('4');
  });

  it('forecast --width out of range is refused (a huge one overflowed the stack, exit 1)', async () => {
    expectError(await plugin('forecast', 'web', '-n', 'shop', '--width', '100000'), ExitCode.usage, /--width 100000: must be a whole number of columns from 8 to 1000/);
    expectError(await plugin('forecast', 'web', '-n', 'shop', '--width', '-3'), ExitCode.usage, /--width -3/);
    const ok = await plugin('forecast', 'web', '-n', 'shop', '--width', '1000');
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('trace files that are not traces', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(sandbox.dir, 'traces');
    mkdirSync(join(dir, 'folder.csv'), { recursive: true });
    writeFileSync(join(dir, 'empty.csv'), '');
    writeFileSync(join(dir, 'header.csv'), 'timestamp,value\n');
    writeFileSync(join(dir, 'binary.csv'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x41, 0x0a, 0x80, 0x81]));
  });

  it.each(['backtest', 'simulate'])('%s names the problem in words, exit 2', async (command) => {
    const run = (file: string) => kubectl(['smartscale', command, '--trace', join(dir, file)]);
    expectError(await run('folder.csv'), ExitCode.usage, /cannot read trace .*folder\.csv: it is a directory; name a file/);
    expectError(await run('missing.csv'), ExitCode.usage, /cannot read trace .*missing\.csv: no such file/);
    expectError(await run('empty.csv'), ExitCode.usage, /empty\.csv: line 1: expected the header "timestamp,value"/);
    expectError(await run('header.csv'), ExitCode.usage, /header\.csv: a trace needs at least 2 rows, found 0/);
    // The first line of a binary file used to be quoted onto the terminal.
    const binary = await run('binary.csv');
    expectError(binary, ExitCode.usage, /binary\.csv: not a text file/);
    expect(binary.stderr).not.toMatch(/[\u0000-\u0008\ufffd]/);
  });

  it('simulate --trace without a file is refused instead of running the built-in scenario', async () => {
    expectError(await kubectl(['smartscale', 'simulate', '--trace']), ExitCode.usage, /--trace: name at least one CSV file/);
  });

  it('simulate --ca-instance-type that the catalog lacks or that cannot hold a pod is a usage error naming the flag', async () => {
    // It failed a worker job inside the replay: "simulation job 0 failed: …", exit 1.
    const run = (...flags: string[]) => kubectl(['smartscale', 'simulate', '--trace', tracePath('nasa_ksc_jul1995_1min.csv'), '--horizon', '1h', '--strategies', 'reactive-hpa-ca', ...flags]);
    expectError(await run('--ca-instance-type', 'nope.large'), ExitCode.usage, /--ca-instance-type nope\.large: not in the catalog \(builtin\)/);
    expectError(await run('--ca-instance-type', 'c7g.medium', '--memory', '4Gi'), ExitCode.usage, /--ca-instance-type c7g\.medium: cannot hold one pod of --cpu 500m --memory 4Gi/);
  });

  it('simulate --report into a missing directory fails before the replay, with nothing on stdout', async () => {
    const result = await kubectl(['smartscale', 'simulate', '--trace', tracePath('nasa_ksc_jul1995_1min.csv'), '--horizon', '1h', '--report', join(dir, 'no-such-dir', 'r.html')]);
    expectError(result, ExitCode.usage, /--report .*r\.html: cannot write it: the directory .*no-such-dir does not exist/);
  });
});

describe('install --manifests', () => {
  it('a folder that is not the manifests is refused before anything is applied', async () => {
    // It used to apply only the Namespace, ConfigMap and Secret the plan adds itself, and exit 0.
    expectError(await plugin('install', '--manifests', join(sandbox.dir, 'nowhere')), ExitCode.usage, /--manifests .*nowhere: no such directory/);
    expectError(await plugin('install', '--manifests', sandbox.dir), ExitCode.usage, /no kustomization.yaml there/);
    expectError(await plugin('install', '--dry-run', '--manifests', sandbox.kubeconfigPath), ExitCode.usage, /not a directory/);
    expect(await sandbox.client.get(NAMESPACES, 'smartscale-system')).toBeUndefined();
  });
});

describe('sandbox flags', () => {
  it('--demo --trace of a directory is named like the other commands name it', async () => {
    expectError(await kubectl(['smartscale', 'sandbox', '--demo', '--trace', sandbox.dir, '--kubeconfig-out', join(sandbox.dir, 'demo-kubeconfig')]), ExitCode.usage, /cannot read trace .*: it is a directory; name a file/);
    expectError(await kubectl(['smartscale', 'sandbox', '--node-cpu', 'lots']), ExitCode.usage, /--node-cpu: invalid quantity "lots"/);
  });

  it('a --kubeconfig-out that cannot be written exits 2 at once, listening on nothing (it hung, needing kill -9)', async () => {
    const adir = join(sandbox.dir, 'kubeconfig-dir');
    mkdirSync(adir, { recursive: true });
    const started = Date.now();
    expectError(await kubectl(['smartscale', 'sandbox', '--port', '0', '--nodes', '0', '--kubeconfig-out', adir]), ExitCode.usage, /^error: --kubeconfig-out .*kubeconfig-dir: cannot write the kubeconfig there: it is a directory; name a file\n$/);
    expectError(await kubectl(['smartscale', 'sandbox', '--port', '0', '--nodes', '0', '--kubeconfig-out', '/proc/smartscale-kc']), ExitCode.usage, /^error: --kubeconfig-out \/proc\/smartscale-kc: cannot write the kubeconfig there: no such file\n$/);
    expectError(await kubectl(['smartscale', 'sandbox', '--port', '0', '--nodes', '0', '--kubeconfig-out', '']), ExitCode.usage, /^error: --kubeconfig-out needs a file path\n$/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('what the cluster holds is printed without terminal control characters', () => {
  it('a forecast model carrying escape sequences and a right-to-left override: status, status -o wide and forecast print it defused; -o json keeps it exact', async () => {
    const model = '\u001b]0;pwned\u0007hw\u001b[2J\u202ex';
    await sandbox.client.create(DEPLOYMENTS, deployment('shop', 'hostile', { 'smartscale.io/enabled': 'true', 'smartscale.io/forecast': formatForecastAnnotation({ v: 1, generatedAt: now - 30, stepSeconds: 60, point: [10, 12], upper: [12, 15], quantile: 0.9, model, observed: 9 }) }));
    try {
      // eslint-disable-next-line no-control-regex
      const control = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
      for (const args of [['status', '-n', 'shop'], ['status', '-n', 'shop', '-o', 'wide'], ['forecast', 'hostile', '-n', 'shop']]) {
        const result = await plugin(...args);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(']0;pwned hw [2J x');
        expect(control.test(result.stdout), args.join(' ')).toBe(false);
        expect(control.test(result.stderr), args.join(' ')).toBe(false);
      }
      const json = await plugin('forecast', 'hostile', '-n', 'shop', '-o', 'json');
      expect(control.test(json.stdout)).toBe(false);
      expect(JSON.parse(json.stdout).forecast.model).toBe(model);
    } finally {
      await sandbox.client.delete(DEPLOYMENTS, 'hostile', 'shop');
    }
  });
});

describe('enable where the webhook never looks', () => {
  it('a Deployment in kube-system is not enabled (it said enabled, and nothing ever acted): exit 2 naming the webhook\'s namespaceSelector', async () => {
    await sandbox.client.create(DEPLOYMENTS, deployment('kube-system', 'dns-helper'));
    try {
      expectError(await plugin('enable', 'dns-helper', '-n', 'kube-system'), ExitCode.usage, /^error: namespace kube-system is never seen by smartscale's webhook: the namespaceSelector of smartscale's webhook configuration \(manifests\/webhook\/mutatingwebhookconfiguration\.yaml\) \(kubernetes\.io\/metadata\.name NotIn \[kube-system, smartscale-system\]\); a Deployment there never gets replica targets or capacity, so it was not enabled\n$/);
      expect((await annotations('kube-system', 'dns-helper'))['smartscale.io/enabled']).toBeUndefined();
    } finally {
      await sandbox.client.delete(DEPLOYMENTS, 'dns-helper', 'kube-system');
    }
  });
});

describe('-o yaml for the offline commands', () => {
  it('simulate and backtest print YAML carrying the JSON form', async () => {
    const trace = tracePath('nasa_ksc_jul1995_1min.csv');
    const simulate = await kubectl(['smartscale', 'simulate', '--trace', trace, '--horizon', '1h', '--strategies', 'smartscale,oracle', '-o', 'yaml']);
    expect(simulate.code, simulate.stderr).toBe(0);
    const summary = load(simulate.stdout) as any;
    expect(summary.trace).toBe('nasa_ksc_jul1995_1min.csv');
    expect(Object.keys(summary.strategies)).toEqual(['smartscale', 'oracle']);
    expect(summary.strategies.oracle.costRatio).toBe(1);
    const backtest = await kubectl(['smartscale', 'backtest', '--trace', trace, '--warmup', '1d', '-o', 'yaml']);
    expect(backtest.code, backtest.stderr).toBe(0);
    const json = await kubectl(['smartscale', 'backtest', '--trace', trace, '--warmup', '1d', '-o', 'json']);
    const fromYaml = load(backtest.stdout) as any;
    const fromJson = JSON.parse(json.stdout);
    expect(fromYaml.models.persistence).toEqual(fromJson.models.persistence);
    expect(fromYaml.selected).toEqual(fromJson.selected);
    expectError(await kubectl(['smartscale', 'backtest', '-o', 'wide']), ExitCode.usage, /-o wide: backtest prints table, json or yaml/);
  });
});

describe('forecasts stamped ahead of this machine (a sandbox at --speed 600)', () => {
  it('status and forecast count from the newest forecast and say why, instead of "<invalid>" and "in 8h"', async () => {
    const ahead = now + 8 * 3600;
    await sandbox.client.create(DEPLOYMENTS, deployment('shop', 'fast', { 'smartscale.io/enabled': 'true', 'smartscale.io/forecast': formatForecastAnnotation({ v: 1, generatedAt: ahead, stepSeconds: 60, point: [10, 30, 20], upper: [12, 35, 25], quantile: 0.9, model: 'ewma', observed: 9 }) }));
    try {
      const status = await plugin('status', 'fast', '-n', 'shop', '-o', 'wide');
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).not.toContain('<invalid>');
      // The peak is the second step: two minutes after the forecast was made.
      expect(status.stdout).toMatch(/^fast\s+observe\*\s+.*\s30rps\s+2m\s+ewma\s/m);
      expect(status.stderr).toMatch(/warning: the cluster's stamps are up to (7h59m|8h) ahead of this machine's clock \(a sandbox running faster than real time, or a skewed clock\)/);
      expect(status.stderr).toContain('times are counted from the newest forecast');
      const chart = await plugin('forecast', 'fast', '-n', 'shop');
      expect(chart.stdout).toContain('made 0s ago');
      expect(chart.stdout).toContain('next peak 30 rps (band 35 at q0.9) in 2m;');
    } finally {
      await sandbox.client.delete(DEPLOYMENTS, 'fast', 'shop');
    }
  });

  it('nodes ages them from the newest node, not "<invalid>"', async () => {
    // A second API server whose clock is 8 h ahead stamps its objects "in the future".
    const future = await startPluginSandbox(Date.now() + 8 * 3600_000);
    try {
      await future.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'future-node' }, status: { allocatable: { cpu: '2', memory: '8Gi', pods: '29' }, conditions: [{ type: 'Ready', status: 'True' }] } });
      const result = await kubectl(['smartscale', 'nodes', '--kubeconfig', future.kubeconfigPath]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^future-node\s.*\s0s$/m);
      expect(result.stderr).toMatch(/ahead of this machine's clock .*: times are counted from the newest node/);
    } finally {
      await future.close();
    }
  });
});

describe('a namespace typo', () => {
  it('is named, not shown as an empty namespace', async () => {
    const status = await plugin('status', '-n', 'shpo');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('No opted-in Deployments in namespace shpo.');
    expect(status.stderr).toContain('warning: namespace "shpo" does not exist');
    expect(JSON.parse((await plugin('status', '-n', 'shpo', '-o', 'json')).stdout).warnings).toContain('namespace "shpo" does not exist');
    expectError(await plugin('forecast', 'web', '-n', 'shpo'), ExitCode.notFound, /Deployment "web" not found in namespace "shpo" \(the namespace does not exist\)/);
    expect((await plugin('mode', 'optimize', '--all', '-n', 'shpo')).stderr).toContain('warning: namespace "shpo" does not exist');
    // graph needs smartscale's ConfigMap to get as far as the edges.
    await sandbox.client.create(NAMESPACES, namespace('smartscale-system'));
    await sandbox.client.create(CONFIGMAPS, configMap('smartscale-system', 'smartscale-config', { mode: 'observe' }));
    const graph = await plugin('graph', '-n', 'shpo');
    expect(graph.stdout).toBe('No service graph edges in namespace shpo.\n');
    expect(graph.stderr).toContain('warning: namespace "shpo" does not exist');
    // status DEPLOYMENT -A looked in the context's namespace ("not found in namespace default").
    expectError(await plugin('status', 'web', '-A'), ExitCode.usage, /-A: a Deployment is looked up in one namespace: use -n NAMESPACE with web/);
    // An existing namespace with nothing opted in says nothing more.
    expect((await plugin('status', '-n', 'default')).stderr).not.toContain('namespace "default" does not exist');
  });
});

describe('a server that accepts the connection and never answers', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', () => ok()));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((ok) => silent.close(() => ok()));
  });

  it('an https:// address that answers in plain HTTP is named so, not with OpenSSL\'s line', async () => {
    const plain = createHttpServer((_req, res) => res.end('<html>not kubernetes</html>'));
    await new Promise<void>((ok) => plain.listen(0, '127.0.0.1', () => ok()));
    try {
      const base = load(readFileSync(sandbox.kubeconfigPath, 'utf8')) as any;
      base.clusters[0].cluster.server = `https://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      const path = join(sandbox.dir, 'plain.yaml');
      writeFileSync(path, JSON.stringify(base));
      const result = await kubectl(['smartscale', 'status', '--kubeconfig', path]);
      expectError(result, ExitCode.clusterUnreachable, /answered, but not with TLS: is (it|the server) an http:\/\/ address, or the wrong port\?/);
      expect(result.stderr).not.toMatch(/ssl3_get_record|openssl/);
    } finally {
      plain.closeAllConnections();
      await new Promise<void>((ok) => plain.close(() => ok()));
    }
  });

  it.each([
    ['answers every path with an HTML page', 200],
    ['answers every path with 404', 404],
  ])('a web server that %s is not taken for a cluster (it said "not found", "not installed", or crashed)', async (_what, status) => {
    const web = createHttpServer((_req, res) => {
      res.writeHead(status, { 'Content-Type': 'text/html' });
      res.end('<html>a web app</html>');
    });
    await new Promise<void>((ok) => web.listen(0, '127.0.0.1', () => ok()));
    try {
      const base = load(readFileSync(sandbox.kubeconfigPath, 'utf8')) as any;
      const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
      base.clusters[0].cluster.server = url;
      const path = join(sandbox.dir, `web-${status}.yaml`);
      writeFileSync(path, JSON.stringify(base));
      for (const command of [['status'], ['nodes'], ['graph'], ['mode', 'optimize'], ['forecast', 'web', '-n', 'shop'], ['enable', 'web', '-n', 'shop']]) {
        const result = await kubectl(['smartscale', ...command, '--kubeconfig', path]);
        expectError(result, ExitCode.clusterUnreachable, new RegExp(`${url} answered, but not as a Kubernetes API server`));
      }
    } finally {
      web.closeAllConnections();
      await new Promise<void>((ok) => web.close(() => ok()));
    }
  });

  it('backtest --prometheus against it asks twice (one retry), not four times, then exits 3', async () => {
    const attempts: Socket[] = [];
    const prometheus = createServer((socket) => attempts.push(socket));
    await new Promise<void>((ok) => prometheus.listen(0, '127.0.0.1', () => ok()));
    try {
      const url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
      const result = await kubectl(['smartscale', 'backtest', '--prometheus', url, '--query', 'sum(rate(x[1m]))', '--range', '1d', '--timeout', '1s']);
      expectError(result, ExitCode.clusterUnreachable, /no complete answer from .* within 1000 ms/);
      expect(attempts).toHaveLength(2);
    } finally {
      for (const s of attempts) s.destroy();
      await new Promise<void>((ok) => prometheus.close(() => ok()));
    }
  });

  it('is unreachable (exit 3) after the 10 s handshake deadline, not the 20 s call deadline', async () => {
    const base = load(readFileSync(sandbox.kubeconfigPath, 'utf8')) as any;
    const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    base.clusters[0].cluster.server = url;
    const path = join(sandbox.dir, 'silent.yaml');
    writeFileSync(path, JSON.stringify(base));
    const started = Date.now();
    const result = await kubectl(['smartscale', 'status', '-o', 'json', '--kubeconfig', path]);
    const seconds = (Date.now() - started) / 1000;
    expectError(result, ExitCode.clusterUnreachable, new RegExp(`cannot reach the API server: ${url} accepted the connection but sent no answer within 10 s`));
    expect(seconds).toBeLessThan(18);
  });
});
