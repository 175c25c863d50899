/**
 * A `smartscale.io/v1` NodePool object, as read from the API, → the planner's NodePool.
 *
 * The CRD schema already rejects most bad shapes at the API server; this is the second line (a
 * schema can't check cron syntax, `Gt` values or budgets without a duration) and the only line on
 * clusters where the schema was edited. It never throws: an invalid pool comes back with the list
 * of reasons, which the controller puts on the pool's Ready condition and in an Event.
 */
import { CronExpressionParser } from 'cron-parser';
import { nearestName, truncate } from '../annotations.js';
import { parseOptionalDurationMs, parseDurationMs } from '../duration.js';
import {
  DEFAULT_DISRUPTION,
  DISRUPTION_REASONS,
  type ConsolidationPolicy,
  type DisruptionBudget,
  type DisruptionReason,
  type NodePool,
  type NodePoolLimits,
} from '../node-pool.js';
import { parseNonNegativeMilli, parseNonNegativeUnits } from '../quantity.js';
import { validateRequirement, type Requirement } from '../requirements.js';
import type { Taint, TaintEffect } from '../scheduling-constraints.js';

export const NODE_POOL_API_VERSION = 'smartscale.io/v1';

export interface ParsedNodePool {
  /** The pool, when it is usable. */
  nodePool?: NodePool;
  /** Why it is not usable (or what was ignored), one sentence each naming the field. */
  errors: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function parseTaints(raw: unknown, field: string, errors: string[]): Taint[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    errors.push(`${field} must be a list`);
    return [];
  }
  const taints: Taint[] = [];
  raw.forEach((t, i) => {
    if (!isObject(t) || typeof t.key !== 'string' || t.key.length === 0 || !TAINT_EFFECTS.includes(t.effect as TaintEffect)) {
      errors.push(`${field}[${i}] needs a key and an effect of ${TAINT_EFFECTS.join(', ')}`);
      return;
    }
    if (t.value !== undefined && t.value !== null && typeof t.value !== 'string') {
      // Dropping it would make a taint that any toleration of the key matches; YAML reads `value: 1` as a number.
      errors.push(`${field}[${i}].value must be a string (quote it in YAML: value: "${truncate(String(t.value))}")`);
      return;
    }
    taints.push({ key: t.key, effect: t.effect as TaintEffect, ...(typeof t.value === 'string' ? { value: t.value } : {}) });
  });
  return taints;
}

/** The limits a pool may set, each with how it is read. */
const LIMIT_KEYS = ['cpu', 'memory', 'nvidia.com/gpu', 'nodes'] as const;

/** A count of whole things (nodes, GPUs): rounding `2.5` up would loosen the limit, so it is refused. */
function parseWholeCount(text: string): number {
  if (!/^\d{1,9}$/.test(text.trim())) throw new RangeError(`${JSON.stringify(truncate(text))} is not a whole number`);
  return Number(text.trim());
}

function parseLimits(raw: unknown, errors: string[]): NodePoolLimits {
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    errors.push('spec.limits must be an object');
    return {};
  }
  // A limit smartscale does not know (`cpus`) would leave the pool unlimited without a word.
  for (const key of Object.keys(raw)) {
    if ((LIMIT_KEYS as readonly string[]).includes(key)) continue;
    // `gpu` is one letter from `cpu`: say what was surely meant; another vendor's resource gets the list.
    const best = /^gpus?$/i.test(key) ? 'nvidia.com/gpu' : key.includes('/') ? undefined : nearestName(key, LIMIT_KEYS);
    errors.push(`spec.limits.${truncate(key)} is not a limit smartscale enforces (${best ? `did you mean ${best}?` : `limits are ${LIMIT_KEYS.join(', ')}`})`);
  }
  const limits: { milliCpu?: number; memoryBytes?: number; gpus?: number; nodes?: number } = {};
  const read = (key: (typeof LIMIT_KEYS)[number], parse: (s: string) => number, set: (n: number) => void) => {
    if (raw[key] === undefined) return;
    try {
      set(parse(String(raw[key])));
    } catch (error) {
      errors.push(`spec.limits.${key}: ${(error as Error).message}`);
    }
  };
  read('cpu', parseNonNegativeMilli, (n) => (limits.milliCpu = n));
  read('memory', parseNonNegativeUnits, (n) => (limits.memoryBytes = n));
  read('nvidia.com/gpu', parseWholeCount, (n) => (limits.gpus = n));
  read('nodes', parseWholeCount, (n) => (limits.nodes = n));
  return limits;
}

