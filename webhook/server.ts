/**
 * The webhook's entry point in a pod: `node dist/webhook/server.js`. Reads the environment
 * (webhook/config.ts), follows the policy in `smartscale-config` (webhook/policy.ts), listens on
 * all interfaces over HTTPS, closes gracefully on SIGTERM.
 */
import { join } from 'node:path';
import { defaultKubeConfig, type KubeConfig } from '../core/kube/connection.js';
import { HttpKubeClient } from '../core/kube/client.js';
import { pino } from 'pino';
import { kubeCaBundlePublisher } from '../core/kube/webhook-configuration.js';
import { kubeSecretsApi, SecretCertificateStore } from '../core/kube/secrets.js';
import { systemClock } from '../core/model/clock.js';
import { serviceDnsNames } from '../core/tls/index.js';
import { ConfigWarnings, watchClusterConfig } from '../core/controllers/config-watch.js';
import { KubeEventRecorder } from '../core/controllers/events.js';
import { ConfigError, readWebhookConfig } from './config.js';
import { startWebhook } from './serve.js';
import { watchHpaOwnership } from './hpa-ownership.js';
import { watchPolicy } from './policy.js';
import { CertificateFileError, FileCertificateSource, StoreCertificateSource, type CertificateSource } from './tls.js';

async function main(): Promise<void> {
  const config = readWebhookConfig(process.env);
  const logger = pino({ level: config.logLevel, base: { component: 'smartscale-webhook' } });
  // Mounted certificate files are checked before anything starts: a missing or garbage directory
  // is one line and exit 2, not a stack trace with watches already running.
  const files = config.certDir ? new FileCertificateSource({ certFile: join(config.certDir, 'tls.crt'), keyFile: join(config.certDir, 'tls.key') }) : undefined;
  await files?.load();
  let source: CertificateSource;
  let publishCa: ((caPem: string) => Promise<void>) | undefined;
  let kubeConfig: KubeConfig | undefined;
  const cluster = (): KubeConfig => {
    kubeConfig ??= defaultKubeConfig();
    return kubeConfig;
  };
  let kubeClient: HttpKubeClient | undefined;
  const client = (): HttpKubeClient => (kubeClient ??= new HttpKubeClient(cluster()));
  // HPAs, from a local cache: the admission path never waits on the API server.
  const hpas = config.watchHpas
    ? watchHpaOwnership(client(), systemClock, (err) => logger.warn({ err: (err as Error)?.message }, 'HPA watch failed; retrying'))
    : undefined;
  // Events: invalid values in smartscale-config, and bad annotations on admitted Deployments (after
  // the answer is sent, never for a dryRun; webhook/app.ts).
  let recorder: KubeEventRecorder | undefined;
  const events = (): KubeEventRecorder => (recorder ??= new KubeEventRecorder(client(), systemClock, (err) => logger.warn({ err: (err as Error)?.message }, 'event not recorded')));
  // The policy from smartscale-config, watched; the environment's where it says nothing valid.
  let configMaps: ReturnType<typeof watchClusterConfig> | undefined;
  let policy = () => config.policy;
  if (config.watchConfig) {
    const watchError = (err: unknown) => logger.warn({ err: (err as Error)?.message }, 'smartscale-config watch failed; retrying');
    configMaps = watchClusterConfig(client(), { clock: systemClock, namespace: config.namespace, onError: watchError });
    const watched = watchPolicy({ configMaps, namespace: config.namespace, fallback: config.policy, warnings: new ConfigWarnings(events(), config.namespace), logger });
    void configMaps.start();
    policy = () => watched.current();
  }
  if (files) {
    source = files;
  } else {
    const store = new SecretCertificateStore(kubeSecretsApi(cluster()), config.certSecret!.namespace, config.certSecret!.name);
    source = new StoreCertificateSource(
      store,
      { dnsNames: serviceDnsNames(config.serviceName, config.namespace), caCommonName: `${config.serviceName}-ca` },
      systemClock,
    );
    if (config.webhookConfigurationName) publishCa = kubeCaBundlePublisher(cluster(), config.webhookConfigurationName).publish;
  }
  const running = await startWebhook({
    logger,
    source,
    publishCa,
    host: config.host,
    port: config.port,
    reloadIntervalMs: config.reloadIntervalMs,
    policy,
    ownership: hpas?.ownership,
    ...(config.recordEvents ? { events: events() } : {}),
    // Not ready until the caches are filled: before that, every Deployment would look HPA-free
    // and the environment's policy would stand in for the ConfigMap's.
    isReady: () => (hpas?.hasSynced() ?? true) && (configMaps?.hasSynced() ?? true),
  });
  logger.info({ host: config.host, port: running.address.port, watchConfig: config.watchConfig, fallbackMode: config.policy.clusterMode }, 'webhook listening');
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    hpas?.stop();
    configMaps?.stop();
    kubeClient?.close();
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  // A setting or certificate file that cannot work is one line and exit 2; anything else a bug.
  const usage = err instanceof ConfigError || err instanceof CertificateFileError;
  const message = usage ? (err as Error).message : (err as Error)?.stack ?? String(err);
  process.stderr.write(`smartscale-webhook: ${message}\n`);
  process.exit(usage ? 2 : 1);
});
