/** Small formatters shared by the tables: ages like kubectl's, numbers, money, percentages. */

/** kubectl's human duration (apimachinery duration.HumanDuration): 45s, 5m30s, 150m, 5h20m, 3d4h, 400d, 2y10d. */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < -1) return '<invalid>';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  const days = Math.floor(h / 24);
  if (h < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/** Age of a timestamp (ISO string) at `nowSeconds`; "-" when absent or unreadable. */
export function age(timestamp: string | undefined, nowSeconds: number): string {
  if (!timestamp) return '-';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '-' : humanDuration(nowSeconds - t / 1000);
}

/** A rate or count with at most three significant decimals, no exponent: 1234, 12.5, 0.125. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 100) return String(Math.round(value));
  if (abs >= 10) return String(Math.round(value * 10) / 10);
  return String(Math.round(value * 1000) / 1000);
}

export function formatDollars(perHour: number | undefined): string {
  if (perHour === undefined || !Number.isFinite(perHour)) return '-';
  return `$${perHour.toFixed(3)}`;
}

export function formatPercent(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '-';
  return `${Math.round(fraction * 100)}%`;
}

/** "a, b (+3)" — a list shortened for a table cell. */
export function shortList(items: readonly string[], max = 3): string {
  if (items.length === 0) return '-';
  return items.length <= max ? items.join(',') : `${items.slice(0, max).join(',')},+${items.length - max}`;
}
