/**
 * The output forms every cluster command shares (`-o table|wide|json|yaml`, kubectl's spelling) and
 * how structured data is printed. Tables are for people; json and yaml carry the full data.
 */
import { dump } from 'js-yaml';
import { UNPRINTABLE } from '../../core/text/printable.js';
import { CliError, ExitCode } from '../exit-codes.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml'];

/** Reads `-o`; undefined means table. Throws a usage error naming the forms the command prints. */
export function parseOutputFormat(flag: string | undefined, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  const value = flag ?? 'table';
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CliError(`-o ${value}: this command prints ${allowed.join(', ')}`, ExitCode.usage);
}

/**
 * Structured output: stable JSON (two-space indent, like kubectl) or YAML, faithful to the data and
 * safe for a terminal. JSON.stringify escapes C0 controls but leaves C1 controls and the invisible
 * and bidirectional characters raw, and js-yaml leaves the latter raw too (U+202E in a plain
 * scalar): JSON escapes them as \uXXXX (a raw control in the text is a line break between
 * values: strings have theirs escaped already), which parses back to the same string; YAML holding one is
 * printed as that JSON, which is YAML too (1.2), rather than with the character raw.
 */
export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  const json = JSON.stringify(data, null, 2);
  const escaped = json === undefined ? json : json.replace(UNPRINTABLE, (c) => (c === '\n' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  if (format === 'json') return `${escaped}\n`;
  const yaml = dump(data, { noRefs: true, lineWidth: -1, sortKeys: false });
  return escaped !== json && yaml.replace(/\n/g, '').search(UNPRINTABLE) >= 0 ? `${escaped}\n` : yaml;
}

export function isStructured(format: OutputFormat): format is 'json' | 'yaml' {
  return format === 'json' || format === 'yaml';
}
