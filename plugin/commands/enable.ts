/**
 * `kubectl smartscale enable DEPLOYMENT [--min N] [--max N] [--target-rps-per-pod R]
 * [--latency-slo-ms L] [--mode observe|optimize]`: opts a Deployment in (merge patch of its annotations).
 */
import type { Argv, CommandModule } from 'yargs';
import { describeChanges, effectiveChanges, patchAnnotations } from '../cluster/annotate.js';
import type { CommonArgs } from '../cluster/command.js';
import { getDeployment } from '../cluster/deployments.js';
import { enableChanges } from '../cluster/opt-in.js';
import { requirePositional } from '../cluster/required.js';
import { openSession } from '../cluster/session.js';
import { isStructured, parseOutputFormat, renderData } from '../render/output.js';

interface EnableArgs extends CommonArgs {
  deployment: string;
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
    y
      .positional('deployment', { type: 'string', describe: 'Deployment name' })
      .option('min', { type: 'number', describe: 'Lowest replica count smartscale may set' })
      .option('max', { type: 'number', describe: 'Highest replica count smartscale may set' })
      .option('target-rps-per-pod', { type: 'number', describe: 'Requests/second one pod serves (default: learned)' })
      .option('latency-slo-ms', { type: 'number', describe: 'Latency objective used to learn per-pod capacity' })
      .option('mode', { type: 'string', describe: "This Deployment's mode (default: the cluster's)" }) as unknown as Argv<EnableArgs>,
  handler: async (args) => {
    requirePositional(args.deployment, 'the Deployment name');
    const format = parseOutputFormat(args.output, ['table', 'json', 'yaml']);
    const session = openSession(args);
    try {
      const deployment = await getDeployment(session.client, session.namespace, args.deployment);
      const current = deployment.metadata.annotations;
      const changes = effectiveChanges(current, enableChanges(current, args));
      if (Object.keys(changes).length > 0) await patchAnnotations(session.client, deployment, changes);
      const target = `deployment/${session.namespace}/${args.deployment}`;
      if (isStructured(format)) {
        process.stdout.write(renderData({ deployment: target, changed: changes }, format));
        return;
      }
      const lines = Object.keys(changes).length === 0 ? [`${target}: already enabled with these settings (unchanged)`] : [`${target}: enabled`, ...describeChanges(current, changes).map((l) => `  ${l}`)];
      lines.push('Next: the forecaster picks it up at its next step; the webhook then annotates target and peak replicas.');
      process.stdout.write(lines.join('\n') + '\n');
    } finally {
      session.close();
    }
  },
};
