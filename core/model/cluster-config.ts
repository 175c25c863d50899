/**
 * The cluster-wide settings: ConfigMap `smartscale-config` in `smartscale-system`.
 *
 * Keys (all strings, as ConfigMap data is):
 * - `mode`: `observe` (the default: forecast, annotate, report) or `optimize` (act). A Deployment's
 *   own `smartscale.io/mode` annotation overrides it.
 *
 * Other keys are kept as they are (the controller may define more); only known keys are validated.
 * Pure: parsing never throws, it returns what it could read and one warning per value it ignored.
 */
import { isMode, truncate, type Mode, type Parsed } from './annotations.js';

export const CLUSTER_CONFIG_NAME = 'smartscale-config';
export const SMARTSCALE_NAMESPACE = 'smartscale-system';

export const ClusterConfigKeys = {
  mode: 'mode',
} as const;

export const DEFAULT_CLUSTER_MODE: Mode = 'observe';

export interface ClusterConfig {
  mode: Mode;
  /** True when `mode` was read from the ConfigMap (false: the default applies). */
  modeSet: boolean;
}

export function parseClusterConfig(data: Record<string, unknown> | undefined | null): Parsed<ClusterConfig> {
  const warnings: string[] = [];
  const raw = data?.[ClusterConfigKeys.mode];
  if (raw === undefined) return { value: { mode: DEFAULT_CLUSTER_MODE, modeSet: false }, warnings };
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (isMode(text)) return { value: { mode: text, modeSet: true }, warnings };
  warnings.push(`${CLUSTER_CONFIG_NAME}: ${ClusterConfigKeys.mode}=${JSON.stringify(truncate(String(raw)))} ignored: expected "observe" or "optimize"; using ${DEFAULT_CLUSTER_MODE}`);
  return { value: { mode: DEFAULT_CLUSTER_MODE, modeSet: false }, warnings };
}

/** The effective mode of a Deployment: its own annotation, else the cluster's. */
export function effectiveMode(cluster: Mode, deploymentMode: Mode | undefined): Mode {
  return deploymentMode ?? cluster;
}
