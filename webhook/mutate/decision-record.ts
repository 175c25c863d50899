/** Reading and writing the `smartscale.io/decision` annotation. */
import { isMode } from '../../core/model/annotations.js';
import type { DecisionAction, DecisionRecord } from './types.js';

const ACTIONS: ReadonlySet<string> = new Set<DecisionAction>(['skip', 'scale-up', 'scale-down', 'hold', 'observe', 'hpa-owned', 'no-action']);
const MAX_LENGTH = 1024;

/** Compact JSON with a fixed field order, so the same decision always gives the same text. */
export function formatDecisionRecord(d: DecisionRecord): string {
  // Built as text: it runs on every admission and the fields are known (action and mode are fixed words).
  let text = `{"action":"${d.action}","mode":"${d.mode}","reason":${JSON.stringify(d.reason)}`;
  if (d.forecastAt !== undefined) text += `,"forecastAt":${d.forecastAt}`;
  if (d.from !== undefined) text += `,"from":${d.from}`;
  if (d.to !== undefined) text += `,"to":${d.to}`;
  return `${text}}`;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1e12;

/** Reads a record back; anything malformed is `undefined` (the webhook then decides afresh). */
export function parseDecisionRecord(raw: string | undefined): DecisionRecord | undefined {
  if (raw === undefined || raw.length > MAX_LENGTH) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const r = data as Record<string, unknown>;
  if (typeof r.action !== 'string' || !ACTIONS.has(r.action) || !isMode(r.mode) || typeof r.reason !== 'string') return undefined;
  const record: DecisionRecord = { action: r.action as DecisionAction, mode: r.mode, reason: r.reason };
  // The forecast's generatedAt as written, fractions included: a record that did not read back
  // would make every write of the same forecast damp again.
  if (typeof r.forecastAt === 'number' && Number.isFinite(r.forecastAt) && r.forecastAt >= 0 && r.forecastAt <= 1e12) record.forecastAt = r.forecastAt;
  if (isCount(r.from)) record.from = r.from;
  if (isCount(r.to)) record.to = r.to;
  return record;
}
