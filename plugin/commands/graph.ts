/**
 * `kubectl smartscale graph [-n NS | -A] [-o table|wide|json|yaml]`: the learned service graph —
 * who calls whom, calls per request (ratio), lag and fit — from ConfigMap smartscale-system/smartscale-graph.
 * What it runs is graph-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import { withAllNamespaces, type CommonArgs } from '../cluster/command.js';
import type { GraphEdgeView } from '../cluster/graph.js';
import { formatNumber, formatPercent } from '../render/format.js';
import type { Column } from '../render/table.js';

export interface GraphArgs extends CommonArgs {
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
  handler: async (args) => (await import('./graph-run.js')).runGraph(args),
};
