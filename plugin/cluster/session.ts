/**
 * One command's connection to a cluster: the kubeconfig resolved as kubectl resolves it, a client,
 * and the namespace scope from `-n`/`-A`. Every API call is bounded by a deadline so a black-holed
 * server ends in "cluster unreachable" rather than a hang.
 */
import { createConnection, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isNotFound, KubeApiError, type KubeClient } from '../../core/kube/client.js';
import { SMARTSCALE_NAMESPACE } from '../../core/model/cluster-config.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { httpKubeClientFor, loadKubeconfig, type ResolvedKubeconfig } from '../../core/kube/kubeconfig.js';
import { PLAIN_TEXT_ANSWER, toCliError } from './failures.js';
import { Resources } from './resources.js';

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

/**
 * Wraps a client so every promise-returning call rejects after `timeoutMs`, and — when `connected`
 * is given — as soon as it rejects (the server cannot be reached at all), so a black-holed address
 * fails within the connect deadline instead of the whole call's.
 */
export function withDeadline(client: KubeClient, timeoutMs: number, server = 'the API server', connected?: (call: Promise<unknown>) => Promise<never>): KubeClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'watch') return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new KubeApiError(0, 'Timeout', `no answer from ${server} within ${timeoutMs / 1000} s`)), timeoutMs);
        });
        return Promise.race(connected ? [result, deadline, connected(result)] : [result, deadline]).finally(() => clearTimeout(timer));
      };
    },
  });
}

/**
 * Wraps a client so that answers no Kubernetes API server gives fail as "not an API server"
 * instead of passing for data: a list without `items` (an HTML page with 200), and a not-found
 * (`get` → undefined, a list's 404) when the server does not know the `default` namespace either, which every
 * cluster has and none can delete (a web server answering 404 or HTML to every path). Without it a
 * kubeconfig pointing at the wrong port said "Deployment not found" or "smartscale is not
 * installed", or crashed on `items`. The `default` lookup is made once, and only after a not-found.
 */
export function withKubernetesAnswers(client: KubeClient, server: string): KubeClient {
  const notKubernetes = () => new KubeApiError(0, 'NotKubernetes', `${server} answered, but not as a Kubernetes API server: is that the cluster's API server address?`);
  let isKubernetes: Promise<boolean> | undefined;
  const checkDefaultNamespace = () =>
    (isKubernetes ??= client.get(Resources.namespaces, 'default').then(
      (found) => found?.kind === 'Namespace',
      // A refusal (401/403) or any other error came from something that speaks the API's errors.
      () => true,
    ));
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'list') {
        return async (...args: unknown[]) => {
          let result;
          try {
            result = await value.apply(target, args);
          } catch (error) {
            // The client reads `items` of what it parsed: a TypeError is a body that was no list.
            if (error instanceof TypeError) throw notKubernetes();
            // A 404 list is a resource the server does not serve (a CRD not installed), unless
            // the server does not know `default` either.
            if (isNotFound(error) && !(await checkDefaultNamespace())) throw notKubernetes();
            throw error;
          }
          if (!Array.isArray(result?.items)) throw notKubernetes();
          return result;
        };
      }
      if (property === 'get') {
        return async (...args: unknown[]) => {
          const result = await value.apply(target, args);
          if (result === undefined && !(await checkDefaultNamespace())) throw notKubernetes();
          if (result !== undefined && (typeof result !== 'object' || result === null)) throw notKubernetes();
          return result;
        };
      }
      return value;
    },
  });
}

/** How long the probe gives each step before the server counts as unreachable. */
export interface ConnectDeadlines {
  /** TCP connect (a black-holed address: the cluster is gone, the VPN is down). */
  connectMs: number;
  /** How long the first call may go unanswered before the probe tries a TLS handshake itself. */
  handshakeAfterMs: number;
  /** That handshake (client-go's TLSHandshakeTimeout is 10 s). */
  handshakeMs: number;
}

