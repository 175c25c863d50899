/**
 * Small inline-SVG charts for the report: line charts over time and an x-y frontier chart. Plain
 * strings, no dependencies, no network — the report must open from a file anywhere.
 */

export interface Line {
  readonly label: string;
  readonly color: string;
  readonly ys: readonly number[];
  /** Filled area under the line instead of a stroke. */
  readonly area?: boolean;
  readonly dashed?: boolean;
}

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly yLabel: string;
}

const PAD = { left: 62, right: 16, top: 30, bottom: 34 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "Nice" tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 100 || v === Math.round(v)) return String(Math.round(v));
  return String(+v.toPrecision(3));
}

function frame(box: ChartBox, body: string, legend: readonly Line[] | readonly { label: string; color: string }[]): string {
  const items = legend
    .map((l, i) => `<g transform="translate(${PAD.left + i * 150},${box.height - 6})"><rect width="12" height="4" y="-6" fill="${l.color}"/><text x="16" y="-2">${escapeXml(l.label)}</text></g>`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${box.width} ${box.height + 14}" width="${box.width}" height="${box.height + 14}" role="img" aria-label="${escapeXml(box.title)}">` +
    `<text class="title" x="${PAD.left}" y="18">${escapeXml(box.title)}</text>` +
    `<text class="axis" transform="translate(14,${(box.height) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(box.yLabel)}</text>` +
    body +
    items +
    `</svg>`
  );
}

/** Lines over time; `t` in seconds since the start, x axis labelled in days (hours under 2 days). */
export function timeChart(box: ChartBox, t: readonly number[], lines: readonly Line[], sharedMax?: number): string {
  const w = box.width - PAD.left - PAD.right;
  const h = box.height - PAD.top - PAD.bottom;
  const tMax = t.length ? t[t.length - 1] : 1;
  let yMax = sharedMax ?? 0;
  for (const l of lines) for (const y of l.ys) if (Number.isFinite(y)) yMax = Math.max(yMax, y);
  yMax = yMax > 0 ? yMax * 1.05 : 1;
  const x = (v: number) => PAD.left + (v / (tMax || 1)) * w;
  const y = (v: number) => PAD.top + h - (v / yMax) * h;
  let body = '';
  for (const v of niceTicks(0, yMax)) {
    body += `<line class="grid" x1="${PAD.left}" x2="${PAD.left + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`;
    body += `<text class="axis" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${formatTick(v)}</text>`;
  }
  // Short replays read better in hours.
  const [unit, suffix] = tMax < 2 * 86_400 ? [3600, ' h'] : [86_400, ' d'];
  for (const d of niceTicks(0, tMax / unit, 8)) {
    const px = x(d * unit);
    body += `<line class="grid" x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + h}"/>`;
    body += `<text class="axis" x="${px.toFixed(1)}" y="${PAD.top + h + 16}" text-anchor="middle">${formatTick(d)}${d === 0 ? suffix : ''}</text>`;
  }
  for (const l of lines) {
    if (l.ys.length === 0) continue;
    const pts = l.ys.map((v, i) => `${x(t[i]).toFixed(1)},${y(Number.isFinite(v) ? v : 0).toFixed(1)}`);
    if (l.area) {
      body += `<path d="M${x(t[0]).toFixed(1)},${y(0).toFixed(1)}L${pts.join('L')}L${x(t[t.length - 1]).toFixed(1)},${y(0).toFixed(1)}Z" fill="${l.color}" fill-opacity="0.35" stroke="none"/>`;
    } else {
      body += `<polyline points="${pts.join(' ')}" fill="none" stroke="${l.color}" stroke-width="1.2"${l.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
    }
  }
  body += `<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${w}" height="${h}"/>`;
  return frame(box, body, lines);
}

export interface XYSeries {
  readonly label: string;
  readonly color: string;
  readonly points: ReadonlyArray<{ x: number; y: number; note?: string }>;
}

/** Cost (y) against unserved % (x, log scale) per strategy, with a marker line at `xMark`. */
export function frontierChart(box: ChartBox, xLabel: string, series: readonly XYSeries[], xMark: number, floor?: { y: number; label: string; color: string }): string {
  const w = box.width - PAD.left - PAD.right;
  const h = box.height - PAD.top - PAD.bottom;
  const all = series.flatMap((s) => s.points);
  const xFloor = 1e-4;
  const xs = all.map((p) => Math.max(xFloor, p.x));
  const lxMin = Math.log10(Math.min(xMark / 10, ...xs));
  const lxMax = Math.log10(Math.max(xMark * 10, ...xs));
  let yMax = floor?.y ?? 0;
  for (const p of all) yMax = Math.max(yMax, p.y);
  yMax = yMax > 0 ? yMax * 1.08 : 1;
  const x = (v: number) => PAD.left + ((Math.log10(Math.max(xFloor, v)) - lxMin) / (lxMax - lxMin || 1)) * w;
  const y = (v: number) => PAD.top + h - (v / yMax) * h;
  let body = '';
  for (const v of niceTicks(0, yMax)) {
    body += `<line class="grid" x1="${PAD.left}" x2="${PAD.left + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`;
    body += `<text class="axis" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${formatTick(v)}</text>`;
  }
  for (let e = Math.ceil(lxMin); e <= Math.floor(lxMax); e++) {
    const px = x(10 ** e);
    body += `<line class="grid" x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + h}"/>`;
    body += `<text class="axis" x="${px.toFixed(1)}" y="${PAD.top + h + 16}" text-anchor="middle">${formatTick(10 ** e)}%</text>`;
  }
  const mx = x(xMark);
  body += `<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + h}" stroke="#c00" stroke-dasharray="5 4"/>`;
  body += `<text class="axis" x="${(mx + 4).toFixed(1)}" y="${PAD.top + 12}" fill="#c00">${formatTick(xMark)}% unserved</text>`;
  body += `<text class="axis" x="${PAD.left + w}" y="${PAD.top + h + 30}" text-anchor="end">${escapeXml(xLabel)}</text>`;
  if (floor) {
    body += `<line x1="${PAD.left}" x2="${PAD.left + w}" y1="${y(floor.y).toFixed(1)}" y2="${y(floor.y).toFixed(1)}" stroke="${floor.color}" stroke-dasharray="6 4"/>`;
    body += `<text class="axis" x="${PAD.left + 6}" y="${(y(floor.y) - 5).toFixed(1)}" fill="${floor.color}">${escapeXml(floor.label)}</text>`;
  }
  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) body += `<polyline points="${pts.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`;
    for (const p of pts) {
      body += `<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${escapeXml(`${s.label} ${p.note ?? ''}: ${p.x.toFixed(4)}% unserved, $${p.y.toFixed(2)}`)}</title></circle>`;
    }
  }
  body += `<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${w}" height="${h}"/>`;
  return frame(box, body, floor ? [...series, { label: 'oracle', color: floor.color }] : series);
}
