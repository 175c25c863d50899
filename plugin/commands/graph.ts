/**
 * `kubectl smartscale graph [-n NS | -A] [-o table|wide|json|yaml]`: the learned service graph —
 * who calls whom, calls per request (ratio), lag and fit — from ConfigMap smartscale-system/smartscale-graph.
 */
import type { Argv, CommandModule } from 'yargs';
import { warn, withAllNamespaces, type CommonArgs } from '../cluster/command.js';
import { readGraph, type GraphEdgeView } from '../cluster/graph.js';
import { openSession } from '../cluster/session.js';
import { formatNumber, formatPercent } from '../render/format.js';
import { isStructured, parseOutputFormat, renderData } from '../render/output.js';
import { renderTable, type Column } from '../render/table.js';

interface GraphArgs extends CommonArgs {
  allNamespaces?: boolean;
}

export const graphColumns: Array<Column<GraphEdgeView>> = [
  { header: 'CALLER', value: (e) => e.caller },
  { header: 'CALLEE', value: (e) => e.callee },
  { header: 'RATIO', value: (e) => formatNumber(e.ratio) },
  { header: 'LAG-STEPS', value: (e) => String(e.lagSteps) },
  { header: 'FIT', value: (e) => (e.fit === undefined ? '-' : e.fit.toFixed(2)) },
  { header: 'CALLEE-EXPLAINED', value: (e) => formatPercent(e.calleeExplained), wide: true },
  { header: 'SAMPLES', value: (e) => (e.samples === undefined ? '-' : String(e.samples)), wide: true },
];

export const graphCommand: CommandModule<object, GraphArgs> = {
  command: 'graph',
  describe: 'The learned service graph with call ratios',
  builder: (y: Argv) => withAllNamespaces(y) as unknown as Argv<GraphArgs>,
  handler: async (args) => {
    const format = parseOutputFormat(args.output);
    const session = openSession(args);
    try {
      const report = await readGraph(session.client, session.scope, session.home);
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
  },
};
