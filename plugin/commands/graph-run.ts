/** What `kubectl smartscale graph` runs (graph.ts declares it; this loads only when it runs). */
import { warn } from '../cluster/command.js';
import { missingNamespaceWarning } from '../cluster/deployments.js';
import { readGraph } from '../cluster/graph.js';
import { openSession } from '../cluster/session.js';
import { isStructured, parseOutputFormat, renderData } from '../render/output.js';
import { renderTable } from '../render/table.js';
import { graphColumns, type GraphArgs } from './graph.js';

export async function runGraph(args: GraphArgs): Promise<void> {
  const format = parseOutputFormat(args.output);
  const session = openSession(args);
  try {
    const report = await readGraph(session.client, session.scope, session.home);
    // A typo in -n gave "No service graph edges in namespace shpo." and nothing more.
    report.warnings.push(...(await missingNamespaceWarning(session.client, session.scope, report.edges)));
    warn(report.warnings);
    if (isStructured(format)) {
      process.stdout.write(renderData(report, format));
      return;
    }
    if (report.edges.length === 0) {
      process.stdout.write(session.scope === undefined ? 'No service graph edges.\n' : `No service graph edges in namespace ${session.scope}.\n`);
      return;
    }
    process.stdout.write(renderTable(graphColumns, report.edges, format === 'wide'));
  } finally {
    session.close();
  }
}
