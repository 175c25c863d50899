/**
 * Flag values read the way kubectl reads them. yargs on its own takes `--min` with nothing after it
 * as "flag absent" (the command then ran with the default, silently), `--min=` as 0, `--seed abc` as
 * NaN, and a repeated flag as an array. Here a flag that takes a value must be given one, a number flag must
 * be a number, and a repeated single-value flag keeps its last value (pflag's rule).
 *
 * Light on purpose: it is applied to every command's builder (index.ts), so it runs for `--help`.
 */
import type { Argv } from 'yargs';
import { CliError, ExitCode } from '../exit-codes.js';

interface DeclaredOptions {
  string: string[];
  number: string[];
  array: string[];
}

/** Adds the rules above to every string and number flag declared so far (global ones included). */
export function withStrictValues(y: Argv): Argv {
  const declared = (y as unknown as { getOptions(): DeclaredOptions }).getOptions();
  // Array flags (simulate --trace A.csv B.csv) take several values; each command checks their count.
  const single = (key: string) => !declared.array.includes(key);
  const strings = declared.string.filter(single);
  const numbers = declared.number.filter(single);
  if (strings.length + numbers.length === 0) return y;
  const last = (value: unknown) => (Array.isArray(value) ? value[value.length - 1] : value);
  // Number flags are read as text and converted here: yargs turns `--min=` (an empty value) into 0.
  const toNumber = (value: unknown) => {
    const text = last(value);
    if (typeof text === 'number') return text;
    const n = typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
    return Number.isNaN(n) ? text : n;
  };
  return y
    .requiresArg([...strings, ...numbers])
    .string(numbers)
    .coerce(Object.fromEntries([...strings.map((key) => [key, last]), ...numbers.map((key) => [key, toNumber])]))
    .check((argv) => {
      for (const key of numbers) {
        const value = argv[key];
        if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value))) throw new CliError(`--${key}: expected a number, got ${JSON.stringify(value)}`, ExitCode.usage);
      }
      return true;
    });
}

/** yargs' wording of two usage errors, said as kubectl says them. */
function kubectlWording(message: string, command: string): string {
  const flag = /^Not enough arguments following: (.+)$/.exec(message);
  if (flag) return `flag needs an argument: ${flag[1].length === 1 ? '-' : '--'}${flag[1]}`;
  if (/^Not enough non-option arguments/.test(message)) {
    const required = command.match(/<[^>]+>/g);
    if (required) return `missing ${required.join(' ')}: the command is 'kubectl smartscale ${command}'`;
  }
  return message;
}

/**
 * Usage errors inside a command point at that command's help (`See 'kubectl smartscale mode
 * --help'.`) rather than the top-level one, in kubectl's words. A command's own failure (a
 * CliError with its exit code) passes through; yargs' parse and validation errors are usage errors.
 */
export function withCommandUsageErrors(y: Argv, command: string): Argv {
  const name = command.split(' ')[0];
  return y.fail((message, error) => {
    if (error && error.name !== 'YError') throw error;
    throw new CliError(`${kubectlWording(message ?? error?.message ?? '', command)}\nSee 'kubectl smartscale ${name} --help'.`, ExitCode.usage);
  });
}

