/** Reading the YAML under manifests/ for the manifest tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { projectRoot } from '../webhook/builders.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;

export const manifestsDir = join(projectRoot(), 'manifests');

/** The documents of one file under manifests/. */
export function loadManifest(path: string): Doc[] {
  return (loadAll(readFileSync(join(manifestsDir, path), 'utf8')) as Doc[]).filter((d) => d !== null && typeof d === 'object');
}
