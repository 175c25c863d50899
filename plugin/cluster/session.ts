/**
 * One command's connection to a cluster: the kubeconfig resolved as kubectl resolves it, a client,
 * and the namespace scope from `-n`/`-A`. Every API call is bounded by a deadline so a black-holed
 * server ends in "cluster unreachable" rather than a hang.
 */
import { KubeApiError, type KubeClient } from '../../core/kube/client.js';
import { SMARTSCALE_NAMESPACE } from '../../core/model/cluster-config.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { httpKubeClientFor, loadKubeconfig, type ResolvedKubeconfig } from '../../core/kube/kubeconfig.js';
import { toCliError } from './failures.js';

export interface ClusterArgs {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

export interface ClusterSession {
  client: KubeClient;
  config: ResolvedKubeconfig;
  /** The namespace from -n, else the context's, else "default". */
  namespace: string;
  /** undefined with -A: every namespace. */
  scope: string | undefined;
  /** Where smartscale runs: $SMARTSCALE_NAMESPACE, else smartscale-system (install -n elsewhere → set it). */
  home: string;
  close(): void;
}

/** Wraps a client so every promise-returning call rejects after `timeoutMs`. */
export function withDeadline(client: KubeClient, timeoutMs: number): KubeClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'watch') return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new KubeApiError(0, 'Timeout', `no answer from the API server within ${timeoutMs / 1000} s`)), timeoutMs);
        });
        return Promise.race([result, deadline]).finally(() => clearTimeout(timer));
      };
    },
  });
}

export function openSession(args: ClusterArgs, env: NodeJS.ProcessEnv = process.env, timeoutMs = 20_000): ClusterSession {
  const home = env.SMARTSCALE_NAMESPACE || SMARTSCALE_NAMESPACE;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(home)) throw new CliError(`SMARTSCALE_NAMESPACE=${JSON.stringify(home)} is not a namespace name`, ExitCode.usage);
  let config: ResolvedKubeconfig;
  try {
    config = loadKubeconfig({ explicitPath: args.kubeconfig, envList: env.KUBECONFIG, context: args.context });
  } catch (error) {
    throw toCliError(error, 'load the kubeconfig');
  }
  const http = httpKubeClientFor(config);
  const namespace = args.namespace || config.namespace;
  return {
    client: withDeadline(http, timeoutMs),
    config,
    namespace,
    scope: args.allNamespaces ? undefined : namespace,
    home,
    close: () => http.close(),
  };
}
