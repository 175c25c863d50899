/**
 * The cost-vs-unserved frontier of `--sweep`: each strategy run across its own aggressiveness knob,
 * and its cost at 0.1% unserved read off the curve.
 */

export interface SweepPoint {
  /** Position on the strategy's knob, increasing with aggressiveness. */
  readonly knob: number;
  /** The setting in words (e.g. `HPA target 0.7`). */
  readonly label?: string;
  readonly costUsd: number;
  readonly unservedPct: number;
}

/** The unserved level the headline compares at, in percent. */
export const FRONTIER_UNSERVED_PCT = 0.1;

/**
 * The lowest cost at which the strategy's curve — its points joined in knob order, linearly —
 * leaves at most `levelPct` unserved. A segment that crosses the level contributes the cost
 * interpolated at the crossing; a point at or under it contributes its own cost. Null when no
 * setting reaches the level.
 */
export function costAtUnserved(points: readonly SweepPoint[], levelPct = FRONTIER_UNSERVED_PCT): number | null {
  const sorted = [...points].sort((a, b) => a.knob - b.knob);
  let best = Infinity;
  for (const p of sorted) if (p.unservedPct <= levelPct) best = Math.min(best, p.costUsd);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    const lo = Math.min(a.unservedPct, b.unservedPct);
    const hi = Math.max(a.unservedPct, b.unservedPct);
    if (!(lo <= levelPct && levelPct <= hi) || hi === lo) continue;
    const f = (levelPct - a.unservedPct) / (b.unservedPct - a.unservedPct);
    best = Math.min(best, a.costUsd + f * (b.costUsd - a.costUsd));
  }
  return Number.isFinite(best) ? best : null;
}
