/**
 * smartscale running against the sandbox, in one process: the sandbox cluster with smartscale's
 * manifests applied (namespace, CRDs, the default `smartscale-config`, the webhook's Service and
 * MutatingWebhookConfiguration pointed at the in-process webhook), a simulated cloud over the
 * built-in catalog whose instances register as Nodes, a NodePool over it, a simulated metrics
 * source, and controllers (one or more replicas, each with leader election). The demo, the
 * end-to-end tests and the benchmark all start here.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { loadCatalogSync } from '../cloud/catalog/index.js';
import { SimulatedCloudProvider } from '../cloud/simulated/provider.js';
import { kubeConfigFromString } from '../kube/connection.js';
import { HttpKubeClient, type KubeObject } from '../kube/client.js';
import { Refs } from '../kube/refs.js';
import { SimulatedMetricsSource } from '../metrics/simulated.js';
import type { Mode } from '../model/annotations.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../model/cluster-config.js';
import type { InstanceType } from '../model/instance-type.js';
import { SERVICE_ENDPOINT_ANNOTATION } from '../sandbox/apiserver/admission.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../sandbox/sandbox.js';
import { createCertificateAuthority, issueServingCertificate, serviceDnsNames } from '../tls/index.js';
import { startWebhook, type RunningWebhook } from '../../webhook/serve.js';
import { DEFAULT_CONTEXT } from '../../webhook/mutate/index.js';
import { startController, type ControllerOptions, type RunningController } from './controller.js';
import { KubeEventRecorder } from './events.js';
import { applyObject, readManifests } from './manifests.js';
import { registerSimulatedNodes } from './sandbox-nodes.js';

/** The repository's (or the installed package's) manifests/, from source or from dist/. */
export const MANIFESTS_DIR = [resolve(import.meta.dirname, '..', '..', 'manifests'), resolve(import.meta.dirname, '..', '..', '..', 'manifests')].find((d) =>
  existsSync(join(d, 'kustomization.yaml')),
) ?? resolve(import.meta.dirname, '..', '..', 'manifests');

export interface SandboxEnvironmentOptions {
  /** Clock speed of the sandbox (simulated ms per real ms). */
  speed?: number;
  kubeconfigPath?: string;
  port?: number;
  /** Simulated launch to node registration (default 60 s of clock time). */
  launchDelayMs?: number;
  nodeReadyDelayMs?: number;
  podStartDelayMs?: number;
  /** Graceful pod deletion (core/sandbox/sandbox.ts); default off. */
  podShutdownMs?: number;
  /** The CSI drivers simulated nodes run and their attach limits (core/sandbox/sandbox.ts; default EBS, 25). */
  csiDrivers?: SandboxOptions['csiDrivers'];
  /** Initial cluster mode (default observe). */
  mode?: Mode;
  /** Extra `smartscale-config` data. */
  config?: Record<string, string>;
  /** A NodePool (default: `demo`, over the built-in catalog, on-demand, consolidate after 2m). */
  nodePool?: KubeObject | null;
  /** Serve the webhook in-process and register it with the API server (default true). */
  webhook?: boolean;
  instanceTypes?: InstanceType[];
  /**
   * Local ephemeral storage each simulated node offers pods, in GiB (what an EC2 node class's root
   * volume gives). Default: not reported, and not counted.
   */
  ephemeralStorageGi?: number;
  /** Extended resources every simulated node advertises once it runs (SimulatedCloudOptions.nodeExtendedResources). */
  nodeExtendedResources?: Readonly<Record<string, number>>;
  onError?: SandboxOptions['onError'];
  /** Defaults for every controller started. */
  controller?: Partial<ControllerOptions>;
  /** Skip applying manifests/ (the e2e applies them with kubectl). */
  skipManifests?: boolean;
}

export interface SandboxEnvironment {
  sandbox: Sandbox;
  cloud: SimulatedCloudProvider;
  metrics: SimulatedMetricsSource;
  webhook?: RunningWebhook;
  controllers: RunningController[];
  /** Starts a controller replica (each with its own client and identity). */
  startController(identity?: string, overrides?: Partial<ControllerOptions>): Promise<RunningController>;
  /** The current leader, if any. */
  leader(): RunningController | undefined;
  applyManifests(): Promise<void>;
  stop(): Promise<void>;
}

export function demoNodePool(name = 'demo'): KubeObject {
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodePool',
    metadata: { name },
    spec: {
      weight: 10,
      template: {
        metadata: { labels: { 'smartscale.io/managed': 'true' } },
        spec: {
          requirements: [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
          ],
          expireAfter: 'Never',
        },
      },
      limits: { cpu: '400', memory: '1600Gi' },
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '2m', budgets: [{ nodes: '2' }] },
    },
  };
}

