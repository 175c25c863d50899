/**
 * The `smartscale controller` process's settings: flags first, then the environment of its pod
 * (manifests/controller/deployment.yaml). Pure and validated: a bad value is a ProcessConfigError
 * naming it, reported at start, never a crash later.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { CatalogEntry } from '../cloud/catalog/format.js';
import { instanceTypesFromCatalog } from '../cloud/catalog/instance-types.js';
import { validateQueue } from '../cloud/ec2/interruption-queue.js';
import { onDemandPricesFromCatalog } from '../cloud/ec2/pricing.js';
import type { InstanceType } from '../model/instance-type.js';
import { CLUSTER_JOIN_CONFIGMAP, CLUSTER_JOIN_HINT, readClusterJoin, type ClusterJoinSettings } from './cluster-join.js';

export class ProcessConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessConfigError';
  }
}

export interface ProcessConfig {
  identity: string;
  namespace: string;
  kubeconfig?: string;
  cloud: 'aws' | 'simulated';
  catalog: string;
  /** Simulated cloud: seconds from launch to the node registering. */
  launchDelaySeconds: number;
  metricsHost: string;
  metricsPort: number;
  /** Serve the webhook in this process (default true). */
  webhook: boolean;
  logLevel: string;
  /**
   * EC2 cluster join (aws only). `kubernetesVersion` (SMARTSCALE_KUBERNETES_VERSION) is optional:
   * without it main.ts asks the API server, since AMI aliases (al2023@latest) need it.
   */
  cluster?: ClusterJoinSettings & { kubernetesVersion?: string };
  region?: string;
  /** aws: the SQS queue (URL or name) EventBridge sends interruption events to; none: not handled. */
  interruptionQueue?: string;
}

type Env = Record<string, string | undefined>;

export function readProcessConfig(argv: readonly string[], env: Env): ProcessConfig {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new ProcessConfigError(`unexpected argument ${JSON.stringify(a)}; see --help`);
    // Split at the first '=' only: split('=', 2) dropped the rest, so --cloud=simulated=x ran as simulated.
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const inline = eq < 0 ? undefined : a.slice(eq + 1);
    if (name === 'no-webhook') {
      flags.set('webhook', 'false');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ProcessConfigError(`--${name} needs a value`);
    flags.set(name, value);
  }
  const known = new Set(['kubeconfig', 'cloud', 'catalog', 'launch-delay', 'metrics-port', 'metrics-host', 'webhook', 'identity', 'namespace', 'log-level', 'interruption-queue']);
  for (const name of flags.keys()) if (!known.has(name)) throw new ProcessConfigError(`unknown flag --${name}; see --help`);
  const cloud = flags.get('cloud') ?? env.SMARTSCALE_CLOUD ?? 'aws';
  if (cloud !== 'aws' && cloud !== 'simulated') throw new ProcessConfigError(`--cloud / SMARTSCALE_CLOUD=${JSON.stringify(cloud)}: expected aws or simulated`);
  const portText = flags.get('metrics-port') ?? env.SMARTSCALE_METRICS_PORT ?? '8080';
  const metricsPort = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(metricsPort >= 0 && metricsPort <= 65535)) throw new ProcessConfigError(`--metrics-port=${JSON.stringify(portText)}: expected a port from 0 to 65535`);
  const webhookText = flags.get('webhook') ?? env.SMARTSCALE_CONTROLLER_WEBHOOK ?? 'true';
  if (webhookText !== 'true' && webhookText !== 'false') throw new ProcessConfigError(`webhook=${JSON.stringify(webhookText)}: expected true or false`);
  const delayText = flags.get('launch-delay') ?? env.SMARTSCALE_LAUNCH_DELAY ?? '60';
  const launchDelaySeconds = /^\d+(\.\d+)?$/.test(delayText) ? Number(delayText) : NaN;
  if (!(launchDelaySeconds <= 3600)) throw new ProcessConfigError(`--launch-delay=${JSON.stringify(delayText)}: expected seconds from 0 to 3600`);
  // An empty holder means "nobody" to leader election, so two replicas with empty identities would
  // both lead: refuse it rather than fall back silently (an empty POD_NAME is a broken manifest).
  const identity = flags.get('identity') ?? env.POD_NAME ?? `${hostname()}-${process.pid}`;
  if (identity.trim() === '') throw new ProcessConfigError(`--identity / POD_NAME is empty: the leader election identity must name this replica (the shipped Deployment sets POD_NAME from metadata.name)`);
  const metricsHost = flags.get('metrics-host') ?? env.SMARTSCALE_METRICS_HOST ?? '0.0.0.0';
  // An IP address or a host name; 999.1.1.1 is neither (it was a stack trace from listen).
  if (isIP(metricsHost) === 0 && !/^(?![\d.]+$)[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?$/.test(metricsHost)) {
    throw new ProcessConfigError(`--metrics-host / SMARTSCALE_METRICS_HOST=${JSON.stringify(metricsHost)}: expected an IP address (0.0.0.0, 127.0.0.1, ::) or a host name`);
  }
  const config: ProcessConfig = {
    launchDelaySeconds,
    identity,
    namespace: flags.get('namespace') ?? env.POD_NAMESPACE ?? 'smartscale-system',
    kubeconfig: flags.get('kubeconfig') ?? env.KUBECONFIG,
    cloud,
    catalog: flags.get('catalog') ?? env.SMARTSCALE_CATALOG ?? 'builtin',
    metricsHost,
    metricsPort,
    webhook: webhookText === 'true',
    logLevel: flags.get('log-level') ?? env.LOG_LEVEL ?? 'info',
    region: env.AWS_REGION,
  };
  if (cloud === 'aws') config.cluster = clusterJoinFrom(env, config.namespace);
  const queue = flags.get('interruption-queue') ?? env.SMARTSCALE_INTERRUPTION_QUEUE;
  if (queue !== undefined && queue !== '') {
    if (cloud !== 'aws') throw new ProcessConfigError('--interruption-queue / SMARTSCALE_INTERRUPTION_QUEUE is for --cloud aws (the simulated cloud has its own queue)');
    try {
      config.interruptionQueue = validateQueue(queue);
    } catch (error) {
      throw new ProcessConfigError(`--interruption-queue / SMARTSCALE_INTERRUPTION_QUEUE: ${(error as Error).message}`);
    }
  }
  return config;
}

