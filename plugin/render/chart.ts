/**
 * A terminal chart of one forecast: demand (requests/second) up, time to the right. The expected
 * demand is drawn with `*`, the band up to its upper quantile is shaded with `:`, and the demand
 * observed when the forecast was made is the `o` in the first column. Plain ASCII, so it survives
 * any terminal, pager or log file.
 */
import { formatNumber, humanDuration } from './format.js';

export interface ChartSeries {
  /** Demand observed at generation time, drawn at the left edge. */
  observed?: number;
  point: readonly number[];
  upper: readonly number[];
  stepSeconds: number;
}

export interface ChartOptions {
  /** Plot columns (excluding the axis labels); horizons longer than this are downsampled by maximum. */
  width?: number;
  height?: number;
}

/** The largest value; a loop, since spreading a long horizon into Math.max overflows the stack. */
function maxOf(values: readonly number[], start = 0, end = values.length): number {
  let max = -Infinity;
  for (let i = start; i < end; i++) if (values[i] > max) max = values[i];
  return max;
}

/** Downsamples to `width` columns by taking each bucket's maximum (peaks must stay visible). */
function columns(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let c = 0; c < width; c++) {
    const from = Math.floor((c * values.length) / width);
    const to = Math.max(from + 1, Math.floor(((c + 1) * values.length) / width));
    out.push(maxOf(values, from, to));
  }
  return out;
}

export function renderForecastChart(series: ChartSeries, options: ChartOptions = {}): string {
  const width = Math.max(8, options.width ?? 60);
  const height = Math.max(4, options.height ?? 12);
  // Short horizons are stretched (each step drawn k columns wide), long ones downsampled by maximum.
  const stretch = Math.max(1, Math.floor((width - 1) / Math.max(1, series.point.length)));
  const widen = (values: readonly number[]) => columns(values, width - 1).flatMap((v) => Array.from({ length: stretch }, () => v));
  const point = widen(series.point);
  const upper = widen(series.upper);
  const top = Math.max(maxOf(upper), maxOf(point), series.observed ?? 0);
  const scale = top > 0 ? top : 1;
  const row = (v: number) => Math.min(height - 1, Math.round((v / scale) * (height - 1)));
  const grid: string[][] = Array.from({ length: height }, () => Array.from({ length: point.length + 1 }, () => ' '));
  const put = (r: number, c: number, ch: string) => {
    grid[height - 1 - r][c] = ch;
  };
  if (series.observed !== undefined) put(row(series.observed), 0, 'o');
  for (let i = 0; i < point.length; i++) {
    const c = i + 1;
    for (let r = row(point[i]) + 1; r <= row(upper[i]); r++) put(r, c, ':');
    put(row(point[i]), c, '*');
  }
  const middle = Math.round((height - 1) / 2);
  const labelFor = (r: number) => (r === height - 1 ? formatNumber(top) : r === 0 ? '0' : r === middle ? formatNumber((scale * r) / (height - 1)) : '');
  const labelWidth = Math.max(labelFor(height - 1).length, labelFor(middle).length, 1);
  const lines = grid.map((cells, i) => `${labelFor(height - 1 - i).padStart(labelWidth)} |${cells.join('').trimEnd()}`);
  const span = series.point.length * series.stepSeconds;
  const axis = `${' '.repeat(labelWidth)} +${'-'.repeat(point.length + 1)}`;
  const left = 'now';
  const right = `+${humanDuration(span)}`;
  const ticks = `${' '.repeat(labelWidth + 2)}${left}${right.padStart(Math.max(right.length, point.length + 1 - left.length))}`;
  const legend = `${' '.repeat(labelWidth + 2)}o observed   * expected   : band   (requests/second)`;
  return [...lines, axis, ticks, legend].join('\n') + '\n';
}
