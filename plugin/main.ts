#!/usr/bin/env node
/**
 * `kubectl-smartscale`: the kubectl plugin executable. kubectl finds it on PATH and runs it for
 * `kubectl smartscale …`. Data goes to stdout, diagnostics to stderr, exit codes per exit-codes.ts.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { printableLines } from '../core/text/printable.js';
import { CliError, ExitCode } from './exit-codes.js';

export async function main(argv: string[]): Promise<number> {
  const parser = yargs(argv)
    .scriptName('kubectl smartscale')
    .usage('$0 <command> [flags]\n\nPredictive autoscaling for Kubernetes: forecasts, replica targets and nodes before the pods exist.')
    .option('kubeconfig', { type: 'string', describe: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)', global: true })
    .option('context', { type: 'string', describe: 'The kubeconfig context to use', global: true })
    .option('namespace', { alias: 'n', type: 'string', describe: 'Namespace to work in', global: true })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: table|wide|json|yaml', global: true })
    .command(commands)
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    // English whatever LANG says, like kubectl and like every description here: yargs' own
    // headings would otherwise follow the locale ("Kommandos:" above English text), and the
    // bundle (docs/plugin.md, Start-up) does not carry yargs' locale files.
    .detectLocale(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      // A handler's own failure (a CliError with its exit code) passes through; yargs' parse and
      // validation errors (YError: a flag without its value, a failed check) are usage errors.
      if (error && error.name !== 'YError') throw error;
      // Throwing stops yargs here: a usage error must never go on to run the command.
      throw new CliError(`${message}\nSee 'kubectl smartscale --help'.`, ExitCode.usage);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    // Messages can quote the cluster (an annotation's value, a server's answer).
    if (error instanceof CliError) {
      process.stderr.write(`error: ${printableLines(error.message)}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${printableLines(message)}\n`);
    if (process.env.SMARTSCALE_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return ExitCode.internal;
  }
  return ExitCode.ok;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = ExitCode.internal;
  },
);
