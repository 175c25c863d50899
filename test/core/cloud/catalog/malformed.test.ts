/**
 * A catalog file damaged the ways files get damaged (cut off by a failed copy, hand-edited):
 * the error must point at the place, not only say "not valid JSON".
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogError, loadCatalog, loadCatalogSync } from '../../../../core/cloud/catalog/index.js';
import { catalogPath } from '../../../support/shared.js';

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'catalog-')), 'catalog.json');
  writeFileSync(path, content);
  return path;
}

const shared = readFileSync(catalogPath(), 'utf8');
const lines = shared.split('\n');

describe('a damaged catalog file', () => {
  it('cut off in the middle: names the line and the last entry that began before the cut', async () => {
    // Cut inside line 701 (entry index 699: line 1 is "[").
    const cutAt = lines.slice(0, 700).join('\n').length + 1 + 40;
    const entry = JSON.parse(lines[700].replace(/,$/, '')) as { name: string };
    const path = tempFile(shared.slice(0, cutAt));
    const error = await loadCatalog(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as Error).message).toMatch(/not valid JSON/);
    expect((error as Error).message).toContain('line 701');
    expect((error as Error).message).toContain(`entry 699 (${entry.name})`);
  });

  it('a hand edit that dropped a comma: names the line of the mistake and the entry', () => {
    const broken = [...lines];
    broken[41] = broken[41].replace(/,"family"/, ' "family"');
    const entry = JSON.parse(lines[41].replace(/,$/, '')) as { name: string };
    expect(() => loadCatalogSync(tempFile(broken.join('\n')))).toThrowError(new RegExp(`line 42, column \\d+.*entry 40 \\(${entry.name.replace('.', '\\.')}\\)`));
  });

  it.each([
    { mistake: 'a stray character', edit: (line: string) => line.replace('"vcpu":', '"vcpu":x') },
    { mistake: 'a doubled comma', edit: (line: string) => `${line},` },
  ])('$mistake (V8 gives no position, only the text around it): names the line of the mistake and the entry', ({ edit }) => {
    const broken = [...lines];
    broken[41] = edit(broken[41]);
    const entry = JSON.parse(lines[41].replace(/,$/, '')) as { name: string };
    expect(() => loadCatalogSync(tempFile(broken.join('\n')))).toThrowError(new RegExp(`line 42, column \\d+.*entry 40 \\(${entry.name.replace('.', '\\.')}\\)`));
  });

  it('an entry with a field missing halfway through the file: names that entry and field', () => {
    const broken = [...lines];
    const entry = JSON.parse(lines[900].replace(/,$/, '')) as Record<string, unknown>;
    delete entry.maxPods;
    broken[900] = `${JSON.stringify(entry)},`;
    expect(() => loadCatalogSync(tempFile(broken.join('\n')))).toThrowError(`entry 899 (${String(entry.name)}): maxPods must be an integer`);
  });
});
