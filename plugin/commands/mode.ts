/**
 * `kubectl smartscale mode observe|optimize [DEPLOYMENT | --all] [-n NS | -A]`: switches the
 * cluster mode (ConfigMap smartscale-system/smartscale-config), one Deployment's mode (its
 * `smartscale.io/mode` annotation) or every opted-in Deployment's in scope, and says what happens next.
 * What it runs is mode-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import { withAllNamespaces, type CommonArgs } from '../cluster/command.js';

export interface ModeArgs extends CommonArgs {
  mode: string;
  deployment?: string;
  all?: boolean;
  allNamespaces?: boolean;
}

export const modeCommand: CommandModule<object, ModeArgs> = {
  command: 'mode <mode> [deployment]',
  describe: 'Switch the cluster, one Deployment or every opted-in Deployment (--all) to observe or optimize',
  builder: (y: Argv) =>
    withAllNamespaces(
      y
        .positional('mode', { type: 'string', describe: 'observe or optimize' })
        .positional('deployment', { type: 'string', describe: 'Only this Deployment (its smartscale.io/mode annotation)' })
        .option('all', { type: 'boolean', describe: 'Every opted-in Deployment in the namespace (or all namespaces with -A)' }),
    ) as unknown as Argv<ModeArgs>,
  handler: async (args) => (await import('./mode-run.js')).runMode(args),
};