function parseBudgets(raw: unknown, errors: string[]): DisruptionBudget[] {
  if (raw === undefined) return [...DEFAULT_DISRUPTION.budgets];
  if (!Array.isArray(raw)) {
    errors.push('spec.disruption.budgets must be a list');
    return [];
  }
  const budgets: DisruptionBudget[] = [];
  raw.forEach((b, i) => {
    const field = `spec.disruption.budgets[${i}]`;
    if (!isObject(b) || typeof b.nodes !== 'string' || !/^((100|[0-9]{1,2})%|[0-9]+)$/.test(b.nodes)) {
      errors.push(`${field}.nodes must be a count (5) or a percentage (10%)`);
      return;
    }
    const budget: { nodes: string; schedule?: string; durationMs?: number; reasons?: DisruptionReason[] } = { nodes: b.nodes };
    if (b.schedule !== undefined || b.duration !== undefined) {
      if (typeof b.schedule !== 'string' || typeof b.duration !== 'string') {
        errors.push(`${field}: schedule and duration go together`);
        return;
      }
      try {
        CronExpressionParser.parse(b.schedule, { tz: 'UTC' });
        budget.schedule = b.schedule;
      } catch {
        errors.push(`${field}.schedule ${JSON.stringify(truncate(b.schedule))} is not a cron expression`);
        return;
      }
      try {
        budget.durationMs = parseDurationMs(b.duration);
      } catch (error) {
        errors.push(`${field}.duration: ${(error as Error).message}`);
        return;
      }
    }
    if (b.reasons !== undefined) {
      if (!Array.isArray(b.reasons) || !b.reasons.every((r) => DISRUPTION_REASONS.includes(r as DisruptionReason))) {
        errors.push(`${field}.reasons must be a list of ${DISRUPTION_REASONS.join(', ')}`);
        return;
      }
      budget.reasons = b.reasons as DisruptionReason[];
    }
    budgets.push(budget);
  });
  return budgets;
}

function parseDurationField(raw: unknown, field: string, fallback: number | null, errors: string[], options: { positive?: boolean } = {}): number | null {
  if (raw === undefined) return fallback;
  let ms: number | null;
  try {
    ms = parseOptionalDurationMs(String(raw));
  } catch (error) {
    errors.push(`${field}: ${(error as Error).message} or Never`);
    return fallback;
  }
  if (options.positive && ms === 0) {
    errors.push(`${field}: ${JSON.stringify(truncate(String(raw)))} would expire every node as soon as it starts: use a positive duration such as 720h, or Never`);
    return fallback;
  }
  return ms;
}

/** Reads a NodePool API object. Never throws; `nodePool` is absent when the object is unusable. */
export function parseNodePoolResource(object: unknown): ParsedNodePool {
  const errors: string[] = [];
  if (!isObject(object) || !isObject(object.metadata) || typeof object.metadata.name !== 'string') {
    return { errors: ['not a NodePool object: metadata.name is missing'] };
  }
  const name = object.metadata.name;
  const spec = isObject(object.spec) ? object.spec : undefined;
  const template = spec && isObject(spec.template) ? spec.template : undefined;
  const templateSpec = template && isObject(template.spec) ? template.spec : undefined;
  if (!spec || !templateSpec) return { errors: ['spec.template.spec is required'] };

  const weight = spec.weight === undefined ? 0 : spec.weight;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
    errors.push('spec.weight must be a whole number from 0 to 100');
  }

  const requirements: Requirement[] = [];
  const rawRequirements = templateSpec.requirements ?? [];
  if (!Array.isArray(rawRequirements)) errors.push('spec.template.spec.requirements must be a list');
  else {
    rawRequirements.forEach((r, i) => {
      try {
        requirements.push(validateRequirement(r as Requirement, `spec.template.spec.requirements[${i}]`));
      } catch (error) {
        errors.push((error as Error).message);
      }
    });
  }

  const metadata = template && isObject(template.metadata) ? template.metadata : {};
  const labels: Record<string, string> = {};
  if (metadata.labels !== undefined) {
    if (!isObject(metadata.labels)) errors.push('spec.template.metadata.labels must be a map of strings');
    else {
      for (const [key, value] of Object.entries(metadata.labels)) {
        if (typeof value === 'string') labels[key] = value;
        else errors.push(`spec.template.metadata.labels.${truncate(key)} must be a string`);
      }
    }
  }

  const disruption = isObject(spec.disruption) ? spec.disruption : {};
  const policy = (disruption.consolidationPolicy ?? DEFAULT_DISRUPTION.consolidationPolicy) as ConsolidationPolicy;
  if (policy !== 'WhenEmpty' && policy !== 'WhenEmptyOrUnderutilized') {
    errors.push('spec.disruption.consolidationPolicy must be WhenEmpty or WhenEmptyOrUnderutilized');
  }

  let nodeClassRef: NodePool['nodeClassRef'];
  if (templateSpec.nodeClassRef !== undefined) {
    const ref = templateSpec.nodeClassRef;
    if (!isObject(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') {
      errors.push('spec.template.spec.nodeClassRef needs kind and name');
    } else {
      nodeClassRef = { kind: ref.kind, name: ref.name, ...(typeof ref.group === 'string' ? { group: ref.group } : {}) };
    }
  }

  const nodePool: NodePool = {
    name,
    weight: typeof weight === 'number' ? weight : 0,
    requirements,
    taints: parseTaints(templateSpec.taints, 'spec.template.spec.taints', errors),
    startupTaints: parseTaints(templateSpec.startupTaints, 'spec.template.spec.startupTaints', errors),
    labels,
    limits: parseLimits(spec.limits, errors),
    disruption: {
      consolidationPolicy: policy,
      consolidateAfterMs: parseDurationField(disruption.consolidateAfter, 'spec.disruption.consolidateAfter', 0, errors),
      expireAfterMs: parseDurationField(templateSpec.expireAfter, 'spec.template.spec.expireAfter', DEFAULT_DISRUPTION.expireAfterMs, errors, { positive: true }),
      budgets: parseBudgets(disruption.budgets, errors),
    },
    ...(nodeClassRef ? { nodeClassRef } : {}),
  };
  return errors.length === 0 ? { nodePool, errors } : { errors };
}
