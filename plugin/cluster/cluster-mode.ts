/** Reading and writing the cluster-wide settings (ConfigMap smartscale-system/smartscale-config). */
import type { KubeClient, KubeObject } from '../../core/kube/client.js';
import { classifyKubeError } from '../../core/kube/errors.js';
import type { Mode } from '../../core/model/annotations.js';
import { CLUSTER_CONFIG_NAME, ClusterConfigKeys, parseClusterConfig, SMARTSCALE_NAMESPACE, type ClusterConfig } from '../../core/model/cluster-config.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { attempt, toCliError } from './failures.js';
import { Resources } from './resources.js';

export interface ClusterSettings {
  /** False when the ConfigMap does not exist: smartscale is not installed (or not readable). */
  installed: boolean;
  config: ClusterConfig;
  /** Things that could not be read, for stderr. */
  warnings: string[];
}

export function notInstalled(home: string = SMARTSCALE_NAMESPACE): string {
  return `smartscale is not installed in this cluster: ConfigMap ${home}/${CLUSTER_CONFIG_NAME} does not exist (run 'kubectl smartscale install')`;
}

/** Never fails for a missing or unreadable ConfigMap (the default mode applies, with a warning); an unreachable cluster still throws. */
/** `home`: the namespace smartscale runs in (SMARTSCALE_NAMESPACE, default smartscale-system). */
export async function readClusterSettings(client: KubeClient, home: string = SMARTSCALE_NAMESPACE): Promise<ClusterSettings> {
  let configMap: KubeObject | undefined;
  try {
    configMap = await client.get(Resources.configMaps, CLUSTER_CONFIG_NAME, home);
  } catch (error) {
    const failure = classifyKubeError(error);
    if (failure.kind === 'forbidden' || failure.kind === 'unauthorized' || failure.kind === 'other') {
      const parsed = parseClusterConfig(undefined);
      return { installed: true, config: parsed.value, warnings: [`cannot read the cluster mode (${failure.message}); assuming ${parsed.value.mode}`] };
    }
    throw toCliError(error, `read ConfigMap ${home}/${CLUSTER_CONFIG_NAME}`);
  }
  const parsed = parseClusterConfig(configMap?.data);
  if (!configMap) return { installed: false, config: parsed.value, warnings: [`${notInstalled(home)}; cluster mode shown as ${parsed.value.mode}`] };
  return { installed: true, config: parsed.value, warnings: parsed.warnings };
}

/** Sets the cluster mode; exits notInstalled when the ConfigMap is missing (it is never created here). */
export async function setClusterMode(client: KubeClient, mode: Mode, home: string = SMARTSCALE_NAMESPACE): Promise<{ before: ClusterConfig; changed: boolean }> {
  const configMap = await attempt(`read ConfigMap ${home}/${CLUSTER_CONFIG_NAME}`, () => client.get(Resources.configMaps, CLUSTER_CONFIG_NAME, home));
  if (!configMap) throw new CliError(notInstalled(home), ExitCode.notInstalled);
  const before = parseClusterConfig(configMap.data).value;
  if (before.modeSet && before.mode === mode) return { before, changed: false };
  await attempt(`update ConfigMap ${home}/${CLUSTER_CONFIG_NAME}`, () =>
    client.patch(Resources.configMaps, CLUSTER_CONFIG_NAME, home, { data: { [ClusterConfigKeys.mode]: mode } }, 'merge'),
  );
  return { before, changed: true };
}
