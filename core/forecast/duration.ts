/** Durations in whole seconds for command-line flags (`90s`, `15m`, `1h30m`, `2d`); one grammar for the whole project. */
import { DurationError, parseDurationMs } from '../model/duration.js';

/** Seconds in `text`; throws a RangeError naming the input when it is not a whole-second duration. */
export function parseDuration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms % 1000 !== 0) throw new DurationError(text);
  return ms / 1000;
}
