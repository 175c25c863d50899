import { printable } from '../../core/text/printable.js';

/**
 * kubectl-style tables: upper-case headers, left-aligned columns separated by three spaces, no
 * borders, `<none>`-free (an unknown value prints as `-`). Wide columns appear only with `-o wide`.
 */
export interface Column<T> {
  header: string;
  value(row: T): string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
}

export function renderTable<T>(columns: ReadonlyArray<Column<T>>, rows: readonly T[], wide = false): string {
  const shown = columns.filter((c) => wide || !c.wide);
  const cells = [shown.map((c) => c.header), ...rows.map((r) => shown.map((c) => oneLine(c.value(r))))];
  const widths = shown.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ').trimEnd()).join('\n') + '\n';
}

/** A cell on one line, with nothing a terminal would act on (cells carry what the cluster says). */
function oneLine(text: string): string {
  const t = printable(text).replace(/\s+/g, ' ').trim();
  return t === '' ? '-' : t;
}
