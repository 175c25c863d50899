/**
 * Guards for required positionals. main.ts's yargs `fail` handler reports a missing argument but
 * does not stop the command, so a handler must not assume its positional is there.
 */
import { CliError, ExitCode } from '../exit-codes.js';

export function requirePositional(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new CliError(`missing ${name}; see 'kubectl smartscale --help'`, ExitCode.usage);
  return value;
}
