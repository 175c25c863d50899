#!/usr/bin/env node
/**
 * `smartscale controller`: the container entrypoint (manifests/docker/Dockerfile). Webhook server
 * and loops in one process; graceful on SIGTERM — the webhook stops answering ready, the loops
 * finish their pass, the Lease is released so a successor takes over at once.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { defaultKubeConfig, hasCurrentCluster, kubeConfigFromFile, serverGitVersion, type KubeConfig } from '../kube/connection.js';
import { pino } from 'pino';
import { CatalogError, loadCatalogEntriesSync, type CatalogEntry } from '../cloud/catalog/index.js';
import { Ec2CloudProvider } from '../cloud/ec2/provider.js';
import { parseEC2NodeClass } from '../cloud/ec2/node-class.js';
import type { CloudProvider } from '../cloud/provider.js';
import type { InterruptionQueue } from '../cloud/interruption.js';
import { defaultSqsClient, SqsInterruptionQueue } from '../cloud/ec2/interruption-queue.js';
import { DEFAULT_RETRY, RetryBudget } from '../cloud/ec2/retry.js';
import { SimulatedCloudProvider } from '../cloud/simulated/provider.js';
import { UnavailableOfferings } from '../cloud/unavailable-offerings.js';
import { HttpKubeClient } from '../kube/client.js';
import { Informer } from '../kube/informer.js';
import { Refs } from '../kube/refs.js';
import { kubeSecretsApi, SecretCertificateStore } from '../kube/secrets.js';
import { kubeCaBundlePublisher } from '../kube/webhook-configuration.js';
import { systemClock } from '../model/clock.js';
import { serviceDnsNames } from '../tls/index.js';
import { ConfigError, readWebhookConfig } from '../../webhook/config.js';
import { HpaOwnershipIndex, type HpaLike } from '../../webhook/hpa-ownership.js';
import { watchPolicy } from '../../webhook/policy.js';
import { startWebhook, type RunningWebhook } from '../../webhook/serve.js';
import { CertificateFileError, FileCertificateSource, StoreCertificateSource, type CertificateSource } from '../../webhook/tls.js';
import { ConfigWarnings } from './config-watch.js';
import { startController } from './controller.js';
import { KubeEventRecorder } from './events.js';
import { catalogForCloud, kubernetesMinorVersion, ProcessConfigError, readProcessConfig, USAGE, type ProcessConfig } from './process-config.js';
import { registerSimulatedNodes } from './sandbox-nodes.js';
import { readiness } from './readiness.js';
import type { ClusterState } from './cluster-state.js';

/** A kubeconfig that cannot be read or parsed is a usage error (exit 2), not a stack trace. */
function kubeConfigFor(config: ProcessConfig): KubeConfig {
  if (!config.kubeconfig) return defaultKubeConfig();
  const path = config.kubeconfig.split(':')[0];
  let kc: KubeConfig;
  try {
    kc = kubeConfigFromFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message.split('\n')[0];
    throw new ProcessConfigError(`--kubeconfig / KUBECONFIG ${path}: cannot load it: ${why}`);
  }
  // YAML that is not a kubeconfig loads as an empty one; the first request said so with a stack.
  if (!hasCurrentCluster(kc)) throw new ProcessConfigError(`--kubeconfig / KUBECONFIG ${path}: it names no current context with a cluster`);
  return kc;
}

/** Listens, or says in one line why not (an address this machine does not have, a port in use). */
function listenMetrics(server: Server, config: ProcessConfig): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new ProcessConfigError(`--metrics-host ${config.metricsHost} --metrics-port ${config.metricsPort}: cannot listen there: ${error.code ?? error.message}`));
    });
    server.listen(config.metricsPort, config.metricsHost, resolve);
  });
}

/** The `--catalog` file, read before anything else starts: a bad one is a usage error (exit 2), not a stack. */
function readCatalog(config: ProcessConfig): CatalogEntry[] {
  try {
    return loadCatalogEntriesSync(config.catalog);
  } catch (error) {
    if (error instanceof CatalogError) throw new ProcessConfigError(`--catalog / SMARTSCALE_CATALOG: ${error.message}`);
    throw error;
  }
}

