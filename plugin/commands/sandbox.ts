/**
 * `kubectl smartscale sandbox [--port P] [--kubeconfig-out FILE] [--speed X] [--nodes N]`: runs a
 * local Kubernetes-compatible cluster (API server + simulated control plane) until Ctrl-C, and
 * prints the kubeconfig to use with kubectl, client-node or smartscale itself.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { parseNonNegativeMilli, parseNonNegativeUnits } from '../../core/model/quantity.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { fileFailure, unwritableReason } from './files.js';

export interface SandboxArgs {
  port: number;
  'kubeconfig-out'?: string;
  speed: number;
  nodes: number;
  'node-cpu': string;
  'node-memory': string;
  'node-ready-delay': number;
  'pod-start-delay': number;
  /** EBS volumes each node attaches at most (its CSINode's count; the scheduler enforces it). Default: the sandbox's, 25. */
  'ebs-attach-limit'?: number;
  /** Run the whole product on the sandbox (core/controllers/demo.ts). */
  demo?: boolean;
  trace?: string;
}

export function defaultKubeconfigPath(): string {
  return join(tmpdir(), 'smartscale-sandbox', 'kubeconfig');
}

export function checkSandboxArgs(args: SandboxArgs): void {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new CliError(`--port must be an integer from 0 to 65535, got ${args.port}`, ExitCode.usage);
  if (!Number.isFinite(args.speed) || args.speed <= 0 || args.speed > 100_000) throw new CliError(`--speed must be a number above 0 and at most 100000, got ${args.speed}`, ExitCode.usage);
  if (!Number.isInteger(args.nodes) || args.nodes < 0 || args.nodes > 5000) throw new CliError(`--nodes must be an integer from 0 to 5000, got ${args.nodes}`, ExitCode.usage);
  for (const flag of ['node-ready-delay', 'pod-start-delay'] as const) {
    if (!Number.isFinite(args[flag]) || args[flag] < 0) throw new CliError(`--${flag} must be a non-negative number of seconds, got ${args[flag]}`, ExitCode.usage);
  }
  // Nodes with capacity "abc" used to be created, and no pod ever fit on them.
  for (const [flag, parse] of [['node-cpu', parseNonNegativeMilli], ['node-memory', parseNonNegativeUnits]] as const) {
    let value: number;
    try {
      value = parse(args[flag]);
    } catch (error) {
      throw new CliError(`--${flag}: ${(error as Error).message}`, ExitCode.usage);
    }
    if (value <= 0 && args.nodes > 0) throw new CliError(`--${flag} must be above 0, got ${args[flag]}`, ExitCode.usage);
  }
  const limit = args['ebs-attach-limit'];
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0 && limit <= 1000)) throw new CliError(`--ebs-attach-limit must be an integer from 0 to 1000, got ${limit}`, ExitCode.usage);
  if (args.trace !== undefined && !args.demo) throw new CliError('--trace drives the demo\'s traffic: add --demo', ExitCode.usage);
}

/**
 * Reports background errors on stderr, each source (`where`) at most once per `windowMs`: the
 * informers of a demo at --speed 600 time out in clock time and said so three times a second.
 * A repeat after the window says how many were held back.
 */
export function throttledErrors(prefix: string, err: NodeJS.WritableStream, windowMs = 60_000, nowMs: () => number = Date.now): (where: string, error: unknown) => void {
  const last = new Map<string, { at: number; held: number }>();
  return (where, error) => {
    const seen = last.get(where);
    if (seen && nowMs() - seen.at < windowMs) {
      seen.held++;
      return;
    }
    const held = seen?.held ? ` (${seen.held} more from ${where} held back in the last ${Math.round(windowMs / 1000)} s)` : '';
    last.set(where, { at: nowMs(), held: 0 });
    err.write(`${prefix} ${where}: ${error instanceof Error ? error.message : String(error)}${held}\n`);
  };
}

/** Resolves on SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolvePromise) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolvePromise(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * Where the kubeconfig goes, checked before anything listens: the directory is created, and the
 * file must be one this process can write (a probe open, as `access` says yes to root even on
 * /proc). An empty value is refused: it resolved to the current directory, and the certificate
 * cache landed in its parent.
 */
export function kubeconfigOutPath(value: string | undefined): string {
  if (value !== undefined && value.trim() === '') throw new CliError('--kubeconfig-out needs a file path', ExitCode.usage);
  const path = resolve(value ?? defaultKubeconfigPath());
  const cannot = (why: string) => new CliError(`--kubeconfig-out ${path}: cannot write the kubeconfig there: ${why}`, ExitCode.usage);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    // EEXIST: a file where a directory should be.
    throw cannot((error as NodeJS.ErrnoException).code === 'EEXIST' ? `${dirname(path)} is not a directory` : fileFailure(error));
  }
  const reason = unwritableReason(path);
  if (reason) throw cannot(reason);
  const existed = existsSync(path);
  try {
    closeSync(openSync(path, 'a', 0o600));
  } catch (error) {
    throw cannot(fileFailure(error));
  }
  if (!existed) rmSync(path, { force: true });
  return path;
}

