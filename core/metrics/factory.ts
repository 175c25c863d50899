/**
 * Builds the MetricsSource that `smartscale-config` asks for (config.ts). Reading the mounted
 * token, password and CA files is injected (`readFile`), so the controller passes node:fs and
 * tests pass a map. Throws an Error naming the key when a referenced file cannot be read: the
 * controller reports it and keeps its previous source rather than running without credentials.
 * The token and password files are read again every minute (a projected service account token
 * is replaced long before it expires, an hour by default); a failed re-read keeps the last value.
 */
import type { Clock } from '../model/clock.js';
import type { MetricsConfig } from './config.js';
import { MetricsConfigKeys } from './config.js';
import { PrometheusClient, type PrometheusAuth } from './prometheus/client.js';
import { PrometheusMetricsSource } from './prometheus/source.js';
import { SimulatedMetricsSource } from './simulated.js';
import type { MetricsSource } from './source.js';

export interface MetricsSourceDeps {
  clock: Clock;
  readFile: (path: string) => string;
  /** Used when the config asks for the simulated source (the sandbox shares one with its workload generator). */
  simulated?: SimulatedMetricsSource;
}

/** How often the token and password files are read again. */
export const SECRET_REREAD_MS = 60_000;
/** How long the controller's calls fail at once after Prometheus was found dead. */
export const CIRCUIT_BREAK_MS = 30_000;

export function createMetricsSource(config: MetricsConfig, deps: MetricsSourceDeps): MetricsSource {
  const prometheus = config.prometheus;
  if (config.source === 'simulated' || !prometheus) {
    return deps.simulated ?? new SimulatedMetricsSource({ clock: deps.clock, staleAfterSeconds: config.staleAfterSeconds });
  }
  const read = (key: string, path: string) => {
    try {
      return deps.readFile(path);
    } catch (error) {
      throw new Error(`${key}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  /** Read now (so a missing file fails here, naming the key), then again when a minute old. */
  const fileSecret = (key: string, path: string): (() => string) => {
    let value = read(key, path).trim();
    let readAt = deps.clock.now();
    return () => {
      if (deps.clock.now() - readAt >= SECRET_REREAD_MS) {
        readAt = deps.clock.now();
        try {
          value = read(key, path).trim();
        } catch {
          // Kubelet swaps Secret files atomically; a failed read is transient: keep the last value.
        }
      }
      return value;
    };
  };
  let auth: PrometheusAuth | undefined;
  if (prometheus.bearerTokenFile) {
    auth = { bearerToken: fileSecret(MetricsConfigKeys.bearerTokenFile, prometheus.bearerTokenFile) };
  } else if (prometheus.basicAuthUsername) {
    const password = prometheus.basicAuthPasswordFile ? fileSecret(MetricsConfigKeys.basicAuthPasswordFile, prometheus.basicAuthPasswordFile) : '';
    auth = { username: prometheus.basicAuthUsername, password };
  }
  const client = new PrometheusClient({
    url: prometheus.url,
    auth,
    ca: prometheus.caFile ? read(MetricsConfigKeys.caFile, prometheus.caFile) : undefined,
    timeoutMs: prometheus.timeoutSeconds * 1000,
    retries: prometheus.retries,
    maxPointsPerSeries: prometheus.maxPointsPerSeries,
    // The controller reads every opted-in Deployment each pass: a dead server must cost the pass
    // a few timeouts, not one per Deployment (client.ts).
    circuitBreakMs: CIRCUIT_BREAK_MS,
    clock: deps.clock,
  });
  return new PrometheusMetricsSource({
    client,
    preset: config.preset,
    clock: deps.clock,
    rateWindowSeconds: config.rateWindowSeconds,
    staleAfterSeconds: config.staleAfterSeconds,
  });
}