/**
 * A connection to the server's address, opened once beside the first request. It rejects when the
 * TCP connection fails or is not made within `connectMs`; and, for https, when the first request is
 * still unanswered after `handshakeAfterMs` and the server then does not complete a TLS handshake
 * of its own within `handshakeMs`. Otherwise it never settles; its timers and sockets are unref'd,
 * so it never keeps the process alive. The client has no connect deadline of its own: without this
 * a black-holed address waited for the whole call's deadline (20 s). The handshake is tried only
 * when the request is slow, so a healthy server pays one bare TCP connection per command, not a
 * second handshake. A failed handshake is left to the real request, which verifies the certificate
 * and reports why (the probe offers no client certificate and verifies nothing) — except an answer
 * that is not TLS at all, whose OpenSSL message would say nothing to a user.
 */
export function connectProbe(server: URL, deadlines: ConnectDeadlines, servername?: string): (first: Promise<unknown>) => Promise<never> {
  let probe: Promise<never> | undefined;
  return (first) => {
    probe ??= new Promise<never>((_, reject) => {
      let answered = false;
      first.then(
        () => (answered = true),
        () => (answered = true),
      );
      const host = server.hostname.replace(/^\[|\]$/g, '');
      const port = Number(server.port) || (server.protocol === 'http:' ? 80 : 443);
      const within = (ms: number, message: string, socket: Socket) =>
        setTimeout(() => {
          socket.destroy();
          reject(new KubeApiError(0, 'Timeout', message));
        }, ms).unref();
      const tcp = createConnection({ host, port }).unref();
      const connectTimer = within(deadlines.connectMs, `no connection to ${server.origin} within ${deadlines.connectMs / 1000} s`, tcp);
      tcp.once('error', (error) => {
        clearTimeout(connectTimer);
        tcp.destroy();
        reject(new KubeApiError(0, 'NetworkError', `${server.origin}: ${error.message}`));
      });
      tcp.once('connect', () => {
        clearTimeout(connectTimer);
        tcp.destroy();
        if (server.protocol !== 'https:') return;
        setTimeout(() => {
          if (!answered) handshake();
        }, deadlines.handshakeAfterMs).unref();
      });
      const handshake = () => {
        const secure = tlsConnect({ host, port, rejectUnauthorized: false, servername: servername ?? (isIP(host) ? undefined : host) });
        secure.unref();
        const timer = within(deadlines.handshakeMs, `${server.origin} accepted the connection but sent no answer within ${deadlines.handshakeMs / 1000} s`, secure);
        const done = () => {
          clearTimeout(timer);
          secure.destroy();
        };
        secure.once('secureConnect', done);
        secure.once('error', (error) => {
          done();
          // The one handshake failure the probe can judge: the server answered, but not in TLS.
          if (PLAIN_TEXT_ANSWER.test(error.message)) reject(new KubeApiError(0, 'NetworkError', `${server.origin} answered, but not with TLS: is it an http:// address, or the wrong port?`));
        });
      };
    });
    return probe;
  };
}

export function openSession(args: ClusterArgs, env: NodeJS.ProcessEnv = process.env, timeoutMs = 20_000, deadlines: ConnectDeadlines = { connectMs: 5_000, handshakeAfterMs: 2_000, handshakeMs: 10_000 }): ClusterSession {
  const home = env.SMARTSCALE_NAMESPACE || SMARTSCALE_NAMESPACE;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(home)) throw new CliError(`SMARTSCALE_NAMESPACE=${JSON.stringify(home)} is not a namespace name`, ExitCode.usage);
  let config: ResolvedKubeconfig;
  try {
    config = loadKubeconfig({ explicitPath: args.kubeconfig, envList: env.KUBECONFIG, context: args.context });
  } catch (error) {
    throw toCliError(error, 'load the kubeconfig');
  }
  const http = httpKubeClientFor(config);
  const server = new URL(config.server);
  const namespace = args.namespace || config.namespace;
  return {
    client: withDeadline(withKubernetesAnswers(http, server.origin), timeoutMs, server.origin, connectProbe(server, deadlines, config.tlsServerName)),
    config,
    namespace,
    scope: args.allNamespaces ? undefined : namespace,
    home,
    close: () => http.close(),
  };
}
