/**
 * The self-contained HTML report: per trace, the summary table, demand vs ready capacity per
 * strategy, nodes and cumulative cost over time, and (with --sweep) the cost-vs-unserved frontier.
 * One file, inline CSS and SVG, no scripts, no network.
 */
import { FRONTIER_UNSERVED_PCT } from '../frontier.js';
import type { SimulationResult } from '../simulate.js';
import { escapeXml, frontierChart, timeChart } from './svg.js';

export const STRATEGY_COLORS: Record<string, string> = {
  'reactive-hpa-ca': '#8c564b',
  'reactive-karpenter': '#ff7f0e',
  overprovisioned: '#9467bd',
  smartscale: '#1f77b4',
  oracle: '#2ca02c',
};

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1320px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
p.meta{color:#666;margin:0 0 12px}
table{border-collapse:collapse;margin:8px 0 16px}th,td{padding:4px 10px;text-align:right;border-bottom:1px solid #eee}
th:first-child,td:first-child{text-align:left}th{background:#f6f6f6;font-weight:600}
td.best{font-weight:700}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.grid-2{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px}
svg{max-width:100%;height:auto;font:11px system-ui,sans-serif}
svg .title{font-size:13px;font-weight:600;fill:#222}svg .axis{fill:#555}svg .grid{stroke:#eee}svg .plot{fill:none;stroke:#bbb}
`;

const fmt = (v: number | null | undefined, digits: number) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

function summaryTable(r: SimulationResult): string {
  const rows = Object.entries(r.summary.strategies);
  const minUnserved = Math.min(...rows.filter(([n]) => n !== 'oracle').map(([, s]) => s.unservedPct));
  const head = '<tr><th>strategy</th><th>cost (USD)</th><th>cost ÷ oracle</th><th>unserved %</th><th>violation min</th><th>launches</th><th>terminations</th><th>mean nodes</th><th>p95 nodes</th>' +
    (r.summary.spot ? '<th>spot interruptions</th>' : '') +
    (r.summary.frontier ? '<th>cost at 0.1% unserved</th>' : '') + '</tr>';
  const body = rows
    .map(([name, s]) => {
      const f = r.summary.frontier?.[name];
      return (
        `<tr><td><span class="swatch" style="background:${STRATEGY_COLORS[name] ?? '#999'}"></span>${escapeXml(name)}</td>` +
        `<td>${fmt(s.costUsd, 2)}</td><td>${fmt(s.costRatio, 2)}</td>` +
        `<td class="${name !== 'oracle' && s.unservedPct === minUnserved ? 'best' : ''}">${fmt(s.unservedPct, 4)}</td>` +
        `<td>${s.violationMinutes}</td><td>${s.launches}</td><td>${s.terminations}</td><td>${fmt(s.meanNodes, 1)}</td><td>${s.p95Nodes}</td>` +
        (r.summary.spot ? `<td>${s.interruptions}</td>` : '') +
        (r.summary.frontier ? `<td>${f?.costAtUnserved0_1 === null || f === undefined ? 'not reached' : fmt(f.costAtUnserved0_1, 2)}</td>` : '') +
        `</tr>`
      );
    })
    .join('');
  return `<table>${head}${body}</table>`;
}

function traceSection(r: SimulationResult): string {
  const names = Object.keys(r.summary.strategies);
  const oracle = r.metrics.oracle;
  const t = oracle.series.t;
  let html = `<h2>${escapeXml(r.summary.trace)}</h2>`;
  html += `<p class="meta">${r.summary.days} days · HPA target ${r.knobs.hpaTarget} · headroom ${r.knobs.headroom} · smartscale band quantile ${r.knobs.quantile} at utilization ${r.knobs.utilization}${r.summary.spot ? ` · spot share ${r.summary.spot.share}, ${r.summary.spot.interruptionsPer30Days} of spot instances interrupted per 30 days` : ''} · simulated in ${r.summary.seconds} s</p>`;
  html += summaryTable(r);
  if (r.sweep) {
    const series = Object.entries(r.sweep).map(([name, pts]) => ({
      label: name,
      color: STRATEGY_COLORS[name] ?? '#999',
      points: pts.map((p) => ({ x: p.unservedPct, y: p.costUsd, note: p.label ?? `knob ${p.knob}` })),
    }));
    html += frontierChart(
      { width: 1280, height: 380, title: 'Cost vs unserved requests across each strategy’s knob (lower-left is better)', yLabel: 'cost (USD)' },
      'unserved requests (% of all, log scale)',
      series,
      FRONTIER_UNSERVED_PCT,
      { y: oracle.costUsd, label: `oracle: $${oracle.costUsd.toFixed(2)} with nothing unserved (lower bound)`, color: STRATEGY_COLORS.oracle },
    );
  }
  html += '<div class="grid-2">';
  // One y scale for all panels, so capacity is comparable at a glance.
  let panelMax = 0;
  for (const name of names) for (const v of [...r.metrics[name].series.readyPods, ...r.metrics[name].series.demandPods]) panelMax = Math.max(panelMax, v);
  for (const name of names) {
    if (name === 'oracle') continue;
    const m = r.metrics[name];
    html += timeChart({ width: 640, height: 220, title: `${name}: demand vs ready capacity`, yLabel: 'pods' }, m.series.t, [
      { label: 'ready pods', color: STRATEGY_COLORS[name] ?? '#999', ys: m.series.readyPods, area: true },
      { label: 'demand (pods)', color: '#222', ys: m.series.demandPods },
    ], panelMax);
  }
  html += '</div>';
  const lines = (key: 'nodes' | 'costUsd') => names.map((name) => ({ label: name, color: STRATEGY_COLORS[name] ?? '#999', ys: r.metrics[name].series[key], dashed: name === 'oracle' }));
  html += timeChart({ width: 1280, height: 300, title: 'Nodes over time', yLabel: 'nodes' }, t, lines('nodes'));
  html += timeChart({ width: 1280, height: 300, title: 'Cumulative cost', yLabel: 'USD' }, t, lines('costUsd'));
  return html;
}

export function renderReport(results: readonly SimulationResult[], generatedAt: string): string {
  const body = results.map(traceSection).join('\n');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>smartscale simulation report</title>` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head><body>` +
    `<h1>smartscale simulation report</h1>` +
    `<p class="meta">Generated ${escapeXml(generatedAt)}. Each strategy replays the same demand on the same simulated cluster; ` +
    `the oracle (perfect foresight, perfect packing) is the cost lower bound with nothing unserved. Demand and capacity are in pods ` +
    `(requests per second ÷ per-pod capacity).</p>` +
    body +
    `</body></html>\n`
  );
}
