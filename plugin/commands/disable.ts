/**
 * `kubectl smartscale disable DEPLOYMENT [--purge]`: opts a Deployment out. Removes the opt-in and
 * the annotations smartscale wrote; keeps the user's settings unless --purge (see cluster/opt-in.ts).
 */
import type { Argv, CommandModule } from 'yargs';
import { getDeployment } from '../cluster/deployments.js';
import { disableChanges } from '../cluster/opt-in.js';
import { applyAnnotationChanges, deploymentPositional, withDeployment, type DeploymentArgs } from './deployment-command.js';

interface DisableArgs extends DeploymentArgs {
  purge?: boolean;
}

export const disableCommand: CommandModule<object, DisableArgs> = {
  command: 'disable <deployment>',
  describe: 'Opt a Deployment out of smartscale (spec.replicas is left as it is)',
  builder: (y: Argv) =>
    deploymentPositional(y).option('purge', { type: 'boolean', describe: 'Also remove its smartscale settings (bounds, mode, objectives)' }) as unknown as Argv<DisableArgs>,
  handler: (args) =>
    withDeployment(args, getDeployment, (context) =>
      applyAnnotationChanges(context, args.deployment, disableChanges(context.deployment.metadata.annotations, args.purge === true), {
        unchanged: 'not enabled (unchanged)',
        changed: 'disabled',
        next: (changed) => (changed ? `Next: smartscale no longer forecasts or scales it; spec.replicas stays at ${context.deployment.spec?.replicas ?? 1}.` : undefined),
      }),
    ),
};
