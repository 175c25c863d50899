/**
 * The webhook's entry point in a pod: `node dist/webhook/server.js`. Reads the environment
 * (webhook/config.ts), listens on all interfaces over HTTPS, closes gracefully on SIGTERM.
 */
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { kubeCaBundlePublisher } from '../core/kube/webhook-configuration.js';
import { kubeSecretsApi, SecretCertificateStore } from '../core/kube/secrets.js';
import { systemClock } from '../core/model/clock.js';
import { serviceDnsNames } from '../core/tls/index.js';
import { ConfigError, readWebhookConfig } from './config.js';
import { startWebhook } from './serve.js';
import { FileCertificateSource, StoreCertificateSource, type CertificateSource } from './tls.js';

async function main(): Promise<void> {
  const config = readWebhookConfig(process.env);
  const logger = pino({ level: config.logLevel, base: { component: 'smartscale-webhook' } });
  let source: CertificateSource;
  let publishCa: ((caPem: string) => Promise<void>) | undefined;
  if (config.certDir) {
    source = new FileCertificateSource({ certFile: join(config.certDir, 'tls.crt'), keyFile: join(config.certDir, 'tls.key') });
  } else {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    const store = new SecretCertificateStore(kubeSecretsApi(kubeConfig), config.certSecret!.namespace, config.certSecret!.name);
    source = new StoreCertificateSource(
      store,
      { dnsNames: serviceDnsNames(config.serviceName, config.namespace), caCommonName: `${config.serviceName}-ca` },
      systemClock,
    );
    if (config.webhookConfigurationName) publishCa = kubeCaBundlePublisher(kubeConfig, config.webhookConfigurationName).publish;
  }
  const running = await startWebhook({
    logger,
    source,
    publishCa,
    host: config.host,
    port: config.port,
    reloadIntervalMs: config.reloadIntervalMs,
    policy: () => config.policy,
  });
  logger.info({ host: config.host, port: running.address.port, mode: config.policy.clusterMode }, 'webhook listening');
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : (err as Error)?.stack ?? String(err);
  process.stderr.write(`smartscale-webhook: ${message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
