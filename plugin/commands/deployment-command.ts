/**
 * What the commands about one Deployment (enable, disable, forecast) share when they run: checking
 * the `<deployment>` positional (declared by cluster/command.ts' deploymentPositional) and `-o`
 * before touching the cluster, the session and the read of the Deployment — and, for the two that
 * annotate it, the patch and the report of what changed. Loaded only by their *-run.ts modules.
 */
import type { KubeClient, KubeObject } from '../../core/kube/client.js';
import { printableLines } from '../../core/text/printable.js';
import { describeChanges, patchAnnotations, type AnnotationChanges } from '../cluster/annotate.js';
import type { CommonArgs } from '../cluster/command.js';
import { requirePositional } from '../cluster/required.js';
import { openSession, type ClusterSession } from '../cluster/session.js';
import { isStructured, parseOutputFormat, renderData, type OutputFormat } from '../render/output.js';

export interface DeploymentArgs extends CommonArgs {
  deployment: string;
}

export interface DeploymentContext {
  session: ClusterSession;
  deployment: KubeObject;
  format: OutputFormat;
}

/**
 * Checks the positional and `-o` (table, json, yaml), opens a session, reads the Deployment with
 * `read` and gives it to `use`; the session is closed once `use` settles (or the read fails).
 */
export async function withDeployment<T>(
  args: DeploymentArgs,
  read: (client: KubeClient, namespace: string, name: string) => Promise<KubeObject>,
  use: (context: DeploymentContext) => T | Promise<T>,
): Promise<T> {
  requirePositional(args.deployment, 'the Deployment name');
  const format = parseOutputFormat(args.output, ['table', 'json', 'yaml']);
  const session = openSession(args);
  try {
    const deployment = await read(session.client, session.namespace, args.deployment);
    return await use({ session, deployment, format });
  } finally {
    session.close();
  }
}

export interface AnnotationReport {
  /** After `deployment/NS/NAME: ` when nothing changed, and when something did. */
  unchanged: string;
  changed: string;
  /** The closing `Next: …` line, if any. */
  next(changed: boolean): string | undefined;
}

/** Patches `changes` (when there are any) into the Deployment's annotations and prints what changed. */
export async function applyAnnotationChanges(context: DeploymentContext, name: string, changes: AnnotationChanges, report: AnnotationReport): Promise<void> {
  const { session, deployment, format } = context;
  const current = deployment.metadata.annotations;
  const changed = Object.keys(changes).length > 0;
  if (changed) await patchAnnotations(session.client, deployment, changes);
  const target = `deployment/${session.namespace}/${name}`;
  if (isStructured(format)) {
    process.stdout.write(renderData({ deployment: target, changed: changes }, format));
    return;
  }
  const lines = changed ? [`${target}: ${report.changed}`, ...describeChanges(current, changes).map((l) => `  ${l}`)] : [`${target}: ${report.unchanged}`];
  const next = report.next(changed);
  if (next !== undefined) lines.push(next);
  // The values before a change are the annotations' as found.
  process.stdout.write(printableLines(lines.join('\n')) + '\n');
}
