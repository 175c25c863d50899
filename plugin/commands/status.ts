/**
 * `kubectl smartscale status [DEPLOYMENT] [-n NS | -A] [-o table|wide|json|yaml]`: the cluster
 * mode, every opted-in Deployment (replicas, next predicted peak, model and error, capacity
 * requested) and smartscale's nodes by pool. Parts it cannot read are named on stderr.
 * What it runs is status-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import { withAllNamespaces, type CommonArgs } from '../cluster/command.js';

export interface StatusArgs extends CommonArgs {
  deployment?: string;
  allNamespaces?: boolean;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status [deployment]',
  describe: 'Cluster mode, opted-in Deployments with their forecasts, and smartscale nodes by pool',
  builder: (y: Argv) => withAllNamespaces(y.positional('deployment', { type: 'string', describe: 'Show only this Deployment' })) as unknown as Argv<StatusArgs>,
  handler: async (args) => (await import('./status-run.js')).runStatus(args),
};
