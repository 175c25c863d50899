/**
 * DESIGN.md's layout rule: `core/kube/` is the only place that imports @kubernetes/client-node
 * (the processes, the sandbox and the plugin reach the cluster through it). A review found four
 * files importing it directly; this keeps them out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/shared.js';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.mjs')) out.push(path);
  }
  return out;
}

describe('the layout', () => {
  it('only core/kube imports @kubernetes/client-node', () => {
    const files = ['core', 'webhook', 'plugin'].flatMap((d) => sources(join(repoRoot, d)));
    expect(files.length).toBeGreaterThan(100);
    const importing = files.filter((f) => /from '@kubernetes\/client-node'|import\('@kubernetes\/client-node'\)|require\('@kubernetes\/client-node'\)/.test(readFileSync(f, 'utf8'))).map((f) => relative(repoRoot, f));
    expect(importing.length).toBeGreaterThan(0); // the scan sees core/kube's own imports
    expect(importing.filter((f) => !f.startsWith('core/kube/'))).toEqual([]);
  });
});
