/** What `kubectl smartscale status` runs (status.ts declares it; this loads only when it runs). */
import { nowSeconds, rejectAllNamespaces, warn } from '../cluster/command.js';
import { openSession } from '../cluster/session.js';
import { gatherStatus } from '../cluster/status.js';
import { isStructured, parseOutputFormat, renderData } from '../render/output.js';
import { renderStatusTable } from '../render/status.js';
import type { StatusArgs } from './status.js';

export async function runStatus(args: StatusArgs): Promise<void> {
  const format = parseOutputFormat(args.output);
  // It looked in the context's namespace and said "not found in namespace default".
  if (args.deployment) rejectAllNamespaces(args, `a Deployment is looked up in one namespace: use -n NAMESPACE with ${args.deployment}`);
  const session = openSession(args);
  try {
    const report = await gatherStatus(session.client, {
      context: session.config.contextName,
      scope: args.deployment ? session.namespace : session.scope,
      namespace: session.namespace,
      deployment: args.deployment,
      nowSeconds: nowSeconds(),
      home: session.home,
    });
    warn(report.warnings);
    for (const d of report.deployments) warn(d.warnings.map((w) => `${d.namespace}/${d.name}: ${w}`));
    process.stdout.write(isStructured(format) ? renderData(report, format) : renderStatusTable(report, format === 'wide'));
  } finally {
    session.close();
  }
}
