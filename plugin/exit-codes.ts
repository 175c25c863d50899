/**
 * Exit codes of `kubectl smartscale`, documented in the README. Each failure class has its own code
 * so scripts can tell "fix your flags" from "the cluster is unreachable".
 */
export const ExitCode = {
  ok: 0,
  /** An unexpected failure (a bug): the message is on stderr, and the stack too with `SMARTSCALE_DEBUG=1`. */
  internal: 1,
  /** Bad flags or arguments, or an input file that cannot be read or parsed. */
  usage: 2,
  /** No cluster reachable with the given kubeconfig/context. */
  clusterUnreachable: 3,
  /** smartscale is not installed in the cluster (no smartscale-config, no CRDs). */
  notInstalled: 4,
  /** The named Deployment does not exist. */
  notFound: 5,
  /** The Deployment exists but is not opted in. */
  notOptedIn: 6,
  /** RBAC denied a request the command needs. */
  forbidden: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line on stderr with a specific exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCodeValue = ExitCode.usage) {
    super(message);
    this.name = 'CliError';
  }
}
