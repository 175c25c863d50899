/**
 * Builds the MetricsSource that `smartscale-config` asks for (config.ts). Reading the mounted
 * token, password and CA files is injected (`readFile`), so the controller passes node:fs and
 * tests pass a map. Throws an Error naming the key when a referenced file cannot be read: the
 * controller reports it and keeps its previous source rather than running without credentials.
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
  let auth: PrometheusAuth | undefined;
  if (prometheus.bearerTokenFile) {
    auth = { bearerToken: read(MetricsConfigKeys.bearerTokenFile, prometheus.bearerTokenFile).trim() };
  } else if (prometheus.basicAuthUsername) {
    const password = prometheus.basicAuthPasswordFile ? read(MetricsConfigKeys.basicAuthPasswordFile, prometheus.basicAuthPasswordFile).trim() : '';
    auth = { username: prometheus.basicAuthUsername, password };
  }
  const client = new PrometheusClient({
    url: prometheus.url,
    auth,
    ca: prometheus.caFile ? read(MetricsConfigKeys.caFile, prometheus.caFile) : undefined,
    timeoutMs: prometheus.timeoutSeconds * 1000,
    retries: prometheus.retries,
    maxPointsPerSeries: prometheus.maxPointsPerSeries,
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
