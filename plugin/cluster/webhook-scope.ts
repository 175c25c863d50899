/**
 * Which namespaces smartscale's webhook never sees. The MutatingWebhookConfiguration's
 * namespaceSelector decides it (the shipped one excludes kube-system and smartscale's own
 * namespace): a Deployment enabled there is never annotated, so nothing ever acts on it. Read from
 * the cluster's configuration when it can be read, else from the shipped manifest — never from a
 * second list here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { KubeClient, KubeObject, ResourceRef } from '../../core/kube/client.js';
import { SMARTSCALE_NAMESPACE } from '../../core/model/cluster-config.js';
import { findManifestsDir } from './manifests.js';

export const WEBHOOK_CONFIGURATION = 'smartscale-webhook';
const WEBHOOK_CONFIGURATIONS: ResourceRef = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false };
/** The label the API server sets on every namespace to its name. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

interface Expression {
  key?: string;
  operator?: string;
  values?: unknown[];
}

/**
 * Why the configuration's webhooks never see `namespace`, judged by the expressions on the
 * namespace-name label (the only label known without reading the Namespace); undefined when one
 * of its webhooks may see it. `where` names the configuration in the reason.
 */
export function namespaceExclusion(configuration: KubeObject, namespace: string, where: string): string | undefined {
  const webhooks = (configuration as { webhooks?: Array<{ namespaceSelector?: { matchExpressions?: Expression[] } }> }).webhooks ?? [];
  if (webhooks.length === 0) return undefined;
  const reasons: string[] = [];
  for (const webhook of webhooks) {
    const refusing = (webhook.namespaceSelector?.matchExpressions ?? []).find((e) => e.key === NAME_LABEL && excludes(e, namespace));
    if (!refusing) return undefined;
    reasons.push(`${NAME_LABEL} ${refusing.operator} [${(refusing.values ?? []).join(', ')}]`);
  }
  return `the namespaceSelector of ${where} (${[...new Set(reasons)].join('; ')})`;
}

function excludes(e: Expression, namespace: string): boolean {
  const values = (e.values ?? []).map(String);
  if (e.operator === 'NotIn') return values.includes(namespace);
  if (e.operator === 'In') return !values.includes(namespace);
  return e.operator === 'DoesNotExist';
}

/** The shipped configuration, as `install` would apply it for smartscale in `home`. */
export function shippedWebhookConfiguration(home: string, manifests = findManifestsDir()): KubeObject {
  const text = readFileSync(join(manifests, 'webhook', 'mutatingwebhookconfiguration.yaml'), 'utf8');
  // install replaces smartscale's namespace in every string; so does this.
  return load(home === SMARTSCALE_NAMESPACE ? text : text.replaceAll(SMARTSCALE_NAMESPACE, home)) as KubeObject;
}

/**
 * Why the webhook never sees `namespace`, or undefined. The cluster's configuration wins; when it
 * cannot be read (not installed yet, RBAC) the shipped one answers.
 */
export async function webhookExclusion(client: KubeClient, namespace: string, home: string): Promise<string | undefined> {
  let live: KubeObject | undefined;
  try {
    live = await client.get(WEBHOOK_CONFIGURATIONS, WEBHOOK_CONFIGURATION);
  } catch {
    live = undefined;
  }
  if (live) return namespaceExclusion(live, namespace, `MutatingWebhookConfiguration ${WEBHOOK_CONFIGURATION}`);
  return namespaceExclusion(shippedWebhookConfiguration(home), namespace, `smartscale's webhook configuration (manifests/webhook/mutatingwebhookconfiguration.yaml)`);
}
