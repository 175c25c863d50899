/**
 * Starting the webhook over HTTPS: load the certificate, build the app with TLS 1.2+, listen, keep
 * the certificate fresh. Separate from webhook/server.ts (which reads the environment) so tests
 * start a real TLS server on 127.0.0.1 with the same code path.
 */
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { inspectCertificate } from '../core/tls/index.js';
import { buildWebhookApp, type WebhookAppOptions } from './app.js';
import { WebhookMetrics } from './metrics.js';
import { CertificateReloader, secureContextOptions, type CertificateSource, type ServingMaterial } from './tls.js';

export interface StartOptions extends Omit<WebhookAppOptions, 'https' | 'metrics'> {
  source: CertificateSource;
  host: string;
  port: number;
  /** How often to re-read (and, for a store, renew) the certificate. */
  reloadIntervalMs?: number;
  /** Called with the CA of each new certificate, e.g. to write the MutatingWebhookConfiguration's caBundle. */
  publishCa?: (caPem: string) => Promise<void>;
}

export interface RunningWebhook {
  app: FastifyInstance;
  reloader: CertificateReloader;
  metrics: WebhookMetrics;
  /** The bound address (port 0 picks a free one). */
  address: AddressInfo;
  close(): Promise<void>;
}

export async function startWebhook(options: StartOptions): Promise<RunningWebhook> {
  const metrics = new WebhookMetrics();
  let lastCa: string | undefined;
  const reloader = new CertificateReloader({
    source: options.source,
    logger: options.logger,
    onChange: async (material: ServingMaterial) => {
      metrics.setCertificateExpiry(Math.floor(inspectCertificate(material.certPem).notAfter.getTime() / 1000));
      if (material.caPem && material.caPem !== lastCa && options.publishCa) {
        await options.publishCa(material.caPem);
        lastCa = material.caPem;
      }
    },
  });
  const initial = await reloader.initial();
  let closing = false;
  const app = buildWebhookApp({
    ...options,
    metrics,
    isReady: () => !closing && (options.isReady?.() ?? true),
    https: { ...secureContextOptions(initial) },
  });
  await app.listen({ host: options.host, port: options.port });
  reloader.attach(app.server as unknown as HttpsServer);
  reloader.start(options.reloadIntervalMs ?? 60_000);
  return {
    app,
    reloader,
    metrics,
    address: app.server.address() as AddressInfo,
    async close() {
      closing = true;
      reloader.stop();
      await app.close();
    },
  };
}
