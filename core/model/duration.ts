/**
 * Durations as Kubernetes users and Prometheus write them: `500ms`, `90s`, `15m`, `1h30m`, `2d`, `1w`.
 * One parser for flags, CRD fields and config keys, so `5m` means the same everywhere.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_PATTERN = /^(\d+(ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w)/g;
const FRACTION_PATTERN = /^(\d*\.\d+|\d+\.)(ms|s|m|h|d|w)$/;

/** What the input should have been, when that can be said: a fraction in whole units, a repeated unit. */
function durationHint(text: string): string {
  const fraction = FRACTION_PATTERN.exec(text);
  if (fraction) {
    const ms = Number(fraction[1]) * UNIT_MS[fraction[2]];
    const whole = Number.isSafeInteger(Math.round(ms * 1000) / 1000) && ms > 0 ? formatDurationMs(ms) : undefined;
    return `fractions are not accepted${whole ? `; write ${whole}` : ''}`;
  }
  if (DURATION_PATTERN.test(text)) return 'each unit at most once, largest first (1h30m)';
  return 'expected e.g. 90s, 15m, 1h30m, 2d';
}

export class DurationError extends RangeError {
  constructor(readonly input: string) {
    super(`invalid duration ${JSON.stringify(String(input).slice(0, 40))}: ${durationHint(typeof input === 'string' ? input.trim() : '')}`);
    this.name = 'DurationError';
  }
}

/**
 * Milliseconds in `text`; throws a DurationError naming the input when it is not a duration. Units
 * come largest first, each at most once (as Prometheus requires): `1h1h` or `30m1h` is a typo, not
 * a sum.
 */
export function parseDurationMs(text: string): number {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!DURATION_PATTERN.test(trimmed)) throw new DurationError(String(text));
  let ms = 0;
  let previousUnitMs = Infinity;
  for (const [, n, unit] of trimmed.matchAll(DURATION_PART)) {
    if (UNIT_MS[unit] >= previousUnitMs) throw new DurationError(String(text));
    previousUnitMs = UNIT_MS[unit];
    ms += Number(n) * UNIT_MS[unit];
  }
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
