/**
 * `kubectl smartscale enable DEPLOYMENT [--min N] [--max N] [--target-rps-per-pod R]
 * [--latency-slo-ms L] [--mode observe|optimize]`: opts a Deployment in (merge patch of its annotations).
 */
import type { Argv, CommandModule } from 'yargs';
import { effectiveChanges } from '../cluster/annotate.js';
import { getDeployment } from '../cluster/deployments.js';
import { enableChanges } from '../cluster/opt-in.js';
import { applyAnnotationChanges, deploymentPositional, withDeployment, type DeploymentArgs } from './deployment-command.js';

interface EnableArgs extends DeploymentArgs {
  min?: number;
  max?: number;
  targetRpsPerPod?: number;
  latencySloMs?: number;
  mode?: string;
}

export const enableCommand: CommandModule<object, EnableArgs> = {
  command: 'enable <deployment>',
  describe: 'Opt a Deployment in to smartscale, optionally with bounds and a latency objective',
  builder: (y: Argv) =>
    deploymentPositional(y)
      .option('min', { type: 'number', describe: 'Lowest replica count smartscale may set' })
      .option('max', { type: 'number', describe: 'Highest replica count smartscale may set' })
      .option('target-rps-per-pod', { type: 'number', describe: 'Requests/second one pod serves (default: learned)' })
      .option('latency-slo-ms', { type: 'number', describe: 'Latency objective used to learn per-pod capacity' })
      .option('mode', { type: 'string', describe: "This Deployment's mode (default: the cluster's)" }) as unknown as Argv<EnableArgs>,
  handler: (args) =>
    withDeployment(args, getDeployment, (context) => {
      const current = context.deployment.metadata.annotations;
      return applyAnnotationChanges(context, args.deployment, effectiveChanges(current, enableChanges(current, args)), {
        unchanged: 'already enabled with these settings (unchanged)',
        changed: 'enabled',
        next: () => 'Next: the forecaster picks it up at its next step; the webhook then annotates target and peak replicas.',
      });
    }),
};
