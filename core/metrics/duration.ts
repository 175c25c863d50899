/**
 * Durations as Prometheus writes them (`90s`, `5m`, `1h30m`, `14d`, `2w`), in seconds.
 * Used for flags, the smartscale-config keys and rate windows. Pure; returns undefined on bad input.
 */
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
const DURATION = /^((\d+)(ms|s|m|h|d|w|y))+$/;
const PART = /(\d+)(ms|s|m|h|d|w|y)/g;

export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let seconds = 0;
  for (const match of trimmed.matchAll(PART)) seconds += Number(match[1]) * UNIT_SECONDS[match[2]];
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** The shortest Prometheus spelling of a whole number of seconds, e.g. 5400 → `1h30m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) return `${Math.max(0, Math.round(seconds * 1000))}ms`;
  let rest = seconds;
  let text = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}
