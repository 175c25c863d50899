/** Pieces every cluster command shares: the -A flag, warnings on stderr, the current time. */
import type { Argv } from 'yargs';
import { CliError, ExitCode } from '../exit-codes.js';
import type { ClusterArgs } from './session.js';

export interface CommonArgs extends ClusterArgs {
  output?: string;
}

/** The `<deployment>` positional of the commands about one Deployment (enable, disable, forecast). */
export function deploymentPositional(y: Argv): Argv {
  return y.positional('deployment', { type: 'string', describe: 'Deployment name' });
}

export function withAllNamespaces<T>(y: Argv<T>): Argv<T & { allNamespaces?: boolean }> {
  return y.option('all-namespaces', { alias: 'A', type: 'boolean', describe: 'Every namespace (ignores -n)' }) as Argv<T & { allNamespaces?: boolean }>;
}

/** Diagnostics go to stderr, one line each, so stdout stays parseable. */
export function warn(lines: readonly string[], stderr: NodeJS.WritableStream = process.stderr): void {
  for (const line of lines) stderr.write(`warning: ${line}\n`);
}

export function nowSeconds(): number {
  return Date.now() / 1000;
}

export function rejectAllNamespaces(args: { allNamespaces?: boolean }, why: string): void {
  if (args.allNamespaces) throw new CliError(`-A: ${why}`, ExitCode.usage);
}
