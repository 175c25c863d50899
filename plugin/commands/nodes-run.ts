/** What `kubectl smartscale nodes` runs (nodes.ts declares it; this loads only when it runs). */
import { printableLines } from '../../core/text/printable.js';
import { clusterNow, nowSeconds, warn, type CommonArgs } from '../cluster/command.js';
import { gatherNodes } from '../cluster/nodes.js';
import { openSession } from '../cluster/session.js';
import { formatDurationMs } from '../../core/model/duration.js';
import { formatDollars } from '../render/format.js';
import { isStructured, parseOutputFormat, renderData } from '../render/output.js';
import { renderTable } from '../render/table.js';
import { nodeColumns } from './nodes.js';

export async function runNodes(args: CommonArgs): Promise<void> {
  const format = parseOutputFormat(args.output);
  const session = openSession(args);
  try {
    const report = await gatherNodes(session.client, Date.now(), session.home);
    warn(report.warnings);
    if (isStructured(format)) {
      process.stdout.write(renderData(report, format));
      return;
    }
    if (report.nodes.length === 0) {
      process.stdout.write('No nodes.\n');
      return;
    }
    // Nodes created "in the future" (a sandbox at --speed 600) are aged from the newest one.
    const newest = report.nodes.reduce((max, n) => Math.max(max, n.createdAt ? Date.parse(n.createdAt) / 1000 : -Infinity), -Infinity);
    const clock = clusterNow(nowSeconds(), Number.isFinite(newest) ? newest : undefined, 'the newest node');
    warn(clock.warning ? [clock.warning] : []);
    let out = renderTable(nodeColumns(clock.nowSeconds), report.nodes, format === 'wide');
    const repairs = report.nodes.filter((n) => n.repair);
    if (repairs.length > 0) out += `\nNode repair:\n${repairs.map((n) => `  ${n.node === '-' ? n.nodeClaim : n.node}: ${n.repair}`).join('\n')}\n`;
    const unhealthy = report.nodes.filter((n) => n.unhealthy);
    if (unhealthy.length > 0) {
      const line = (n: (typeof unhealthy)[number]) => `  ${n.node}: ${n.unhealthy!.condition}; node repair replaces it once this lasts ${Math.round(n.unhealthy!.repairAfterMs / 60_000)}m${n.nodeClaim ? '' : ' (if smartscale launched it)'}`;
      out += `\nUnhealthy (a problem detector's condition; the kubelet says Ready):\n${unhealthy.map(line).join('\n')}\n`;
    }
    const interrupted = report.nodes.filter((n) => n.interrupted);
    if (interrupted.length > 0) out += `\nInterrupted (cordoned; pods moved once their new capacity is Ready, before the cloud takes the instance):\n${interrupted.map((n) => `  ${n.node === '-' ? n.nodeClaim : n.node}: ${n.interrupted}`).join('\n')}\n`;
    const drifted = report.nodes.filter((n) => n.drifted);
    if (drifted.length > 0) out += `\nDrifted (the disruption loop replaces these in optimize mode, within the pool's budgets):\n${drifted.map((n) => `  ${n.node}: ${n.drifted}`).join('\n')}\n`;
    const c = report.consolidation;
    if (c.available) {
      if (c.next) {
        const replace = c.next.replacements.length > 0 ? `, replaced by ${c.next.replacements.join(', ')}` : '';
        const money = c.next.savingsPerHour >= 0 ? `saving ${formatDollars(c.next.savingsPerHour)}/hour` : `costing ${formatDollars(-c.next.savingsPerHour)}/hour more`;
        // Expiry and drift replace nodes whatever they cost, and do not wait for consolidate-after.
        const replacing = c.next.method === 'Expiration' || c.next.method === 'Drift';
        out += replacing
          ? `\nNext disruption: ${c.next.method} of ${c.next.nodes.join(', ')}${replace}, ${money}: ${c.next.message}\n`
          : `\nNext consolidation (${whenConsolidated(c.next.waitMs)}): ${c.next.method} of ${c.next.nodes.join(', ')}${replace}, ${money}: ${c.next.message}\n`;
      } else out += '\nNext consolidation: none — every node is needed for the current and predicted pods, or blocked.\n';
      for (const b of c.blocked ?? []) out += `  ${b.node}: not considered (${b.reason})\n`;
    }
    // Reasons and messages under the table are the cluster's (conditions, claims' status).
    process.stdout.write(printableLines(out));
  } finally {
    session.close();
  }
}

/** When the previewed consolidation can happen: its nodes' consolidate-after, as far as the cluster records it. */
function whenConsolidated(waitMs: number | undefined): string {
  if (waitMs === undefined) return 'once consolidate-after has passed';
  if (waitMs === 0) return 'consolidate-after has passed: due now';
  if (!Number.isFinite(waitMs)) return 'never: the pool does not consolidate';
  return `once consolidate-after has passed, in ${formatDurationMs(Math.ceil(waitMs / 1000) * 1000)}`;
}
