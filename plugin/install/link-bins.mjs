// npm links a package's `bin` entries for its dependents, not for the package itself. This links
// ours into ./node_modules/.bin after the build, so `PATH=$PWD/node_modules/.bin:$PATH kubectl
// smartscale` works in a fresh clone right after `npm ci` (kubectl finds plugins on PATH).
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const binDir = join(root, 'node_modules', '.bin');
if (!existsSync(join(root, 'node_modules'))) process.exit(0); // installed as a dependency elsewhere
mkdirSync(binDir, { recursive: true });
for (const [name, target] of Object.entries(pkg.bin ?? {})) {
  const targetPath = join(root, target);
  if (!existsSync(targetPath)) {
    console.error(`link-bins: ${target} was not built`);
    process.exit(1);
  }
  chmodSync(targetPath, 0o755);
  const link = join(binDir, name);
  rmSync(link, { force: true });
  symlinkSync(relative(binDir, targetPath), link);
}
