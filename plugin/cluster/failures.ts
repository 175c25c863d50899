/**
 * Turns a failed API call into the CLI's one-line error and documented exit code. `doing` says what
 * the command was trying ("list Deployments in shop"), so the line is useful on its own.
 */
import { classifyKubeError, type KubeFailureKind } from '../../core/kube/errors.js';
import { CliError, ExitCode, type ExitCodeValue } from '../exit-codes.js';

const EXIT_BY_KIND: Record<KubeFailureKind, ExitCodeValue> = {
  unreachable: ExitCode.clusterUnreachable,
  // Wrong or expired credentials: the user fixes them like a permission problem.
  unauthorized: ExitCode.forbidden,
  forbidden: ExitCode.forbidden,
  notFound: ExitCode.notFound,
  conflict: ExitCode.internal,
  invalid: ExitCode.usage,
  other: ExitCode.internal,
};

export function toCliError(error: unknown, doing: string): CliError {
  if (error instanceof CliError) return error;
  const failure = classifyKubeError(error);
  const message = failure.kind === 'unreachable' ? failure.message : `cannot ${doing}: ${failure.message}`;
  return new CliError(message, EXIT_BY_KIND[failure.kind]);
}

/** Runs one API call; any failure becomes a CliError saying what was being done. */
export async function attempt<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toCliError(error, doing);
  }
}
