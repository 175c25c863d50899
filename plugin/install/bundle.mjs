// Bundles the kubectl plugin (`npm run build`, before tsc): dist/plugin/bundle/main.js is the
// `kubectl-smartscale` bin. Why and what: docs/adr/084-plugin-bundle.md. In short, one file with
// the command definitions and yargs costs ~70 ms less CPU at start than ~70 modules resolved and
// loaded one by one; code splitting keeps every command's runner (NAME-run.ts) in chunks loaded by
// its import(), so --help still loads no cluster code.
//
// - yargs and its helpers are bundled (they are the start path); every other dependency stays a
//   plain import resolved from node_modules at run time, as under tsc: they load only inside
//   runners, and some find their own files at run time (pino's worker transports, client-node).
// - `string-width` is replaced by plugin/render/string-width.ts (see there: it creates no
//   Intl.Segmenter for plain ASCII, which saves loading ICU data on every start).
// - The simulator's worker (core/sim/sim-worker.ts) is an entry point next to the chunks:
//   core/sim/jobs.ts starts it as `./sim-worker.js` relative to its own module, which after
//   bundling is a chunk in this directory.
// - The output is two directories below dist/, like dist/core/controllers/, so modules that find
//   manifests/ from their own location (core/controllers/sandbox-environment.ts,
//   plugin/cluster/manifests.ts) find the same directory.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outdir = join(root, 'dist', 'plugin', 'bundle');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Bundled: the packages on the start path. */
const BUNDLED = new Set(['yargs']);

/** Every `string-width` import, whichever copy (yargs, cliui and wrap-ansi each have one). */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, () => ({ path: join(root, 'plugin', 'render', 'string-width.ts') }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'plugin/main.ts', 'sim-worker': 'core/sim/sim-worker.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(pkg.dependencies ?? {}).filter((name) => !BUNDLED.has(name)),
  plugins: [lazyStringWidth],
  sourcemap: 'linked',
  logLevel: 'warning',
});
