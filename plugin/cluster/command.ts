/** Pieces every cluster command shares: the -A flag, warnings on stderr, the current time. */
import type { Argv } from 'yargs';
import { printable } from '../../core/text/printable.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { humanDuration } from '../render/format.js';
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
  // Warnings quote what the cluster holds (annotation values, object names).
  for (const line of lines) stderr.write(`warning: ${printable(line)}\n`);
}

export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** Stamps further ahead of this machine's clock than this are named in a warning. */
const SKEW_WARNING_SECONDS = 60;

/**
 * "Now" for the relative times of what the cluster stamped (a forecast's age, when its peak comes):
 * this machine's clock, unless the newest stamp is ahead of it — a sandbox running faster than real
 * time, or a skewed clock. Then the newest stamp stands for now, so no age is negative and a peak
 * minutes away is not "in 8h"; beyond a minute of skew a warning says so.
 */
export function clusterNow(wallSeconds: number, newestStampSeconds: number | undefined, newest = 'the newest forecast'): { nowSeconds: number; warning?: string } {
  if (newestStampSeconds === undefined || newestStampSeconds <= wallSeconds) return { nowSeconds: wallSeconds };
  const ahead = newestStampSeconds - wallSeconds;
  if (ahead <= SKEW_WARNING_SECONDS) return { nowSeconds: newestStampSeconds };
  return {
    nowSeconds: newestStampSeconds,
    warning: `the cluster's stamps are up to ${humanDuration(ahead)} ahead of this machine's clock (a sandbox running faster than real time, or a skewed clock): times are counted from ${newest}`,
  };
}

export function rejectAllNamespaces(args: { allNamespaces?: boolean }, why: string): void {
  if (args.allNamespaces) throw new CliError(`-A: ${why}`, ExitCode.usage);
}
