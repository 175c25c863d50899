/** The `status` tables: a cluster line, the opted-in Deployments, then smartscale's nodes by pool. */
import { printableLines } from '../../core/text/printable.js';
import type { DeploymentView } from '../cluster/deployment-view.js';
import type { PoolSummary } from '../cluster/node-claims.js';
import type { StatusReport } from '../cluster/status.js';
import { formatDollars, formatNumber, humanDuration } from './format.js';
import { renderTable, type Column } from './table.js';

const count = (v: number | undefined) => (v === undefined ? '-' : String(v));

function nextPeak(d: DeploymentView): string {
  if (!d.forecast) return '-';
  return `${formatNumber(d.forecast.nextPeak.rps)}rps`;
}

function peakIn(d: DeploymentView): string {
  if (!d.forecast) return '-';
  const s = d.forecast.nextPeak.inSeconds;
  return s < 0 ? `${humanDuration(-s)} ago` : humanDuration(s);
}

function capacity(d: DeploymentView): string {
  if (!d.capacity || d.capacity.replicas === 0) return '-';
  return `+${d.capacity.replicas} (${d.capacity.cpu} cpu, ${d.capacity.memory})`;
}

export function deploymentColumns(allNamespaces: boolean): Array<Column<DeploymentView>> {
  const columns: Array<Column<DeploymentView>> = [
    { header: 'NAME', value: (d) => d.name },
    { header: 'MODE', value: (d) => (d.modeSource === 'deployment' ? d.mode : `${d.mode}*`) },
    { header: 'CURRENT', value: (d) => String(d.replicas.desired) },
    { header: 'READY', value: (d) => String(d.replicas.ready) },
    { header: 'TARGET', value: (d) => count(d.replicas.target) },
    { header: 'PEAK', value: (d) => count(d.replicas.peak) },
    { header: 'NEXT-PEAK', value: nextPeak },
    { header: 'IN', value: peakIn },
    { header: 'MODEL', value: (d) => d.forecast?.model ?? '-' },
    { header: 'REL-MAE', value: (d) => (d.forecast?.recentRelMae === undefined ? '-' : d.forecast.recentRelMae.toFixed(2)) },
    { header: 'CAPACITY', value: capacity },
    { header: 'MARGIN', value: (d) => (d.forecast?.margin === undefined ? '-' : `${d.forecast.margin.toFixed(2)}x`) },
    { header: 'SURGE-FLOOR', value: (d) => (d.forecast?.surgeFloorRps === undefined ? '-' : `${formatNumber(d.forecast.surgeFloorRps)}rps`) },
    { header: 'MIN', value: (d) => count(d.bounds.min), wide: true },
    { header: 'MAX', value: (d) => count(d.bounds.max), wide: true },
    { header: 'BAND', value: (d) => (d.forecast ? `${formatNumber(d.forecast.nextPeak.upperRps)}rps` : '-'), wide: true },
    { header: 'FORECAST-AGE', value: (d) => (d.forecast ? `${humanDuration(d.forecast.ageSeconds)}${d.forecast.stale ? ' (stale)' : ''}` : '-'), wide: true },
    { header: 'RPS-PER-POD', value: (d) => formatNumber(d.targetRpsPerPod), wide: true },
    { header: 'WARNINGS', value: (d) => String(d.warnings.length), wide: true },
  ];
  return allNamespaces ? [{ header: 'NAMESPACE', value: (d) => d.namespace }, ...columns] : columns;
}

export const poolColumns: Array<Column<PoolSummary>> = [
  { header: 'NODEPOOL', value: (p) => p.nodePool },
  { header: 'NODES', value: (p) => String(p.nodes) },
  { header: 'PENDING', value: (p) => String(p.pending) },
  { header: 'INSTANCE-TYPES', value: (p) => p.instanceTypes.map((t) => `${t.type}(${t.count})`).join(',') },
  { header: 'COST/HOUR', value: (p) => `${formatDollars(p.costPerHour)}${p.unpriced ? ` (+${p.unpriced} unpriced)` : ''}` },
  { header: 'PREDICTED', value: (p) => String(p.predicted), wide: true },
];

export function renderStatusTable(report: StatusReport, wide: boolean): string {
  const source = report.cluster.modeSource === 'configmap' ? 'smartscale-config' : report.cluster.installed ? 'default' : 'default; smartscale not installed';
  const parts = [`Cluster mode: ${report.cluster.mode} (${source})   Context: ${report.context}\n`];
  if (report.deployments.length === 0) {
    parts.push(report.namespace === null ? 'No opted-in Deployments in any namespace.\n' : `No opted-in Deployments in namespace ${report.namespace}.\n`);
  } else {
    parts.push(renderTable(deploymentColumns(report.namespace === null), report.deployments, wide));
    parts.push('(* mode inherited from the cluster)\n');
  }
  if (report.nodePools !== null) {
    parts.push(report.nodePools.length === 0 ? 'No nodes launched by smartscale.\n' : renderTable(poolColumns, report.nodePools, wide));
  }
  return printableLines(parts.join('\n'));
}