export async function startSandboxEnvironment(options: SandboxEnvironmentOptions = {}): Promise<SandboxEnvironment> {
  const sandbox = await startSandbox({
    speed: options.speed ?? 1,
    kubeconfigPath: options.kubeconfigPath,
    port: options.port,
    nodeReadyDelayMs: options.nodeReadyDelayMs ?? 10_000,
    podStartDelayMs: options.podStartDelayMs ?? 5_000,
    podShutdownMs: options.podShutdownMs,
    ...(options.csiDrivers ? { csiDrivers: options.csiDrivers } : {}),
    onError: options.onError,
  });
  const clock = sandbox.clock;
  const client = sandbox.client;
  const catalog = options.instanceTypes ?? loadCatalogSync('builtin');
  const storage = options.ephemeralStorageGi;
  const instanceTypes = storage === undefined ? catalog : catalog.map((t) => ({ ...t, ephemeralStorage: storage * 1024 ** 3 }));
  const cloud = new SimulatedCloudProvider({ clock, instanceTypes, launchDelayMs: options.launchDelayMs ?? 60_000, ...(options.nodeExtendedResources ? { nodeExtendedResources: options.nodeExtendedResources } : {}) });
  const unregister = registerSimulatedNodes(cloud, client, (e) => options.onError?.('cloud', e));
  const metrics = new SimulatedMetricsSource({ clock });
  const controllers: RunningController[] = [];
  let webhook: RunningWebhook | undefined;

  const applyManifests = async () => {
    for (const file of ['namespace.yaml', 'crds/nodepools.yaml', 'crds/nodeclaims.yaml', 'crds/ec2nodeclasses.yaml']) {
      for (const o of readManifests(join(MANIFESTS_DIR, file))) await applyObject(client, o);
    }
    for (const o of readManifests(join(MANIFESTS_DIR, 'controller', 'configmap.yaml'))) {
      o.data = { ...o.data, mode: options.mode ?? 'observe', ...options.config };
      await applyObject(client, o);
    }
  };
  // A failure from here on (a manifest the API refuses, a port in use) must not leave the sandbox
  // listening: the process would never exit.
  try {
    if (!options.skipManifests) await applyManifests();
    if (options.webhook !== false) {
      const ca = createCertificateAuthority({ commonName: 'smartscale-sandbox-webhook-ca', validityDays: 30 });
      const serving = issueServingCertificate(ca, { dnsNames: serviceDnsNames('smartscale-webhook', SMARTSCALE_NAMESPACE), ipAddresses: ['127.0.0.1'], validityDays: 30 });
      webhook = await startWebhook({
        logger: pino({ level: 'silent' }),
        source: { load: async () => ({ certPem: serving.certPem, keyPem: serving.keyPem, caPem: serving.caPem }) },
        host: '127.0.0.1',
        port: 0,
        clock,
        // Every replica's webhook follows the ConfigMap; here they share one, following any controller.
        policy: () => controllers.find((c) => c.state.synced())?.policy() ?? { ...DEFAULT_CONTEXT, clusterMode: options.mode ?? 'observe' },
        events: new KubeEventRecorder(client, clock),
      });
      const endpoint = `https://127.0.0.1:${webhook.address.port}`;
      if (!options.skipManifests) await registerWebhook(sandbox, endpoint, serving.caPem);
      (webhook as RunningWebhook & { endpoint?: string; caPem?: string }).endpoint = endpoint;
      (webhook as RunningWebhook & { endpoint?: string; caPem?: string }).caPem = serving.caPem;
    }
    if (options.nodePool !== null) await applyObject(client, options.nodePool ?? demoNodePool());
  } catch (error) {
    unregister();
    await webhook?.close().catch(() => undefined);
    await sandbox.stop().catch(() => undefined);
    throw error;
  }

  const startOne = async (identity = `controller-${controllers.length}`, overrides: Partial<ControllerOptions> = {}) => {
    // Each replica has its own connection to the API server, as separate pods would.
    const replicaClient = overrides.client ?? new HttpKubeClient(kubeConfigFromString(sandbox.kubeconfig), `smartscale-${identity}`);
    const c = await startController({
      cloud,
      clock,
      identity,
      // The simulated cloud's interruptions (spot reclaims announced by `cloud.interrupt`), as the EC2 queue would deliver them.
      interruptions: cloud.interruptions,
      simulatedMetrics: metrics,
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      leaseRetryMs: 2_000,
      ...options.controller,
      ...overrides,
      client: replicaClient,
    });
    controllers.push(c);
    return c;
  };

  return {
    sandbox,
    cloud,
    metrics,
    webhook,
    controllers,
    startController: startOne,
    leader: () => controllers.find((c) => c.isLeader()),
    applyManifests,
    async stop() {
      for (const c of controllers.splice(0)) await c.stop().catch(() => {});
      unregister();
      await webhook?.close();
      await sandbox.stop();
    },
  };
}

/** Points the webhook manifests at the in-process webhook: the Service's sandbox endpoint and the caBundle. */
export async function registerWebhook(sandbox: Sandbox, endpoint: string, caPem: string): Promise<void> {
  for (const o of readManifests(join(MANIFESTS_DIR, 'webhook', 'service.yaml'))) {
    o.metadata.annotations = { ...o.metadata.annotations, [SERVICE_ENDPOINT_ANNOTATION]: endpoint };
    await applyObject(sandbox.client, o);
  }
  for (const o of readManifests(join(MANIFESTS_DIR, 'webhook', 'mutatingwebhookconfiguration.yaml'))) {
    for (const w of o.webhooks ?? []) w.clientConfig = { ...w.clientConfig, caBundle: Buffer.from(caPem).toString('base64') };
    await applyObject(sandbox.client, o);
  }
}

export { CLUSTER_CONFIG_NAME, Refs };
