/**
 * Flag values read the way kubectl reads them. yargs on its own takes `--min` with nothing after it
 * as "flag absent" (the command then ran with the default, silently), `--seed abc` as NaN, and a
 * repeated flag as an array. Here a flag that takes a value must be given one, a number flag must
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
  return y
    .requiresArg([...strings, ...numbers])
    .coerce(Object.fromEntries([...strings, ...numbers].map((key) => [key, last])))
    .check((argv) => {
      for (const key of numbers) {
        const value = argv[key];
        if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value))) throw new CliError(`--${key}: expected a number`, ExitCode.usage);
      }
      return true;
    });
}
