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
 * began last before it (entries are flat objects, each with one "name"). Nothing when the message
 * does not tell (better than pointing at the wrong place).
 */
function whereInText(text: string, message: string): string {
  const position = errorPosition(text, message);
  if (position === undefined) return '';
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const names = [...before.matchAll(/"name"\s*:\s*"([^"\\]*)"/g)];
  const last = names.at(-1);
  const entry = last ? `, in or after entry ${names.length - 1} (${last[1]})` : '';
  return `at line ${line}, column ${column}${entry} `;
}

/** V8 quotes up to this many characters before an unexpected token (and then opens with "..."). */
const V8_CONTEXT_CHARACTERS = 10;

/**
 * The offset of the error in `text`: the position V8 gives ("… in JSON at position 123"), the end
 * for a file cut off ("Unexpected end of JSON input"), or, for an unexpected token (a stray
 * character, a trailing comma: V8 gives no position, only the text around it), where that quoted
 * text stands, when it stands in one place only.
 */
function errorPosition(text: string, message: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at) return Math.min(Number(at[1]), text.length);
  if (message.includes('Unexpected end of JSON input')) return text.length;
  const token = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (!token) return undefined;
  const [, char, cut, context] = token;
  const found = context.length > 0 ? text.indexOf(context) : -1;
  if (found < 0 || text.indexOf(context, found + 1) >= 0) return undefined;
  const offset = cut ? V8_CONTEXT_CHARACTERS : context.indexOf(char);
  return offset < 0 ? undefined : found + offset;
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
