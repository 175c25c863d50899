/**
 * The output forms every cluster command shares (`-o table|wide|json|yaml`, kubectl's spelling) and
 * how structured data is printed. Tables are for people; json and yaml carry the full data.
 */
import { dump } from 'js-yaml';
import { CliError, ExitCode } from '../exit-codes.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml'];

/** Reads `-o`; undefined means table. Throws a usage error naming the forms the command prints. */
export function parseOutputFormat(flag: string | undefined, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  const value = flag ?? 'table';
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CliError(`-o ${value}: this command prints ${allowed.join(', ')}`, ExitCode.usage);
}

/** Structured output: stable JSON (two-space indent, like kubectl) or YAML. */
export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  return dump(data, { noRefs: true, lineWidth: -1, sortKeys: false });
}

export function isStructured(format: OutputFormat): format is 'json' | 'yaml' {
  return format === 'json' || format === 'yaml';
}
