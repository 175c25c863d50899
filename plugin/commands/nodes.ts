/**
 * `kubectl smartscale nodes [-o table|wide|json|yaml]`: smartscale's NodeClaims and the cluster's
 * Nodes with utilization (requests of bound pods over allocatable), age, and — when the disruption
 * planner is available — what would be consolidated next and why.
 * What it runs is nodes-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import { formatBytes, formatMilli } from '../../core/model/quantity.js';
import type { CommonArgs } from '../cluster/command.js';
import type { NodeRow } from '../cluster/node-view.js';
import { age, formatDollars, formatPercent } from '../render/format.js';
import type { Column } from '../render/table.js';

export function nodeColumns(now: number): Array<Column<NodeRow>> {
  return [
    { header: 'NODE', value: (r) => r.node },
    { header: 'NODECLAIM', value: (r) => r.nodeClaim ?? '-' },
    { header: 'NODEPOOL', value: (r) => r.nodePool ?? '-' },
    { header: 'TYPE', value: (r) => r.instanceType ?? '-' },
    // How long a node has been NotReady (or Unhealthy): node repair replaces it at controller.nodeRepairAfter (30 min; a condition's own toleration).
    { header: 'STATE', value: (r) => (r.state === 'NotReady' && r.notReadySince ? `${r.state} ${age(r.notReadySince, now)}` : r.state === 'Unhealthy' && r.unhealthy?.since ? `${r.state} ${age(r.unhealthy.since, now)}` : r.state) },
    { header: 'CPU', value: (r) => formatPercent(r.cpuUtilization) },
    { header: 'MEMORY', value: (r) => formatPercent(r.memoryUtilization) },
    { header: 'PODS', value: (r) => (r.allocatable.pods > 0 ? `${r.pods}/${r.allocatable.pods}` : String(r.pods)) },
    { header: 'PRICE/HOUR', value: (r) => formatDollars(r.pricePerHour) },
    { header: 'AGE', value: (r) => age(r.createdAt, now) },
    { header: 'CAPACITY-TYPE', value: (r) => r.capacityType ?? '-', wide: true },
    { header: 'ZONE', value: (r) => r.zone ?? '-', wide: true },
    { header: 'CPU-REQUESTED', value: (r) => `${formatMilli(r.requested.milliCpu)}/${formatMilli(r.allocatable.milliCpu)}`, wide: true },
    { header: 'MEMORY-REQUESTED', value: (r) => `${formatBytes(r.requested.memoryBytes)}/${formatBytes(r.allocatable.memoryBytes)}`, wide: true },
    { header: 'PREDICTED', value: (r) => (r.predicted === undefined ? '-' : String(r.predicted)), wide: true },
  ];
}

export const nodesCommand: CommandModule<object, CommonArgs> = {
  command: 'nodes',
  describe: "smartscale's node claims and the cluster's nodes: utilization, age, what would be consolidated next",
  builder: (y: Argv) => y as Argv<CommonArgs>,
  handler: async (args) => (await import('./nodes-run.js')).runNodes(args),
};
