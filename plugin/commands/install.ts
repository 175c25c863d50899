/**
 * `kubectl smartscale install --cluster-name N --cluster-endpoint URL --cluster-ca B64 --service-cidr CIDR
 * [--dry-run] [-n smartscale-system] [--cert-manager] [--manifests DIR]`: renders smartscale's
 * manifests with a webhook certificate generated here (or requested from cert-manager) and how EC2
 * nodes join the cluster (the ConfigMap smartscale-cluster; a re-install may reuse the cluster's),
 * and server-side applies them, or prints them with --dry-run (no cluster access).
 * What it runs is install-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import type { CommonArgs } from '../cluster/command.js';

export interface InstallArgs extends CommonArgs {
  dryRun?: boolean;
  clusterName?: string;
  clusterEndpoint?: string;
  clusterCa?: string;
  serviceCidr?: string;
  certManager?: boolean;
  manifests?: string;
}

export const installCommand: CommandModule<object, InstallArgs> = {
  command: 'install',
  describe: 'Install smartscale (CRDs, webhook, controller, RBAC, certificate) into -n NAMESPACE (default smartscale-system), or print it with --dry-run',
  builder: (y: Argv) =>
    y
      .option('cluster-name', { type: 'string', describe: 'EKS cluster name (nodes join it; required, or kept from an earlier install)' })
      .option('cluster-endpoint', { type: 'string', describe: "API server https:// URL (aws eks describe-cluster: cluster.endpoint)" })
      .option('cluster-ca', { type: 'string', describe: 'Cluster CA as base64 PEM (cluster.certificateAuthority.data)' })
      .option('service-cidr', { type: 'string', describe: 'Service CIDR, e.g. 10.100.0.0/16 (cluster.kubernetesNetworkConfig.serviceIpv4Cidr)' })
      .option('dry-run', { type: 'boolean', describe: 'Print the objects instead of applying them (no cluster access)' })
      .option('cert-manager', { type: 'boolean', describe: 'Let cert-manager issue the webhook certificate instead of generating one' })
      .option('manifests', { type: 'string', describe: 'Manifests directory (default: the one shipped with this plugin)' }) as unknown as Argv<InstallArgs>,
  handler: async (args) => (await import('./install-run.js')).runInstall(args),
};
