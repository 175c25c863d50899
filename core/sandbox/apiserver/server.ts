/**
 * Assembles the sandbox API server: registry, store, REST core, garbage collector, HTTP handler,
 * and an HTTPS listener on loopback with a freshly issued CA and serving certificate.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../model/clock.js';
import type { ServingCertificate } from '../../tls/index.js';
import { issueSandboxCertificate } from '../tls-cache.js';
import { WebhookAdmission, type ServiceResolver } from './admission.js';
import { GarbageCollector } from './garbage-collector.js';
import { ApiHttpHandler } from './http.js';
import { ApiCore } from './rest.js';
import { ResourceRegistry } from './resources.js';
import { ObjectStore } from './store.js';

export interface ApiServerOptions {
  clock: Clock;
  /** Loopback address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Bearer token; a random one by default. */
  token?: string;
  bookmarkIntervalMs?: number;
  watchLogCapacity?: number;
  /** Serving certificate to use; a new CA and certificate for localhost/127.0.0.1/::1 by default. */
  certificate?: ServingCertificate;
  /** Where webhooks configured with `clientConfig.service` are reached (default: the Service's endpoint annotation). */
  serviceResolver?: ServiceResolver;
  onError?: (error: unknown) => void;
}

export interface RunningApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  token: string;
  /** PEM of the CA that signed the serving certificate (the kubeconfig's certificate-authority-data). */
  caPem: string;
  core: ApiCore;
  gc: GarbageCollector;
  close(): Promise<void>;
}

/** The namespaces every cluster starts with. */
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The in-process pieces without a listener (tests drive them through `handler` with node:http). */
export function createApiCore(clock: Clock, options: Pick<ApiServerOptions, 'watchLogCapacity' | 'onError'> = {}): { core: ApiCore; gc: GarbageCollector } {
  const core = new ApiCore(new ObjectStore(options.watchLogCapacity), new ResourceRegistry(), clock);
  const gc = new GarbageCollector(core, options.onError);
  return { core, gc };
}

export async function bootstrap(core: ApiCore): Promise<void> {
  const namespaces = core.registry.get('', 'v1', 'namespaces')!;
  const serviceAccounts = core.registry.get('', 'v1', 'serviceaccounts')!;
  for (const name of INITIAL_NAMESPACES) {
    await core.create(namespaces, undefined, { metadata: { name } }, { internal: true });
    await core.create(serviceAccounts, name, { metadata: { name: 'default' } }, { internal: true });
  }
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const serving = options.certificate ?? issueSandboxCertificate();
  const { core, gc } = createApiCore(options.clock, options);
  core.setAdmission(new WebhookAdmission(core, options.serviceResolver));
  await bootstrap(core);
  let address = '';
  const handler = new ApiHttpHandler(core, { token, serverAddress: () => address, bookmarkIntervalMs: options.bookmarkIntervalMs, onError: options.onError });
  const server: Server = createHttpsServer({ key: serving.keyPem, cert: serving.certPem, keepAlive: true }, handler.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    token,
    caPem: serving.caPem,
    core,
    gc,
    async close() {
      gc.stop();
      handler.closeWatches();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