/**
 * The aws cloud's join settings from the environment, validated; the error says where the values
 * come from in the shipped manifests (a ConfigMap the user fills, or `kubectl smartscale install`).
 */
function clusterJoinFrom(env: Env, namespace: string): ClusterJoinSettings & { kubernetesVersion?: string } {
  const where = `set them in ConfigMap ${namespace}/${CLUSTER_JOIN_CONFIGMAP} (manifests/controller/cluster.yaml) or run 'kubectl smartscale install --cluster-name … --cluster-endpoint … --cluster-ca … --service-cidr …'; on EKS: ${CLUSTER_JOIN_HINT}`;
  const result = readClusterJoin(env);
  if (!result.ok) {
    if (result.missing.length > 0) throw new ProcessConfigError(`--cloud aws needs ${result.missing.join(', ')} (how nodes join the cluster): ${where}; or use --cloud simulated to try it without AWS`);
    const [first] = result.invalid;
    const shown = first.variable === 'SMARTSCALE_CLUSTER_CA' ? '' : `=${JSON.stringify(env[first.variable]?.trim())}`;
    throw new ProcessConfigError(`${first.variable}${shown}: ${first.problem} (${where})`);
  }
  const version = env.SMARTSCALE_KUBERNETES_VERSION?.trim();
  if (version === undefined || version === '') return result.settings;
  if (!/^1\.\d{1,3}$/.test(version)) throw new ProcessConfigError(`SMARTSCALE_KUBERNETES_VERSION=${JSON.stringify(version)}: expected the control plane's minor version such as 1.33`);
  return { ...result.settings, kubernetesVersion: version };
}

/**
 * `major.minor` of the API server's `/version` (`gitVersion` v1.33.1-eks-…; EKS's `minor` can
 * read "33+"), or undefined when it does not look like one.
 */
