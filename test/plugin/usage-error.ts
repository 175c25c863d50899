/** The message of the usage error (a CliError with exit code 2) that `run` throws; fails the test otherwise. */
import { expect } from 'vitest';
import { CliError, ExitCode } from '../../plugin/exit-codes.js';

export function usageErrorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.usage);
    return (error as CliError).message;
  }
  return expect.unreachable('expected a usage error');
}
