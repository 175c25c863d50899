/** What `kubectl smartscale mode` runs (mode.ts declares it; this loads only when it runs). */
import { Annotations, isMode, type Mode } from '../../core/model/annotations.js';
import { printableLines } from '../../core/text/printable.js';
import { effectiveChanges, patchAnnotations } from '../cluster/annotate.js';
import { setClusterMode } from '../cluster/cluster-mode.js';
import { isOptedIn } from '../cluster/deployment-view.js';
import { getOptedInDeployment, listDeployments, missingNamespaceWarning } from '../cluster/deployments.js';
import { warn } from '../cluster/command.js';
import type { KubeObject } from '../../core/kube/client.js';
import { requirePositional } from '../cluster/required.js';
import { openSession } from '../cluster/session.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { isStructured, parseOutputFormat, renderData } from '../render/output.js';
import type { ModeArgs } from './mode.js';

export function nextStepsForCluster(mode: Mode): string {
  return mode === 'optimize'
    ? 'Next: opted-in Deployments without their own smartscale.io/mode get spec.replicas from their forecast at their next update, and the provisioner launches nodes ahead of predicted pods.'
    : 'Next: smartscale keeps forecasting and annotating, but stops setting spec.replicas and launching nodes ahead of demand for Deployments without their own smartscale.io/mode.';
}

export function nextStepsForDeployment(mode: Mode): string {
  return mode === 'optimize'
    ? 'Next: the webhook sets spec.replicas from the forecast at the next update of the Deployment (the forecaster refreshes it every step).'
    : 'Next: the webhook only annotates the Deployment (target and peak replicas, capacity); spec.replicas stays as it is.';
}

interface ModeChange {
  target: string;
  before: string;
  after: Mode;
  changed: boolean;
}

export async function runMode(args: ModeArgs): Promise<void> {
  requirePositional(args.mode, 'the mode (observe or optimize)');
  if (!isMode(args.mode)) throw new CliError(`mode ${JSON.stringify(args.mode)}: expected observe or optimize`, ExitCode.usage);
  const mode: Mode = args.mode;
  if (args.all && args.deployment) throw new CliError('name a Deployment or pass --all, not both', ExitCode.usage);
  if (args.allNamespaces && !args.all) throw new CliError('-A applies to --all only', ExitCode.usage);
  const format = parseOutputFormat(args.output, ['table', 'json', 'yaml']);
  const session = openSession(args);
  const changes: ModeChange[] = [];
  let next: string;
  try {
    if (!args.deployment && !args.all) {
      const { before, changed } = await setClusterMode(session.client, mode, session.home);
      changes.push({ target: 'cluster', before: before.modeSet ? before.mode : `${before.mode} (default)`, after: mode, changed });
      next = nextStepsForCluster(mode);
    } else {
      let deployments: KubeObject[];
      if (args.deployment) deployments = [await getOptedInDeployment(session.client, session.namespace, args.deployment)];
      else {
        const all = await listDeployments(session.client, session.scope);
        warn(await missingNamespaceWarning(session.client, session.scope, all));
        deployments = all.filter(isOptedIn);
      }
      for (const d of deployments) {
        const current = d.metadata.annotations ?? {};
        const patch = effectiveChanges(current, { [Annotations.mode]: mode });
        if (Object.keys(patch).length > 0) await patchAnnotations(session.client, d, patch);
        changes.push({ target: `deployment/${d.metadata.namespace}/${d.metadata.name}`, before: current[Annotations.mode] ?? '(cluster)', after: mode, changed: Object.keys(patch).length > 0 });
      }
      next = deployments.length === 0 ? 'No opted-in Deployments in scope: nothing changed.' : nextStepsForDeployment(mode);
    }
  } finally {
    session.close();
  }
  if (isStructured(format)) {
    process.stdout.write(renderData({ mode, changes, next }, format));
    return;
  }
  const lines = changes.map((c) => (c.changed ? `${c.target}: mode ${c.before} → ${c.after}` : `${c.target}: mode already ${c.after} (unchanged)`));
  process.stdout.write(printableLines([...lines, next].join('\n')) + '\n');
}