export function kubernetesMinorVersion(gitVersion: string | undefined): string | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.|$|[-+])/.exec(gitVersion ?? '');
  return match ? `${Number(match[1])}.${Number(match[2])}` : undefined;
}

/**
 * What `--catalog` gives each cloud: the simulated cloud's instance types; for EC2, whose types
 * come from DescribeInstanceTypes, the on-demand price table (types the catalog does not price
 * get no on-demand offering; spot prices always come from EC2).
 */
export function catalogForCloud(cloud: ProcessConfig['cloud'], entries: readonly CatalogEntry[]): { instanceTypes: InstanceType[] } | { onDemandPrices: Map<string, number> } {
  return cloud === 'simulated' ? { instanceTypes: instanceTypesFromCatalog(entries) } : { onDemandPrices: onDemandPricesFromCatalog(entries) };
}

/**
 * The loops `startController` registers (by their `Loop.name`), for the help: a test checks this
 * list against the loops a running controller has, so the help cannot leave one out.
 */
export const CONTROLLER_LOOPS = [
  { name: 'config', does: 'ConfigMap smartscale-config watched: mode and settings (every replica)' },
  { name: 'forecaster', does: 'per-Deployment demand forecasts and learned pod capacity (annotations)' },
  { name: 'graph-publisher', does: 'the learned service graph to ConfigMap smartscale-graph' },
  { name: 'provisioner', does: 'pending and predicted pods to NodeClaims' },
  { name: 'node-claim-lifecycle', does: 'launch, registration, initialization, termination of NodeClaims' },
  { name: 'disruption', does: 'emptiness, expiration, drift and consolidation, at a bounded rate' },
  { name: 'node-repair', does: 'launched nodes that stay unhealthy replaced' },
  { name: 'cloud-drift', does: "the cloud's drift (new image, subnets, groups): NodeClaims' Drifted" },
  { name: 'interruption', does: 'spot reclaims, scheduled changes: nodes drained before they go (a queue)' },
  { name: 'node-class-status', does: "each EC2NodeClass's status: resolved subnets, groups, images; Ready" },
  { name: 'pod-event-time', does: "each node's last pod change to its NodeClaim's status.lastPodEventTime" },
  { name: 'garbage-collection', does: 'instances without claims and claims without instances' },
] as const satisfies ReadonlyArray<{ readonly name: string; readonly does: string }>;

/** A controller loop's name (what `--help` lists and `ControllerOptions.intervals` is keyed by). */
export type ControllerLoopName = (typeof CONTROLLER_LOOPS)[number]['name'];

const LOOP_LINES = CONTROLLER_LOOPS.map((l) => `  ${l.name.padEnd(22)}${l.does}`).join('\n');

export const USAGE = `Usage: smartscale controller [--kubeconfig FILE] [--cloud aws|simulated] [--catalog builtin|FILE]
                             [--launch-delay SECONDS (simulated)]
                             [--metrics-port 8080] [--no-webhook] [--identity NAME] [--namespace NS]
                             [--interruption-queue SQS-URL-OR-NAME (aws)]

Runs smartscale's admission webhook and its loops in one process. Every replica serves the
webhook; the holder of the Lease smartscale-controller runs the loops (docs/controller.md):
${LOOP_LINES}
Settings: ConfigMap smartscale-config (watched).
--catalog: the simulated cloud's instance types; with aws, the on-demand prices (default the
built-in table of 51 types; ../shared/catalog/ec2-instance-types.json prices 1,345, us-east-1).
Environment: POD_NAME, POD_NAMESPACE, SMARTSCALE_CLOUD, SMARTSCALE_CATALOG,
SMARTSCALE_CLUSTER_NAME/_ENDPOINT/_CA, SMARTSCALE_SERVICE_CIDR (aws, required: ConfigMap
smartscale-cluster, filled by 'kubectl smartscale install'), SMARTSCALE_KUBERNETES_VERSION (aws,
optional: else the API server's), SMARTSCALE_INTERRUPTION_QUEUE (aws: spot reclaims and scheduled
changes drain nodes before they go; docs/ec2.md), the webhook's SMARTSCALE_WEBHOOK_* (docs/webhook.md),
LOG_LEVEL.
`;