/**
 * Runs until `stopSignal` resolves; by default SIGINT or SIGTERM, listened for only once the
 * cluster runs, so a failed start leaves Ctrl-C and the exit as they were.
 */
export async function runSandbox(args: SandboxArgs, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, stopSignal: () => Promise<unknown> = untilSignal): Promise<void> {
  checkSandboxArgs(args);
  const kubeconfigPath = kubeconfigOutPath(args['kubeconfig-out']);
  if (args.demo) {
    // The trace is checked as backtest and simulate check theirs, with the same messages.
    if (args.trace !== undefined) (await import('./backtest-run.js')).loadTraceFile(args.trace);
    const { startDemo } = await import('../../core/controllers/demo.js');
    const demo = await startDemo({ speed: args.speed, port: args.port, kubeconfigPath, trace: args.trace, onError: throttledErrors('demo', err) }).catch((error: Error) => {
      throw new CliError(`cannot start the demo: ${error.message}`, ExitCode.usage);
    });
    out.write(demo.banner);
    await stopSignal();
    await demo.stop();
    err.write('demo stopped\n');
    return;
  }
  // Loaded here so other commands do not pay for the API server, TLS and client-node at start-up.
  const [{ startSandbox }, { simulatedNode }, { NODES }] = await Promise.all([
    import('../../core/sandbox/sandbox.js'),
    import('../../core/sandbox/nodes.js'),
    import('../../core/sandbox/controlplane/refs.js'),
  ]);
  let sandbox;
  try {
    sandbox = await startSandbox({
      port: args.port,
      kubeconfigPath,
      speed: args.speed,
      nodeReadyDelayMs: args['node-ready-delay'] * 1000,
      podStartDelayMs: args['pod-start-delay'] * 1000,
      ...(args['ebs-attach-limit'] !== undefined ? { csiDrivers: [{ name: 'ebs.csi.aws.com', attachLimit: args['ebs-attach-limit'] }] } : {}),
      onError: throttledErrors('sandbox', err),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${args.port} is already in use; pick another with --port (0 picks a free one)`, ExitCode.usage);
    if (code === 'EACCES' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'EROFS' || code === 'EPERM') throw new CliError(`cannot write the kubeconfig to ${kubeconfigPath} or listen: ${(error as Error).message}`, ExitCode.usage);
    throw error;
  }
  try {
    for (let i = 1; i <= args.nodes; i++) {
      await sandbox.client.create(NODES, simulatedNode({ name: `sandbox-node-${i}`, cpu: args['node-cpu'], memory: args['node-memory'], labels: { 'topology.kubernetes.io/zone': `sandbox-${String.fromCharCode(96 + ((i - 1) % 3) + 1)}` } }));
    }
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  out.write(
    [
      `smartscale sandbox is running at ${sandbox.url} (clock speed ${args.speed}x, ${args.nodes} simulated node${args.nodes === 1 ? '' : 's'})`,
      `kubeconfig: ${kubeconfigPath}`,
      '',
      'Use it:',
      `  export KUBECONFIG=${kubeconfigPath}`,
      '  kubectl get nodes',
      '  kubectl create deployment web --image=nginx --replicas=3 --dry-run=client -o yaml | kubectl apply -f -',
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await stopSignal();
  await sandbox.stop();
  err.write('sandbox stopped\n');
}

export const sandboxCommand: CommandModule<object, SandboxArgs> = {
  command: 'sandbox',
  describe: 'Run a local Kubernetes-compatible sandbox cluster (API server + simulated nodes) until Ctrl-C',
  builder: (yargs: Argv) =>
    yargs
      .option('port', { type: 'number', default: 0, describe: 'Port on 127.0.0.1 (0 picks a free one)' })
      .option('kubeconfig-out', { type: 'string', describe: `Where to write the kubeconfig (default ${defaultKubeconfigPath()})` })
      .option('speed', { type: 'number', default: 1, describe: 'Clock speed: 60 runs an hour a minute' })
      .option('nodes', { type: 'number', default: 3, describe: 'Simulated nodes to start with' })
      .option('node-cpu', { type: 'string', default: '4', describe: 'CPU of each starting node' })
      .option('node-memory', { type: 'string', default: '16Gi', describe: 'Memory of each starting node' })
      .option('node-ready-delay', { type: 'number', default: 5, describe: 'Seconds (clock time) from a Node appearing to Ready' })
      .option('pod-start-delay', { type: 'number', default: 2, describe: 'Seconds (clock time) from a pod binding to Running' })
      .option('ebs-attach-limit', { type: 'number', default: 25, describe: 'EBS volumes each node can attach (its CSINode count, enforced by the scheduler)' })
      .option('demo', { type: 'boolean', default: false, describe: 'Run smartscale itself on the sandbox: controller, webhook, a NodePool, three services with traffic, optimize mode' })
      .option('trace', { type: 'string', describe: 'With --demo: a timestamp,value trace for the traffic (default: the built-in synthetic workload)' }) as unknown as Argv<SandboxArgs>,
  handler: async (args) => {
    await runSandbox(args);
  },
};
