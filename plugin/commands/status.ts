/**
 * `kubectl smartscale status [DEPLOYMENT] [-n NS | -A] [-o table|wide|json|yaml]`: the cluster
 * mode, every opted-in Deployment (replicas, next predicted peak, model and error, capacity
 * requested) and smartscale's nodes by pool. Parts it cannot read are named on stderr.
 */
import type { Argv, CommandModule } from 'yargs';
import { nowSeconds, warn, withAllNamespaces, type CommonArgs } from '../cluster/command.js';
import { openSession } from '../cluster/session.js';
import { gatherStatus } from '../cluster/status.js';
import { isStructured, parseOutputFormat, renderData } from '../render/output.js';
import { renderStatusTable } from '../render/status.js';

interface StatusArgs extends CommonArgs {
  deployment?: string;
  allNamespaces?: boolean;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status [deployment]',
  describe: 'Cluster mode, opted-in Deployments with their forecasts, and smartscale nodes by pool',
  builder: (y: Argv) => withAllNamespaces(y.positional('deployment', { type: 'string', describe: 'Show only this Deployment' })) as unknown as Argv<StatusArgs>,
  handler: async (args) => {
    const format = parseOutputFormat(args.output);
    const session = openSession(args);
    try {
      const report = await gatherStatus(session.client, {
        context: session.config.contextName,
        scope: args.deployment ? session.namespace : session.scope,
        namespace: session.namespace,
        deployment: args.deployment,
        nowSeconds: nowSeconds(),
        home: session.home,
      });
      warn(report.warnings);
      for (const d of report.deployments) warn(d.warnings.map((w) => `${d.namespace}/${d.name}: ${w}`));
      process.stdout.write(isStructured(format) ? renderData(report, format) : renderStatusTable(report, format === 'wide'));
    } finally {
      session.close();
    }
  },
};
