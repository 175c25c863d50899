/**
 * `npx tsx test/bench/plugin-start.ts`: start-up of the plugin alone, variants side by side.
 *
 * The machine is shared, so absolute wall times move with the load: every variant runs once per
 * round, round-robin, for RUNS rounds (default 20), so all of them see the same load. For each it
 * reports the median and spread of wall time and the median CPU time (user + system of the process
 * and its children, from /usr/bin/time), which moves much less with the load.
 *
 * Variants: `kubectl smartscale --help` (the bar, ≤ 300 ms), the shipped bin directly, the
 * unbundled tsc output (dist/plugin/main.js) directly, yargs alone with the same global flags
 * (the floor of the unbundled CLI), bare node and kubectl's own start. More variants can be given
 * as JSON in PLUGIN_START_EXTRA: `[{"name":"x","argv":["node","/tmp/x.js","--help"]}]`, with
 * `"binDir":"/tmp/other-bin"` to put another `kubectl-smartscale` first on kubectl's PATH.
 * Prints one JSON object. Needs `npm run build` first.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, KUBECTL, pluginBuilt, ROOT } from '../e2e/plugin/support.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);

const YARGS_ONLY_ENTRY = `
import yargs from 'yargs';
await yargs(process.argv.slice(1)).scriptName('kubectl smartscale')
  .option('kubeconfig', { type: 'string', global: true }).option('context', { type: 'string', global: true })
  .option('namespace', { alias: 'n', type: 'string', global: true }).option('output', { alias: 'o', type: 'string', global: true })
  .strict().help().version(false).parseAsync();
`;

interface Variant {
  name: string;
  argv: string[];
  /** Searched for plugins before node_modules/.bin. */
  binDir?: string;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

function variants(): Variant[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const node = process.execPath;
  const list: Variant[] = [
    { name: 'kubectlSmartscaleHelp', argv: [KUBECTL, 'smartscale', '--help'] },
    { name: 'shippedBinHelp', argv: [node, join(ROOT, pkg.bin['kubectl-smartscale']), '--help'] },
    { name: 'tscOutputHelp', argv: [node, join(ROOT, 'dist/plugin/main.js'), '--help'] },
    { name: 'yargsOnlyHelp', argv: [node, '--input-type=module', '-e', YARGS_ONLY_ENTRY, '--', '--help'] },
    { name: 'nodeBare', argv: [node, '-e', '0'] },
    { name: 'kubectlClientStart', argv: [KUBECTL, 'version', '--client'] },
  ];
  const extra = process.env.PLUGIN_START_EXTRA;
  if (extra) list.push(...(JSON.parse(extra) as Variant[]));
  return list;
}

/** One run under /usr/bin/time, which prints user and system seconds on the last stderr line. */
function run(variant: Variant): Promise<Sample> {
  const started = performance.now();
  return new Promise((done, fail) => {
    execFile('/usr/bin/time', ['-f', '%U %S', ...variant.argv], { cwd: ROOT, env: { HOME: process.env.HOME, PATH: `${variant.binDir ? `${variant.binDir}:` : ''}${BIN_DIR}:/usr/bin:/bin` }, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      const wallMs = performance.now() - started;
      if (error) return fail(new Error(`${variant.name} failed: ${error.message}\n${stderr}`));
      const [user, sys] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      done({ wallMs, cpuMs: (user + sys) * 1000 });
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const round1 = (v: number) => Math.round(v * 10) / 10;

async function main(): Promise<void> {
  if (!pluginBuilt()) throw new Error('run `npm run build` first');
  const list = variants();
  const samples = new Map<string, Sample[]>(list.map((v) => [v.name, []]));
  const loadBefore = loadavg()[0];
  for (const v of list) await run(v); // warm the file cache once; not counted
  for (let round = 0; round < RUNS; round++) {
    for (const v of list) samples.get(v.name)!.push(await run(v));
  }
  const result: Record<string, unknown> = {
    machine: { cpus: cpus().length, node: process.version, loadAverage1m: { before: round1(loadBefore), after: round1(loadavg()[0]) } },
    runs: RUNS,
  };
  for (const v of list) {
    const s = samples.get(v.name)!;
    const wall = s.map((x) => x.wallMs).sort((a, b) => a - b);
    result[v.name] = {
      via: v.argv.map((a) => (a.length > 60 ? '<script>' : a.replace(ROOT + '/', ''))).join(' '),
      wallMedianMs: round1(median(wall)),
      wallMinMs: round1(wall[0]),
      wallP90Ms: round1(wall[Math.floor(wall.length * 0.9)]),
      cpuMedianMs: round1(median(s.map((x) => x.cpuMs))),
    };
  }
  const help = result.kubectlSmartscaleHelp as { wallMedianMs: number };
  result.bar = { limitMs: 300, via: 'kubectl smartscale --help, wall median', met: help.wallMedianMs <= 300 };
  process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
