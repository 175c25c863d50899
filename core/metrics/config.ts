/**
 * The metrics settings in the `smartscale-config` ConfigMap (`metrics.*` keys). Pure: returns
 * the settings it could read and one warning per key it ignored, never throws. Secrets are
 * referenced by file path (a mounted Secret), never stored in the ConfigMap.
 */
import { nearestName, truncate } from '../model/annotations.js';
import { parseDurationMs } from '../model/duration.js';
import { isPresetName, PRESET_NAMES, type PresetName } from './presets.js';

export interface MetricsConfig {
  source: 'prometheus' | 'simulated';
  preset: PresetName;
  /** Rate window for the presets' `rate(...[{window}])`, seconds. */
  rateWindowSeconds: number;
  /** A value older than this is stale, seconds. */
  staleAfterSeconds: number;
  prometheus?: {
    url: string;
    timeoutSeconds: number;
    retries: number;
    maxPointsPerSeries: number;
    bearerTokenFile?: string;
    basicAuthUsername?: string;
    basicAuthPasswordFile?: string;
    caFile?: string;
  };
}

export const METRICS_DEFAULTS = {
  preset: 'http-requests-total' as PresetName,
  rateWindowSeconds: 120,
  staleAfterSeconds: 300,
  timeoutSeconds: 10,
  retries: 3,
  maxPointsPerSeries: 11_000,
};

export const MetricsConfigKeys = {
  source: 'metrics.source',
  preset: 'metrics.preset',
  rateWindow: 'metrics.rateWindow',
  staleAfter: 'metrics.staleAfter',
  url: 'metrics.prometheus.url',
  timeout: 'metrics.prometheus.timeout',
  retries: 'metrics.prometheus.retries',
  maxPoints: 'metrics.prometheus.maxPointsPerSeries',
  bearerTokenFile: 'metrics.prometheus.bearerTokenFile',
  basicAuthUsername: 'metrics.prometheus.basicAuthUsername',
  basicAuthPasswordFile: 'metrics.prometheus.basicAuthPasswordFile',
  caFile: 'metrics.prometheus.caFile',
} as const;

/** Validates a Prometheus base URL: http(s), no query or fragment. Returns the reason when bad. */
export function checkPrometheusUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text)} is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${JSON.stringify(text)} must start with http:// or https://`;
  if (url.search || url.hash) return `${JSON.stringify(text)} must not have a query or fragment`;
  if (url.username || url.password) return 'credentials do not belong in the URL; use basic auth settings';
  return undefined;
}

export function parseMetricsConfig(data: Record<string, string | undefined> | undefined | null): {
  value: MetricsConfig;
  warnings: string[];
} {
  const d = data ?? {};
  const k = MetricsConfigKeys;
  const warnings: string[] = [];
  const duration = (key: string, fallback: number, min: number, max: number): number => {
    const raw = d[key];
    if (raw === undefined) return fallback;
    let seconds: number | undefined;
    try {
      seconds = parseDurationMs(raw) / 1000;
    } catch {
      seconds = undefined;
    }
    if (seconds === undefined || seconds < min || seconds > max) {
      warnings.push(`${key}=${JSON.stringify(raw)} ignored: expected a duration from ${min} s to ${max} s such as 2m`);
      return fallback;
    }
    return seconds;
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = d[key];
    if (raw === undefined) return fallback;
    const value = /^\d{1,7}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!(value >= min && value <= max)) {
      warnings.push(`${key}=${JSON.stringify(raw)} ignored: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const known: string[] = Object.values(k);
  for (const key of Object.keys(d)) {
    if (!key.startsWith('metrics.') || known.includes(key)) continue;
    const best = nearestName(key, known);
    warnings.push(`${JSON.stringify(truncate(key))} is not a metrics setting and is ignored (${best ? `did you mean ${best}?` : `known: ${known.join(', ')}`})`);
  }
  let preset = METRICS_DEFAULTS.preset;
  if (d[k.preset] !== undefined) {
    if (isPresetName(d[k.preset])) preset = d[k.preset] as PresetName;
    else warnings.push(`${k.preset}=${JSON.stringify(d[k.preset])} ignored: expected one of ${PRESET_NAMES.join(', ')}`);
  }
  const config: MetricsConfig = {
    source: 'simulated',
    preset,
    rateWindowSeconds: duration(k.rateWindow, METRICS_DEFAULTS.rateWindowSeconds, 1, 86_400),
    staleAfterSeconds: duration(k.staleAfter, METRICS_DEFAULTS.staleAfterSeconds, 1, 86_400),
  };
  const url = d[k.url]?.trim();
  const urlProblem = url === undefined ? 'not set' : checkPrometheusUrl(url);
  if (url !== undefined && urlProblem) warnings.push(`${k.url} ignored: ${urlProblem}`);
  const wanted = d[k.source] ?? (url !== undefined ? 'prometheus' : 'simulated');
  if (wanted !== 'prometheus' && wanted !== 'simulated') warnings.push(`${k.source}=${JSON.stringify(wanted)} ignored: expected prometheus or simulated`);
  // An explicit simulated source wins over the URL; a URL added to a ConfigMap that pinned it
  // (the README's one step) would otherwise be silently unused, and no Deployment forecast.
  if (d[k.source] === 'simulated' && url !== undefined && !urlProblem) {
    warnings.push(`${k.source}=simulated: ${k.url} is not used, and the simulated source has no metrics outside the sandbox and the simulator; remove ${k.source} (or set it to prometheus) to read from Prometheus`);
  }
  if (wanted === 'prometheus') {
    if (urlProblem || url === undefined) {
      warnings.push(`${k.source}=prometheus needs a valid ${k.url}; using the simulated source`);
    } else {
      config.source = 'prometheus';
      config.prometheus = {
        url,
        timeoutSeconds: duration(k.timeout, METRICS_DEFAULTS.timeoutSeconds, 0.1, 600),
        retries: integer(k.retries, METRICS_DEFAULTS.retries, 0, 10),
        maxPointsPerSeries: integer(k.maxPoints, METRICS_DEFAULTS.maxPointsPerSeries, 2, 1_000_000),
      };
      for (const [field, key] of [
        ['bearerTokenFile', k.bearerTokenFile],
        ['basicAuthUsername', k.basicAuthUsername],
        ['basicAuthPasswordFile', k.basicAuthPasswordFile],
        ['caFile', k.caFile],
      ] as const) {
        const value = d[key]?.trim();
        if (value) config.prometheus[field] = value;
      }
      if (config.prometheus.bearerTokenFile && config.prometheus.basicAuthUsername) {
        warnings.push(`${k.bearerTokenFile} and ${k.basicAuthUsername} are both set: using the bearer token`);
        delete config.prometheus.basicAuthUsername;
        delete config.prometheus.basicAuthPasswordFile;
      }
    }
  }
  return { value: config, warnings };
}
