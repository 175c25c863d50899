/** Finding Deployments: one by name (not found / not opted in are distinct errors) or all in a scope. */
import type { KubeClient, KubeObject } from '../../core/kube/client.js';
import { Annotations } from '../../core/model/annotations.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { attempt } from './failures.js';
import { isOptedIn } from './deployment-view.js';
import { Resources } from './resources.js';

export async function getDeployment(client: KubeClient, namespace: string, name: string): Promise<KubeObject> {
  const deployment = await attempt(`get Deployment ${namespace}/${name}`, () => client.get(Resources.deployments, name, namespace));
  if (!deployment) {
    const why = (await namespaceExists(client, namespace)) === false ? ' (the namespace does not exist)' : '';
    throw new CliError(`Deployment "${name}" not found in namespace "${namespace}"${why}`, ExitCode.notFound);
  }
  return deployment;
}

/**
 * Whether the namespace exists; undefined when that cannot be read (RBAC often allows Deployments
 * in a namespace but not reading the Namespace). Asked only after something came back empty, so a
 * typo in -n is named rather than shown as "nothing there".
 */
export async function namespaceExists(client: KubeClient, namespace: string): Promise<boolean | undefined> {
  try {
    return (await client.get(Resources.namespaces, namespace)) !== undefined;
  } catch {
    return undefined;
  }
}

/** A warning for a list that came back empty because its namespace does not exist, if it does not. */
export async function missingNamespaceWarning(client: KubeClient, scope: string | undefined, items: readonly unknown[]): Promise<string[]> {
  if (scope === undefined || items.length > 0) return [];
  return (await namespaceExists(client, scope)) === false ? [`namespace "${scope}" does not exist`] : [];
}

export async function getOptedInDeployment(client: KubeClient, namespace: string, name: string): Promise<KubeObject> {
  const deployment = await getDeployment(client, namespace, name);
  if (!isOptedIn(deployment)) {
    throw new CliError(`Deployment ${namespace}/${name} is not opted in to smartscale (${Annotations.enabled} is not "true"); run 'kubectl smartscale enable ${name} -n ${namespace}'`, ExitCode.notOptedIn);
  }
  return deployment;
}

/** Every Deployment in the namespace (or all namespaces when scope is undefined). */
export async function listDeployments(client: KubeClient, scope: string | undefined): Promise<KubeObject[]> {
  const where = scope === undefined ? 'all namespaces' : `namespace ${scope}`;
  const list = await attempt(`list Deployments in ${where}`, () => client.list(Resources.deployments, { namespace: scope }));
  return list.items;
}
