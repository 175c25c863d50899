/**
 * `kubectl smartscale enable DEPLOYMENT [--min N] [--max N] [--target-rps-per-pod R]
 * [--latency-slo-ms L] [--mode observe|optimize]`: opts a Deployment in (merge patch of its annotations).
 * What it runs is enable-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import { deploymentPositional } from '../cluster/command.js';
import type { DeploymentArgs } from './deployment-command.js';

export interface EnableArgs extends DeploymentArgs {
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
  handler: async (args) => (await import('./enable-run.js')).runEnable(args),
};
