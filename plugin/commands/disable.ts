/**
 * `kubectl smartscale disable DEPLOYMENT [--purge]`: opts a Deployment out. Removes the opt-in and
 * the annotations smartscale wrote; keeps the user's settings unless --purge (see cluster/opt-in.ts).
 * What it runs is disable-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import { deploymentPositional } from '../cluster/command.js';
import type { DeploymentArgs } from './deployment-command.js';

export interface DisableArgs extends DeploymentArgs {
  purge?: boolean;
}

export const disableCommand: CommandModule<object, DisableArgs> = {
  command: 'disable <deployment>',
  describe: 'Opt a Deployment out of smartscale (spec.replicas is left as it is)',
  builder: (y: Argv) =>
    deploymentPositional(y).option('purge', { type: 'boolean', describe: 'Also remove its smartscale settings (bounds, mode, objectives)' }) as unknown as Argv<DisableArgs>,
  handler: async (args) => (await import('./disable-run.js')).runDisable(args),
};
