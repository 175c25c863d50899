/**
 * The webhook server's settings, read from the environment of its pod (manifests/webhook/deployment.yaml).
 * Every value is validated; a bad one stops the server at start with a message naming it.
 *
 * `policy` here is the fallback: the ConfigMap `smartscale-config` (`mode`, `webhook.*`), watched
 * unless SMARTSCALE_WATCH_CONFIG=false, overrides it key by key (webhook/policy.ts).
 */
import { isMode, MIN_UTILIZATION, REPLICA_CEILING } from '../core/model/annotations.js';
import type { ClusterPolicy } from './admission/handle.js';
import { DEFAULT_CONTEXT } from './mutate/index.js';

export interface WebhookServerConfig {
  host: string;
  port: number;
  logLevel: string;
  /** Either a directory with tls.crt/tls.key (cert-manager, a mounted Secret)… */
  certDir?: string;
  /** …or a Secret the replicas keep the certificate in themselves. */
  certSecret?: { namespace: string; name: string };
  /** Service name and namespace: the certificate's DNS names. */
  serviceName: string;
  namespace: string;
  /** MutatingWebhookConfiguration to write the caBundle into (self-managed certificates only). */
  webhookConfigurationName?: string;
  reloadIntervalMs: number;
  /** Watch HorizontalPodAutoscalers to leave the replicas they own alone (default true). */
  watchHpas: boolean;
  /** Watch `smartscale-config` for the policy (default true); false: `policy` alone applies. */
  watchConfig: boolean;
  /** Record `InvalidAnnotation` Events about admitted Deployments (SMARTSCALE_RECORD_EVENTS, default true). */
  recordEvents: boolean;
  /** The policy where `smartscale-config` sets nothing valid. */
  policy: ClusterPolicy;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(`${key}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
  return Number(raw);
}

function decimal(env: Env, key: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) throw new ConfigError(`${key}=${JSON.stringify(raw)}: expected a number from ${min} to ${max}`);
  return value;
}

function flag(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${key}=${JSON.stringify(raw)}: expected true or false`);
  return raw === 'true';
}

/** pino's levels: anything else made pino throw at start, printed as a stack trace. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function readWebhookConfig(env: Env): WebhookServerConfig {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected one of ${LOG_LEVELS.join(', ')}`);
  const mode = env.SMARTSCALE_MODE ?? DEFAULT_CONTEXT.clusterMode;
  if (!isMode(mode)) throw new ConfigError(`SMARTSCALE_MODE=${JSON.stringify(mode)}: expected observe or optimize`);
  const namespace = env.POD_NAMESPACE || 'smartscale-system';
  const secretName = env.SMARTSCALE_WEBHOOK_CERT_SECRET;
  const certDir = env.SMARTSCALE_WEBHOOK_CERT_DIR;
  if (!certDir && !secretName) throw new ConfigError('set SMARTSCALE_WEBHOOK_CERT_DIR (mounted tls.crt/tls.key) or SMARTSCALE_WEBHOOK_CERT_SECRET (self-managed)');
  const minReplicas = integer(env, 'SMARTSCALE_DEFAULT_MIN_REPLICAS', DEFAULT_CONTEXT.defaultMinReplicas, 0, REPLICA_CEILING);
  const maxReplicas = integer(env, 'SMARTSCALE_DEFAULT_MAX_REPLICAS', DEFAULT_CONTEXT.defaultMaxReplicas, 1, REPLICA_CEILING);
  if (minReplicas > maxReplicas) throw new ConfigError('SMARTSCALE_DEFAULT_MIN_REPLICAS is above SMARTSCALE_DEFAULT_MAX_REPLICAS');
  return {
    host: env.SMARTSCALE_WEBHOOK_HOST || '0.0.0.0',
    port: integer(env, 'SMARTSCALE_WEBHOOK_PORT', 8443, 1, 65535),
    logLevel,
    certDir: certDir || undefined,
    certSecret: secretName ? { namespace, name: secretName } : undefined,
    serviceName: env.SMARTSCALE_WEBHOOK_SERVICE || 'smartscale-webhook',
    namespace,
    webhookConfigurationName: env.SMARTSCALE_WEBHOOK_CONFIGURATION || undefined,
    watchHpas: flag(env, 'SMARTSCALE_WATCH_HPAS', true),
    watchConfig: flag(env, 'SMARTSCALE_WATCH_CONFIG', true),
    recordEvents: flag(env, 'SMARTSCALE_RECORD_EVENTS', true),
    reloadIntervalMs: integer(env, 'SMARTSCALE_CERT_RELOAD_SECONDS', 300, 5, 86_400) * 1000,
    policy: {
      clusterMode: mode,
      defaultMinReplicas: minReplicas,
      defaultMaxReplicas: maxReplicas,
      defaultRpsPerPod: decimal(env, 'SMARTSCALE_DEFAULT_RPS_PER_POD', undefined, 0.001, 1e9),
      scaleDownFraction: decimal(env, 'SMARTSCALE_SCALE_DOWN_FRACTION', DEFAULT_CONTEXT.scaleDownFraction, 0, 1)!,
      leadSteps: integer(env, 'SMARTSCALE_LEAD_STEPS', DEFAULT_CONTEXT.leadSteps, 1, 1440),
      leadSeconds: integer(env, 'SMARTSCALE_LEAD_SECONDS', DEFAULT_CONTEXT.leadSeconds, 0, 3600),
      maxForecastAgeSec: integer(env, 'SMARTSCALE_MAX_FORECAST_AGE_SECONDS', DEFAULT_CONTEXT.maxForecastAgeSec, 1, 86_400),
      utilization: decimal(env, 'SMARTSCALE_UTILIZATION', DEFAULT_CONTEXT.utilization, MIN_UTILIZATION, 1)!,
    },
  };
}