/**
 * The control plane's `major.minor`, which AMI aliases (al2023@latest) select images by: from
 * SMARTSCALE_KUBERNETES_VERSION, else asked of the API server once at start. Unknown (the request
 * failed) is logged and left out: launches by alias then fail with a message that says so.
 */
async function withKubernetesVersion(config: ProcessConfig, kc: KubeConfig, log: pino.Logger): Promise<void> {
  if (!config.cluster || config.cluster.kubernetesVersion) return;
  try {
    const gitVersion = await serverGitVersion(kc, 10_000);
    const version = kubernetesMinorVersion(gitVersion);
    if (version) config.cluster.kubernetesVersion = version;
    else log.warn({ gitVersion }, 'cannot read the Kubernetes version; set SMARTSCALE_KUBERNETES_VERSION for AMI aliases (al2023@latest)');
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'cannot ask the API server for its version; set SMARTSCALE_KUBERNETES_VERSION for AMI aliases (al2023@latest)');
  }
}

function cloudFor(config: ProcessConfig, catalog: readonly CatalogEntry[], client: HttpKubeClient, log: pino.Logger, unavailable: UnavailableOfferings): { cloud: CloudProvider; interruptions?: InterruptionQueue; stop: () => void } {
  const fromCatalog = catalogForCloud(config.cloud, catalog);
  if ('instanceTypes' in fromCatalog) {
    const cloud = new SimulatedCloudProvider({ clock: systemClock, instanceTypes: fromCatalog.instanceTypes, launchDelayMs: config.launchDelaySeconds * 1000 });
    const unregister = registerSimulatedNodes(cloud, client, (e) => log.warn({ err: (e as Error).message }, 'registering a simulated node failed'));
    return { cloud, interruptions: cloud.interruptions, stop: unregister };
  }
  // EC2NodeClasses from an informer: a launch never waits on the API server for them.
  const classes = new Informer(client, Refs.ec2NodeClasses, { clock: systemClock, onError: (e) => log.warn({ err: (e as Error).message }, 'EC2NodeClass watch failed; retrying') });
  void classes.start();
  const cloud = new Ec2CloudProvider({
    cluster: config.cluster!,
    region: config.region,
    // --catalog: its on-demand prices (the built-in table's 51 types without it).
    onDemandPrices: fromCatalog.onDemandPrices,
    clock: systemClock,
    // One list: the fleet's per-offering capacity errors reach the solver, status and /metrics.
    unavailableOfferings: unavailable,
    nodeClasses: (name) => {
      const o = classes.get(name);
      return o ? parseEC2NodeClass(o) : undefined;
    },
    defaultNodeClass: 'default',
  });
  log.info({ catalog: config.catalog, onDemandPrices: fromCatalog.onDemandPrices.size, kubernetesVersion: config.cluster!.kubernetesVersion }, 'EC2 on-demand prices from the catalog');
  const interruptions = config.interruptionQueue
    ? new SqsInterruptionQueue({
        queue: config.interruptionQueue,
        createClient: defaultSqsClient(config.region),
        retry: { ...DEFAULT_RETRY, sleep: (ms) => systemClock.sleep(ms), random: Math.random, budget: new RetryBudget() },
      })
    : undefined;
  if (!interruptions) log.warn('no interruption queue (SMARTSCALE_INTERRUPTION_QUEUE): spot reclaims and scheduled changes are not drained ahead (docs/ec2.md, "Interruptions")');
  return { cloud, interruptions, stop: () => classes.stop() };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || rest.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  if (command !== 'controller') throw new ProcessConfigError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  const config = readProcessConfig(rest, process.env);
  const catalog = readCatalog(config);
  // The webhook's settings and mounted certificate files are checked before anything starts.
  const wc = config.webhook ? readWebhookConfig(process.env) : undefined;
  const certFiles = wc?.certDir ? new FileCertificateSource({ certFile: join(wc.certDir, 'tls.crt'), keyFile: join(wc.certDir, 'tls.key') }) : undefined;
  await certFiles?.load();
  const kc = kubeConfigFor(config);
  const log = pino({ level: config.logLevel, base: { component: 'smartscale-controller', identity: config.identity } });
  // Bound before anything else starts: an address it cannot listen on is a start-up error, before
  // the lease or any watch, and /healthz answers while the caches fill.
  let stopping = false;
  const serving: { controller?: Awaited<ReturnType<typeof startController>>; state?: ClusterState; webhook?: RunningWebhook } = {};
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const { controller, webhook } = serving;
    if (path === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end((controller?.metrics.render() ?? '') + (webhook ? webhook.metrics.render() : ''));
    } else if (path === '/healthz') {
      res.writeHead(200).end('ok');
    } else if (path === '/readyz') {
      // The state exists before the caches fill (onState): the probe names what it waits for.
      const { ready, message } = readiness({ stopping, state: serving.state, started: controller !== undefined });
      res.writeHead(ready ? 200 : 503).end(message);
    } else res.writeHead(404).end('not found');
  });
  await listenMetrics(server, config);
  log.info({ port: config.metricsPort }, 'metrics listening');
  const client = new HttpKubeClient(kc, 'smartscale-controller');
  await withKubernetesVersion(config, kc, log);
  const unavailable = new UnavailableOfferings(systemClock);
  const { cloud, interruptions, stop: stopCloud } = cloudFor(config, catalog, client, log, unavailable);
  const controller = await startController({
    client,
    cloud,
    unavailable,
    clock: systemClock,
    identity: config.identity,
    namespace: config.namespace,
    readFile: (path) => readFileSync(path, 'utf8'),
    logger: log,
    onState: (state) => (serving.state = state),
    interruptions,
  });
  serving.controller = controller;
  log.info({ cloud: cloud.name, namespace: config.namespace }, 'controller started');

  let webhook: RunningWebhook | undefined;
  let hpas: Informer<HpaLike & { metadata: Record<string, unknown> }> | undefined;
  if (wc) {
    const ownership = new HpaOwnershipIndex();
    if (wc.watchHpas) {
      hpas = new Informer(client, { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', namespaced: true }, { clock: systemClock, onError: (e) => log.warn({ err: (e as Error).message }, 'HPA watch failed; retrying') });
      hpas.on({ add: (h) => ownership.upsert(h), update: (h) => ownership.upsert(h), delete: (h) => ownership.remove(h) });
      void hpas.start();
    }
    let source: CertificateSource;
    let publishCa: ((ca: string) => Promise<void>) | undefined;
    if (certFiles) source = certFiles;
    else {
      source = new StoreCertificateSource(new SecretCertificateStore(kubeSecretsApi(kc), wc.certSecret!.namespace, wc.certSecret!.name), { dnsNames: serviceDnsNames(wc.serviceName, wc.namespace), caCommonName: `${wc.serviceName}-ca` }, systemClock);
      if (wc.webhookConfigurationName) publishCa = kubeCaBundlePublisher(kc, wc.webhookConfigurationName).publish;
    }
    const events = new KubeEventRecorder(client, systemClock, (e) => log.warn({ err: (e as Error).message }, 'event not recorded'));
    // The mode is the controller's; the defaults follow smartscale-config (`webhook.*`) over the environment.
    const { namespace } = controller.state;
    const policy = watchPolicy({ configMaps: controller.state.configMaps, namespace, fallback: wc.policy, mode: () => controller.mode(), warnings: new ConfigWarnings(events, namespace), logger: log });
    webhook = await startWebhook({
      logger: log,
      source,
      publishCa,
      host: wc.host,
      port: wc.port,
      reloadIntervalMs: wc.reloadIntervalMs,
      policy: () => policy.current(),
      ownership,
      events,
      isReady: () => (hpas?.hasSynced() ?? true) && controller.state.synced(),
    });
    serving.webhook = webhook;
    log.info({ port: webhook.address.port }, 'webhook listening');
  }


  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing the current passes, releasing the lease');
    const timer = setTimeout(() => process.exit(1), 25_000);
    timer.unref();
    await webhook?.close();
    await controller.stop();
    hpas?.stop();
    stopCloud();
    server.close();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Settings, the webhook's included, and files that cannot work: one line, exit 2.
  const usage = err instanceof ProcessConfigError || err instanceof ConfigError || err instanceof CertificateFileError;
  process.stderr.write(`smartscale: ${usage ? (err as Error).message : ((err as Error)?.stack ?? String(err))}\n`);
  process.exit(usage ? 2 : 1);
});
