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

/** OpenSSL's words for a first record that is not TLS (an HTTP server's reply, for one). */
export const PLAIN_TEXT_ANSWER = /wrong version number|packet length too long|http request/i;

export function toCliError(error: unknown, doing: string): CliError {
  if (error instanceof CliError) return error;
  const failure = classifyKubeError(error);
  let message = failure.kind === 'unreachable' ? failure.message : `cannot ${doing}: ${failure.message}`;
  // OpenSSL's own line ("…:ssl3_get_record:wrong version number:…") says nothing to a user.
  if (failure.kind === 'unreachable' && PLAIN_TEXT_ANSWER.test(message) && !message.includes('answered, but not with TLS')) {
    message = 'TLS handshake with the API server failed: it answered, but not with TLS: is the server an http:// address, or the wrong port?';
  }
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
