/**
 * The shipped `kubectl-smartscale` is the esbuild bundle (plugin/install/bundle.mjs); tsc's
 * dist/plugin/main.js is the same program module by module. The bundle must behave the same —
 * help, usage errors and exit codes, files found relative to the installation — while its start
 * path stays free of every runner and every unbundled package.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin, ROOT } from '../e2e/plugin/support.js';

const BUNDLE_DIR = join(ROOT, 'dist', 'plugin', 'bundle');
const BUNDLE = join(BUNDLE_DIR, 'main.js');
const TSC_OUTPUT = join(ROOT, 'dist', 'plugin', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(entry: string, args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((done) => {
    // LANG set on purpose: the plugin speaks English whatever the locale (main.ts, detectLocale).
    execFile(process.execPath, [entry, ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'de_DE.UTF-8', KUBECONFIG: '/nonexistent/kubeconfig' } }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Relative imports of a bundle file, static (`from "./x.js"`) or dynamic (`import("./x.js")`). */
function imports(file: string): { static: string[]; dynamic: string[]; packages: string[] } {
  const text = readFileSync(join(BUNDLE_DIR, file), 'utf8');
  const statics = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"/gms), ...text.matchAll(/^import\s*"([^"]+)"/gm)].map((m) => m[1]);
  return {
    static: statics.filter((s) => s.startsWith('./')).map((s) => s.slice(2)),
    dynamic: [...text.matchAll(/\bimport\(\s*"\.\/([^"]+)"\s*\)/g)].map((m) => m[1]),
    packages: statics.filter((s) => !s.startsWith('./')),
  };
}

const notBuiltin = (specifier: string) => !specifier.startsWith('node:') && !builtinModules.includes(specifier);

/** Every bundle file loaded before main.js runs: its static import closure. */
function startPath(): string[] {
  const seen = new Set<string>();
  const queue = ['main.js'];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...imports(file).static);
  }
  return [...seen];
}

beforeAll(async () => {
  if (!process.env.SMARTSCALE_E2E_SKIP_BUILD) await buildPlugin();
}, 300_000);

describe('the bundled plugin', () => {
  const commands = ['backtest', 'status', 'mode', 'enable', 'disable', 'forecast', 'graph', 'nodes', 'install', 'sandbox', 'simulate'];
  const invocations: string[][] = [
    ['--help'],
    [],
    ['stauts'],
    ['status', '--no-such-flag'],
    ['enable'],
    ['mode', 'sometimes'],
    ['enable', 'web', '--min', 'x'],
    ['simulate', '--workers', '-1'],
    ['status'],
    ...commands.map((c) => [c, '--help']),
  ];

  it.each(invocations.map((args) => [args.join(' ') || '(no arguments)', args] as const))('%s: same output and exit code as the tsc build', async (_, args) => {
    const [bundled, unbundled] = await Promise.all([run(BUNDLE, args), run(TSC_OUTPUT, args)]);
    expect(bundled).toEqual(unbundled);
  }, 30_000);

  it('prints English help whatever LANG says', async () => {
    const help = await run(BUNDLE, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('\nCommands:\n');
    expect(help.stdout).toContain('\nOptions:\n');
  });

  it('finds manifests/ from its own location, from any working directory (install --dry-run)', async () => {
    // How EC2 nodes join the cluster (install refuses the controller without it); shapes only.
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
    const join = ['--cluster-name', 'demo', '--cluster-endpoint', 'https://api.example.com', '--cluster-ca', ca, '--service-cidr', '10.100.0.0/16'];
    const printed = await run(BUNDLE, ['install', '--dry-run', '-o', 'json', ...join], '/');
    expect(printed.stderr).toBe('');
    const items = (JSON.parse(printed.stdout) as { items: Array<{ kind: string; metadata: { name: string } }> }).items;
    const unbundled = JSON.parse((await run(TSC_OUTPUT, ['install', '--dry-run', '-o', 'json', ...join], '/')).stdout).items as typeof items;
    const names = (list: typeof items) => list.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names(items)).toEqual(names(unbundled));
    expect(names(items)).toContain('CustomResourceDefinition/nodeclaims.smartscale.io');
  }, 30_000);

  it('loads no runner and no unbundled package before parsing (--help stays light)', () => {
    const files = startPath();
    const runners = readdirSync(BUNDLE_DIR).filter((f) => /-run-[A-Z0-9]+\.js$/.test(f));
    expect(runners.length).toBeGreaterThanOrEqual(9); // one chunk per lazily loaded runner
    for (const file of files) {
      expect(runners).not.toContain(file);
      expect(imports(file).packages.filter(notBuiltin)).toEqual([]);
    }
    // the runners are reached through import() from the start path
    const dynamic = files.flatMap((f) => imports(f).dynamic);
    for (const runner of runners) expect(dynamic).toContain(runner);
  });

  it('ships the simulator worker next to the chunk that starts it as ./sim-worker.js', () => {
    const starters = readdirSync(BUNDLE_DIR).filter((f) => f.endsWith('.js') && readFileSync(join(BUNDLE_DIR, f), 'utf8').includes('"./sim-worker.js"'));
    expect(starters.length).toBe(1);
    expect(readdirSync(BUNDLE_DIR)).toContain('sim-worker.js');
    expect(imports('sim-worker.js').packages.filter(notBuiltin)).toEqual([]);
  });
});
