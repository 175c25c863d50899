/**
 * Gathers everything `status` shows in three concurrent reads: the cluster settings, the
 * Deployments in scope, and the NodeClaims. What cannot be read is reported, not fatal — except
 * the Deployments themselves.
 */
import type { KubeClient, KubeObject } from '../../core/kube/client.js';
import { classifyKubeError } from '../../core/kube/errors.js';
import type { Mode } from '../../core/model/annotations.js';
import { clusterNow } from './command.js';
import { toCliError } from './failures.js';
import { deploymentView, isOptedIn, type DeploymentView } from './deployment-view.js';
import { getOptedInDeployment, listDeployments, missingNamespaceWarning } from './deployments.js';
import { nodeClaimView, summarizePools, type NodeClaimView, type PoolSummary } from './node-claims.js';
import { readClusterSettings } from './cluster-mode.js';
import { Resources } from './resources.js';

export interface StatusReport {
  context: string;
  /** The namespace shown, or null for all namespaces. */
  namespace: string | null;
  cluster: { mode: Mode; modeSource: 'configmap' | 'default'; installed: boolean };
  deployments: DeploymentView[];
  /** null when the NodeClaims could not be read (see warnings). */
  nodePools: PoolSummary[] | null;
  nodeClaims: NodeClaimView[] | null;
  warnings: string[];
}

/** Lists NodeClaims; a missing CRD or a refusal yields null and a warning instead of failing. */
export async function readNodeClaims(client: KubeClient): Promise<{ claims: NodeClaimView[] | null; warning?: string }> {
  try {
    const list = await client.list(Resources.nodeClaims);
    return { claims: list.items.map(nodeClaimView).sort((a, b) => a.name.localeCompare(b.name)) };
  } catch (error) {
    const failure = classifyKubeError(error);
    if (failure.kind === 'notFound') return { claims: null, warning: 'the NodeClaim CRD (nodeclaims.smartscale.io) is not installed: nodes launched by smartscale are not shown' };
    if (failure.kind === 'forbidden' || failure.kind === 'unauthorized') return { claims: null, warning: `cannot list NodeClaims (${failure.message}): nodes launched by smartscale are not shown` };
    throw toCliError(error, 'list NodeClaims');
  }
}

export async function gatherStatus(client: KubeClient, options: { context: string; scope: string | undefined; namespace: string; deployment?: string; nowSeconds: number; home?: string }): Promise<StatusReport> {
  const namespaceWarnings: string[] = [];
  const deploymentsRead: Promise<KubeObject[]> = options.deployment
    ? getOptedInDeployment(client, options.namespace, options.deployment).then((d) => [d])
    : listDeployments(client, options.scope).then(async (all) => {
        namespaceWarnings.push(...(await missingNamespaceWarning(client, options.scope, all)));
        return all.filter(isOptedIn);
      });
  const [settings, deployments, claims] = await Promise.all([readClusterSettings(client, options.home), deploymentsRead, readNodeClaims(client)]);
  const viewsAt = (now: number) => deployments.map((d) => deploymentView(d, settings.config.mode, now)).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  let views = viewsAt(options.nowSeconds);
  // A forecast from the future (a sandbox at --speed 600): the views again, from the newest one.
  const newest = views.reduce((max, v) => (v.forecast ? Math.max(max, options.nowSeconds - v.forecast.ageSeconds) : max), -Infinity);
  const clock = clusterNow(options.nowSeconds, Number.isFinite(newest) ? newest : undefined);
  if (clock.nowSeconds !== options.nowSeconds) views = viewsAt(clock.nowSeconds);
  const warnings = [...namespaceWarnings, ...settings.warnings, ...(clock.warning ? [clock.warning] : [])];
  if (claims.warning) warnings.push(claims.warning);
  return {
    context: options.context,
    namespace: options.deployment ? options.namespace : (options.scope ?? null),
    cluster: { mode: settings.config.mode, modeSource: settings.config.modeSet ? 'configmap' : 'default', installed: settings.installed },
    deployments: views,
    nodePools: claims.claims ? summarizePools(claims.claims) : null,
    nodeClaims: claims.claims,
    warnings,
  };
}
