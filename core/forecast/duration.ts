/** Durations as users type them on the command line: `90s`, `15m`, `1h`, `2d`, `1w`, or combined `1h30m`. */

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds in `text`; throws a RangeError naming the input when it is not a duration. */
export function parseDuration(text: string): number {
  const t = String(text).trim();
  if (!/^(\d+[smhdw])+$/.test(t)) {
    throw new RangeError(`invalid duration ${JSON.stringify(t.slice(0, 40))}: expected e.g. 90s, 15m, 1h, 2d, 1h30m`);
  }
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNITS[unit];
  if (!Number.isSafeInteger(seconds)) throw new RangeError(`duration ${JSON.stringify(t.slice(0, 40))} is too long`);
  return seconds;
}
