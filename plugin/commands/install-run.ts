/** What `kubectl smartscale install` runs (install.ts declares it; this loads only when it runs). */
import { SMARTSCALE_NAMESPACE } from '../../core/model/cluster-config.js';
import { applyPlan, readExistingCertificate } from '../cluster/install-apply.js';
import { CLUSTER_JOIN_CONFIGMAP, CLUSTER_JOIN_VARIABLES, readClusterJoin, type ClusterJoinSettings } from '../../core/controllers/cluster-join.js';
import type { KubeClient } from '../../core/kube/client.js';
import { attempt } from '../cluster/failures.js';
import { clusterJoinFromFlags, clusterJoinMissing, planInstall, runsEc2Controller, type WebhookCertificate } from '../cluster/install-plan.js';
import { findManifestsDir, readManifests } from '../cluster/manifests.js';
import { openSession } from '../cluster/session.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseOutputFormat, renderData } from '../render/output.js';
import type { InstallArgs } from './install.js';

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const CERT_MANAGER_COMPONENT = 'webhook/cert-manager';

/** A certificate issuer for planInstall; node-forge is imported only when one is needed (it is slow to load). */
async function certificateIssuer(): Promise<(dnsNames: string[]) => WebhookCertificate> {
  const { createCertificateAuthority, issueServingCertificate } = await import('../../core/tls/index.js');
  return (dnsNames) => {
    const ca = createCertificateAuthority({ commonName: 'smartscale-webhook-ca', validityDays: 3650 });
    const serving = issueServingCertificate(ca, { dnsNames, validityDays: 365 });
    return { certPem: serving.certPem, keyPem: serving.keyPem, caCertPem: ca.certPem, caKeyPem: ca.keyPem };
  };
}

const noIssuer = (): WebhookCertificate => {
  throw new Error('no certificate is issued with cert-manager');
};

/**
 * The join settings an earlier install (or the user) left in the ConfigMap smartscale-cluster, when
 * complete and valid: a re-install (an upgrade) need not be given them again.
 */
async function existingClusterJoin(client: KubeClient, namespace: string): Promise<ClusterJoinSettings | undefined> {
  const found = await attempt(`read ConfigMap ${namespace}/${CLUSTER_JOIN_CONFIGMAP}`, () => client.get({ group: '', version: 'v1', plural: 'configmaps', namespaced: true }, CLUSTER_JOIN_CONFIGMAP, namespace));
  const result = readClusterJoin((found?.data ?? {}) as Record<string, string>);
  return result.ok ? result.settings : undefined;
}

export async function runInstall(args: InstallArgs): Promise<void> {
  const format = parseOutputFormat(args.output ?? (args.dryRun ? 'yaml' : 'table'), args.dryRun ? ['yaml', 'json'] : ['table', 'json', 'yaml']);
  // -n/--namespace (the global flag) is where smartscale runs; it does not default to the context's.
  const namespace = args.namespace ?? SMARTSCALE_NAMESPACE;
  if (!NAMESPACE_NAME.test(namespace)) throw new CliError(`--namespace ${JSON.stringify(namespace)} is not a valid namespace name`, ExitCode.usage);
  const certManager = args.certManager === true;
  const documents = readManifests(args.manifests ?? findManifestsDir(), certManager ? [CERT_MANAGER_COMPONENT] : []);
  // An EC2 controller cannot start without how nodes join the cluster: refused here, before
  // anything is applied, rather than pods that never start.
  const needsCluster = runsEc2Controller(documents);
  const flags = clusterJoinFromFlags(args);
  if (flags.error) throw new CliError(flags.error, ExitCode.usage);
  if (needsCluster && !flags.settings && args.dryRun) throw new CliError(clusterJoinMissing(CLUSTER_JOIN_VARIABLES), ExitCode.usage);
  const issue = certManager ? noIssuer : await certificateIssuer();
  if (args.dryRun) {
    const objects = planInstall(documents, { namespace, certManager, issue, cluster: flags.settings }).objects.map((o) => o.object);
    process.stdout.write(format === 'json' ? renderData({ apiVersion: 'v1', kind: 'List', items: objects }, 'json') : objects.map((o) => renderData(o, 'yaml')).join('---\n'));
    return;
  }
  const session = openSession({ ...args, namespace });
  try {
    const cluster = flags.settings ?? (needsCluster ? await existingClusterJoin(session.client, namespace) : undefined);
    if (needsCluster && !cluster) throw new CliError(clusterJoinMissing(CLUSTER_JOIN_VARIABLES), ExitCode.usage);
    // Re-installing keeps the webhook's CA (and so every caBundle already handed out).
    const secretName = planInstall(documents, { namespace, certManager: true, issue: noIssuer }).secretName;
    const existing = certManager ? undefined : await readExistingCertificate(session.client, namespace, secretName);
    const plan = planInstall(documents, { namespace, certManager, issue, existing, cluster });
    const table = format === 'table';
    const results = await applyPlan(session.client, plan.objects, (r) => {
      const what = r.action === 'kept' ? 'unchanged (exists, kept)' : r.action === 'completed' ? `kept, added missing keys ${r.addedKeys!.join(',')}` : 'serverside-applied';
      if (table) process.stdout.write(`${r.object} ${what}\n`);
    });
    const elsewhere = namespace === SMARTSCALE_NAMESPACE ? '' : ` Set SMARTSCALE_NAMESPACE=${namespace} for the other commands.`;
    const next = `Next: smartscale starts in observe mode; opt a Deployment in with 'kubectl smartscale enable NAME -n NS' and watch 'kubectl smartscale status -A'.${elsewhere}`;
    const joins = cluster ? `${cluster.name} at ${cluster.endpoint} (ConfigMap ${namespace}/${CLUSTER_JOIN_CONFIGMAP}${flags.settings ? '' : ', kept'})` : undefined;
    if (table) process.stdout.write(`certificate: ${plan.certificate} (Secret ${namespace}/${plan.secretName})\n${joins ? `nodes join: ${joins}\n` : ''}${next}\n`);
    else process.stdout.write(renderData({ namespace, certificate: plan.certificate, secret: `${namespace}/${plan.secretName}`, ...(cluster ? { cluster: { name: cluster.name, endpoint: cluster.endpoint, serviceCidr: cluster.serviceCidr, source: flags.settings ? 'flags' : 'kept' } } : {}), objects: results, next }, format as 'json' | 'yaml'));
  } finally {
    session.close();
  }
}
