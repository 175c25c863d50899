/**
 * The launch backoff as the API shows it: a NodePool's `status.launchRefusals`, one item per
 * backed-off request (pool + requirements), written by the leader and read back by whichever
 * process leads next (docs/adr/095-launch-backoff-in-the-nodepool-status.md).
 *
 * What is read back is validated item by item: anyone with access to the status subresource can
 * write there, so a bad item is skipped with a reason, never trusted and never thrown.
 */
import type { LaunchBackoff, LaunchBackoffEntry } from '../cloud/unavailable-offerings.js';

/** One item of `status.launchRefusals`. */
export interface LaunchRefusalStatus {
  key: string;
  reason: string;
  failures: number;
  /** RFC 3339 (milliseconds kept: the waits are in milliseconds). */
  refusedAt: string;
  retryAt: string;
}

const MAX_ITEMS = 100;
const MAX_KEY = 4096;
const MAX_REASON = 1000;

/**
 * The list to write for one pool: what the reader accepts back — the newest MAX_ITEMS entries (the
 * CRD caps the list, and a longer one would fail the whole status patch, conditions included),
 * keys no longer than MAX_KEY (an entry with a longer key stays in this process's memory only).
 */
export function launchRefusalsStatus(entries: readonly LaunchBackoffEntry[]): LaunchRefusalStatus[] {
  const writable = entries.filter((e) => e.key.length > 0 && e.key.length <= MAX_KEY);
  const newest = writable.length > MAX_ITEMS ? [...writable].sort((a, b) => b.refusedAt - a.refusedAt).slice(0, MAX_ITEMS) : writable;
  return newest.map((e) => ({
    key: e.key,
    reason: e.reason.slice(0, MAX_REASON),
    failures: e.failures,
    refusedAt: new Date(e.refusedAt).toISOString(),
    retryAt: new Date(e.retryAt).toISOString(),
  }));
}

/**
 * Takes over what a NodePool's status says into `backoff` (the items another leader wrote, or this
 * one before a restart); returns how many were adopted and why items were ignored. The provisioner
 * does this every pass; the lifecycle before it writes the pool's list, so a refusal recorded right
 * after taking over does not overwrite the previous leader's other items.
 */
export function restoreLaunchRefusals(backoff: LaunchBackoff, nodePool: string, status: unknown): { adopted: number; errors: string[] } {
  const { entries, errors } = parseLaunchRefusals(nodePool, status);
  let adopted = 0;
  for (const entry of entries) if (backoff.restore(entry) === 'adopted') adopted++;
  return { adopted, errors };
}

export interface ParsedLaunchRefusals {
  entries: LaunchBackoffEntry[];
  /** Why items (or the whole field) were ignored. */
  errors: string[];
}

/** Reads a NodePool's `status.launchRefusals` (absent → nothing); keys must belong to `nodePool`. */
export function parseLaunchRefusals(nodePool: string, status: unknown): ParsedLaunchRefusals {
  const out: ParsedLaunchRefusals = { entries: [], errors: [] };
  const field = isRecord(status) ? status.launchRefusals : undefined;
  if (field === undefined || field === null) return out;
  if (!Array.isArray(field)) {
    out.errors.push(`status.launchRefusals is ${typeof field}, not a list`);
    return out;
  }
  if (field.length > MAX_ITEMS) out.errors.push(`status.launchRefusals has ${field.length} items; read the first ${MAX_ITEMS}`);
  field.slice(0, MAX_ITEMS).forEach((item, i) => {
    const entry = parseItem(nodePool, item);
    if (typeof entry === 'string') out.errors.push(`status.launchRefusals[${i}]: ${entry}`);
    else out.entries.push(entry);
  });
  return out;
}

function parseItem(nodePool: string, item: unknown): LaunchBackoffEntry | string {
  if (!isRecord(item)) return 'not an object';
  const { key, reason, failures, refusedAt, retryAt } = item;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY) return 'key must be a non-empty string';
  if (!key.startsWith(`${nodePool}|`)) return `key ${JSON.stringify(key.slice(0, 80))} is not one of NodePool ${nodePool}'s`;
  if (reason !== undefined && typeof reason !== 'string') return 'reason must be a string';
  if (typeof failures !== 'number' || !Number.isInteger(failures) || failures < 1 || failures > 1000) return `failures must be an integer from 1 to 1000, got ${JSON.stringify(failures)}`;
  const refused = time(refusedAt);
  const retry = time(retryAt);
  if (refused === undefined) return `refusedAt ${JSON.stringify(refusedAt)} is not an RFC 3339 time`;
  if (retry === undefined) return `retryAt ${JSON.stringify(retryAt)} is not an RFC 3339 time`;
  if (retry < refused) return 'retryAt is before refusedAt';
  return { key, nodePool, reason: (reason ?? '').slice(0, MAX_REASON), failures, refusedAt: refused, retryAt: retry };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function time(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
