/**
 * Durations as Kubernetes users and Prometheus write them: `500ms`, `90s`, `15m`, `1h30m`, `2d`, `1w`.
 * One parser for flags, CRD fields and config keys, so `5m` means the same everywhere.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_PATTERN = /^(\d+(ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w)/g;

export class DurationError extends RangeError {
  constructor(readonly input: string) {
    super(`invalid duration ${JSON.stringify(String(input).slice(0, 40))}: expected e.g. 90s, 15m, 1h30m, 2d`);
    this.name = 'DurationError';
  }
}

/** Milliseconds in `text`; throws a DurationError naming the input when it is not a duration. */
export function parseDurationMs(text: string): number {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!DURATION_PATTERN.test(trimmed)) throw new DurationError(String(text));
  let ms = 0;
  for (const [, n, unit] of trimmed.matchAll(DURATION_PART)) ms += Number(n) * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) throw new DurationError(String(text));
  return ms;
}

/** Like parseDurationMs, but `Never` (the CRD spelling for "disabled") gives null. */
export function parseOptionalDurationMs(text: string): number | null {
  return typeof text === 'string' && text.trim() === 'Never' ? null : parseDurationMs(text);
}

/** The shortest spelling of a duration, e.g. 5_400_000 → `1h30m`; sub-second remainders in ms. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.round(ms);
  let text = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}
