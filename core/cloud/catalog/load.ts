/**
 * `loadCatalog(pathOrBuiltin)`: what a `--catalog FILE` option calls. `"builtin"` (or nothing)
 * gives the built-in catalog; anything else is read as a catalog JSON file.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { InstanceType } from '../../model/instance-type.js';
import { builtinCatalogEntries } from './builtin.js';
import { CatalogError, parseCatalog, type CatalogEntry } from './format.js';
import { instanceTypesFromCatalog, type CatalogOptions } from './instance-types.js';

export const BUILTIN_CATALOG = 'builtin';

const MAX_FILE_BYTES = 64 * 1024 * 1024;

function parseText(text: string, source: string): CatalogEntry[] {
  if (text.length > MAX_FILE_BYTES) throw new CatalogError(source, `file larger than ${MAX_FILE_BYTES} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CatalogError(source, `not valid JSON ${whereInText(text, (error as Error).message)}(${(error as Error).message})`);
  }
  return parseCatalog(data, source);
}

/**
 * Where a JSON syntax error is, for a person with an editor: line and column, and the entry that
 * began last before it (entries are flat objects, each with one "name"). A file cut off by a
 * failed copy has no position in the message: its end is the place.
 */
function whereInText(text: string, message: string): string {
  const match = /at position (\d+)/.exec(message);
  const position = match ? Math.min(Number(match[1]), text.length) : text.length;
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const names = [...before.matchAll(/"name"\s*:\s*"([^"\\]*)"/g)];
  const last = names.at(-1);
  const entry = last ? `, in or after entry ${names.length - 1} (${last[1]})` : '';
  return `at line ${line}, column ${column}${entry} `;
}

function readError(path: string, error: unknown): CatalogError {
  const code = (error as NodeJS.ErrnoException).code;
  return new CatalogError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${(error as Error).message})`);
}

export function loadCatalogEntriesSync(pathOrBuiltin?: string): CatalogEntry[] {
  if (pathOrBuiltin === undefined || pathOrBuiltin === BUILTIN_CATALOG) return builtinCatalogEntries();
  let text: string;
  try {
    text = readFileSync(pathOrBuiltin, 'utf8');
  } catch (error) {
    throw readError(pathOrBuiltin, error);
  }
  return parseText(text, pathOrBuiltin);
}

export async function loadCatalog(pathOrBuiltin?: string, options: CatalogOptions = {}): Promise<InstanceType[]> {
  if (pathOrBuiltin === undefined || pathOrBuiltin === BUILTIN_CATALOG) return instanceTypesFromCatalog(builtinCatalogEntries(), options);
  let text: string;
  try {
    text = await readFile(pathOrBuiltin, 'utf8');
  } catch (error) {
    throw readError(pathOrBuiltin, error);
  }
  return instanceTypesFromCatalog(parseText(text, pathOrBuiltin), options);
}

export function loadCatalogSync(pathOrBuiltin?: string, options: CatalogOptions = {}): InstanceType[] {
  return instanceTypesFromCatalog(loadCatalogEntriesSync(pathOrBuiltin), options);
}
