/**
 * `kubectl smartscale disable DEPLOYMENT [--purge]`: opts a Deployment out. Removes the opt-in and
 * the annotations smartscale wrote; keeps the user's settings unless --purge (see cluster/opt-in.ts).
 */
import type { Argv, CommandModule } from 'yargs';
import { describeChanges, patchAnnotations } from '../cluster/annotate.js';
import type { CommonArgs } from '../cluster/command.js';
import { getDeployment } from '../cluster/deployments.js';
import { disableChanges } from '../cluster/opt-in.js';
import { requirePositional } from '../cluster/required.js';
import { openSession } from '../cluster/session.js';
import { isStructured, parseOutputFormat, renderData } from '../render/output.js';

interface DisableArgs extends CommonArgs {
  deployment: string;
  purge?: boolean;
}

export const disableCommand: CommandModule<object, DisableArgs> = {
  command: 'disable <deployment>',
  describe: 'Opt a Deployment out of smartscale (spec.replicas is left as it is)',
  builder: (y: Argv) =>
    y
      .positional('deployment', { type: 'string', describe: 'Deployment name' })
      .option('purge', { type: 'boolean', describe: 'Also remove its smartscale settings (bounds, mode, objectives)' }) as unknown as Argv<DisableArgs>,
  handler: async (args) => {
    requirePositional(args.deployment, 'the Deployment name');
    const format = parseOutputFormat(args.output, ['table', 'json', 'yaml']);
    const session = openSession(args);
    try {
      const deployment = await getDeployment(session.client, session.namespace, args.deployment);
      const current = deployment.metadata.annotations;
      const changes = disableChanges(current, args.purge === true);
      if (Object.keys(changes).length > 0) await patchAnnotations(session.client, deployment, changes);
      const target = `deployment/${session.namespace}/${args.deployment}`;
      if (isStructured(format)) {
        process.stdout.write(renderData({ deployment: target, changed: changes }, format));
        return;
      }
      const lines = Object.keys(changes).length === 0 ? [`${target}: not enabled (unchanged)`] : [`${target}: disabled`, ...describeChanges(current, changes).map((l) => `  ${l}`)];
      if (Object.keys(changes).length > 0) lines.push(`Next: smartscale no longer forecasts or scales it; spec.replicas stays at ${deployment.spec?.replicas ?? 1}.`);
      process.stdout.write(lines.join('\n') + '\n');
    } finally {
      session.close();
    }
  },
};
