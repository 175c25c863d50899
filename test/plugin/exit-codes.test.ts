/**
 * The exit codes are a contract documented in the README's and docs/plugin.md's tables: every code
 * the CLI defines is documented there, and every documented code exists.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../plugin/exit-codes.js';

const root = resolve(import.meta.dirname, '..', '..');

/** The codes in the first column of the table under `heading` in a markdown file. */
function documentedCodes(file: string, heading: string): number[] {
  const text = readFileSync(resolve(root, file), 'utf8');
  const start = text.indexOf(heading);
  expect(start, `${file} has a "${heading}" section`).toBeGreaterThanOrEqual(0);
  const section = text.slice(start).split(/\n## /)[0];
  return [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
}

describe('exit codes', () => {
  const defined = [...new Set(Object.values(ExitCode))].sort((a, b) => a - b);

  it('are exactly the ones in the README table', () => {
    expect(documentedCodes('README.md', '## Exit codes of `kubectl smartscale`')).toEqual(defined);
  });

  it('are exactly the ones in docs/plugin.md', () => {
    expect(documentedCodes('docs/plugin.md', '## Exit codes')).toEqual(defined);
  });
});
