/**
 * Reads a NodePool custom resource's `spec` (Karpenter's `karpenter.sh/v1` shape, group
 * `smartscale.io`) into a NodePool, validating everything and naming the field that is wrong.
 *
 *   spec:
 *     weight: 10
 *     template:
 *       metadata: { labels: {…} }
 *       spec: { requirements: […], taints: […], startupTaints: […], nodeClassRef: {…}, expireAfter: 720h | Never }
 *     disruption: { consolidationPolicy, consolidateAfter: 30s | Never, budgets: [{ nodes, schedule, duration, reasons }] }
 *     limits: { cpu: "1000", memory: 1000Gi, nvidia.com/gpu: 8, nodes: 50 }
 *
 * Cron syntax of budget schedules is checked where budgets are evaluated (core/disruption).
 */
import { Labels } from './labels.js';
import type { DisruptionBudget, DisruptionReason, NodePool, NodePoolLimits } from './node-pool.js';
import { DEFAULT_DISRUPTION, DISRUPTION_REASONS } from './node-pool.js';
import { parseNonNegativeMilli, parseNonNegativeUnits } from './quantity.js';
import { validateRequirement, type Requirement } from './requirements.js';
import type { Taint, TaintEffect } from './scheduling-constraints.js';

export class NodePoolSpecError extends Error {
  constructor(
    readonly pool: string,
    readonly field: string,
    reason: string,
  ) {
    super(`NodePool ${pool}: ${field}: ${reason}`);
    this.name = 'NodePoolSpecError';
  }
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go duration (`30s`, `1h30m`, `720h`) → milliseconds; `Never` → null. */
export function parseDuration(text: string): number | null {
  if (text === 'Never') return null;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) throw new Error(`expected a duration like 30s, 15m, 720h or Never, got ${JSON.stringify(text)}`);
  let total = 0;
  for (const [, value, , unit] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(value) * DURATION_UNITS[unit];
  return Math.round(total);
}

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, fail: (reason: string) => never): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v)) fail('expected a map of strings');
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== 'string') fail(`value of ${k} must be a string`);
    out[k] = value;
  }
  return out;
}

const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function taints(v: unknown, field: string, pool: string): Taint[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new NodePoolSpecError(pool, field, 'expected a list');
  return v.map((t, i) => {
    const where = `${field}[${i}]`;
    if (!isObject(t) || typeof t.key !== 'string' || t.key === '') throw new NodePoolSpecError(pool, where, 'key must be a non-empty string');
    if (!TAINT_EFFECTS.includes(t.effect as TaintEffect)) throw new NodePoolSpecError(pool, where, `effect must be one of ${TAINT_EFFECTS.join(', ')}`);
    if (t.value !== undefined && typeof t.value !== 'string') throw new NodePoolSpecError(pool, where, 'value must be a string');
    return { key: t.key, value: t.value as string | undefined, effect: t.effect as TaintEffect };
  });
}

function limits(v: unknown, pool: string): NodePoolLimits {
  if (v === undefined) return {};
  if (!isObject(v)) throw new NodePoolSpecError(pool, 'limits', 'expected a map');
  const read = (name: string, parse: (s: string) => number): number | undefined => {
    const raw = v[name];
    if (raw === undefined) return undefined;
    try {
      return parse(String(raw));
    } catch (error) {
      throw new NodePoolSpecError(pool, `limits.${name}`, (error as Error).message);
    }
  };
  for (const key of Object.keys(v)) {
    if (!['cpu', 'memory', 'nvidia.com/gpu', 'amd.com/gpu', 'nodes'].includes(key)) throw new NodePoolSpecError(pool, `limits.${key}`, 'unknown limit (cpu, memory, nvidia.com/gpu, amd.com/gpu, nodes)');
  }
  const gpus = read('nvidia.com/gpu', parseNonNegativeUnits) ?? read('amd.com/gpu', parseNonNegativeUnits);
  return { milliCpu: read('cpu', parseNonNegativeMilli), memoryBytes: read('memory', parseNonNegativeUnits), gpus, nodes: read('nodes', parseNonNegativeUnits) };
}

function budgets(v: unknown, pool: string): DisruptionBudget[] {
  if (v === undefined) return [...DEFAULT_DISRUPTION.budgets];
  if (!Array.isArray(v)) throw new NodePoolSpecError(pool, 'disruption.budgets', 'expected a list');
  return v.map((b, i) => {
    const field = `disruption.budgets[${i}]`;
    if (!isObject(b)) throw new NodePoolSpecError(pool, field, 'expected an object');
    if (typeof b.nodes !== 'string' || !/^(\d+|\d{1,3}%)$/.test(b.nodes) || (b.nodes.endsWith('%') && Number(b.nodes.slice(0, -1)) > 100)) {
      throw new NodePoolSpecError(pool, `${field}.nodes`, 'expected a count ("5") or a percentage up to 100% ("10%")');
    }
    let durationMs: number | undefined;
    if (b.schedule !== undefined) {
      if (typeof b.schedule !== 'string' || b.schedule.trim().split(/\s+/).length !== 5) throw new NodePoolSpecError(pool, `${field}.schedule`, 'expected a 5-field cron expression');
      if (typeof b.duration !== 'string') throw new NodePoolSpecError(pool, `${field}.duration`, 'a schedule needs a duration');
      try {
        durationMs = parseDuration(b.duration) ?? undefined;
      } catch (error) {
        throw new NodePoolSpecError(pool, `${field}.duration`, (error as Error).message);
      }
      if (!durationMs) throw new NodePoolSpecError(pool, `${field}.duration`, 'must be positive');
    }
    let reasons: DisruptionReason[] | undefined;
    if (b.reasons !== undefined) {
      if (!Array.isArray(b.reasons) || b.reasons.some((r) => !DISRUPTION_REASONS.includes(r as DisruptionReason))) {
        throw new NodePoolSpecError(pool, `${field}.reasons`, `each must be one of ${DISRUPTION_REASONS.join(', ')}`);
      }
      reasons = b.reasons as DisruptionReason[];
    }
    return { nodes: b.nodes, schedule: b.schedule as string | undefined, durationMs, reasons };
  });
}

export function nodePoolFromSpec(name: string, spec: unknown): NodePool {
  const fail = (field: string) => (reason: string): never => {
    throw new NodePoolSpecError(name, field, reason);
  };
  if (typeof name !== 'string' || name.length === 0) throw new NodePoolSpecError(String(name), 'metadata.name', 'must be a non-empty string');
  if (!isObject(spec)) fail('spec')('expected an object');
  const s = spec as Raw;
  const weight = s.weight ?? 0;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) fail('weight')('must be an integer from 0 to 100');
  const template = s.template === undefined ? {} : s.template;
  if (!isObject(template)) fail('template')('expected an object');
  const t = template as Raw;
  const metadata = t.metadata === undefined ? {} : t.metadata;
  if (!isObject(metadata)) fail('template.metadata')('expected an object');
  const templateSpec = t.spec === undefined ? {} : t.spec;
  if (!isObject(templateSpec)) fail('template.spec')('expected an object');
  const ts = templateSpec as Raw;
  const rawRequirements = ts.requirements ?? [];
  if (!Array.isArray(rawRequirements)) fail('template.spec.requirements')('expected a list');
  const requirements: Requirement[] = (rawRequirements as unknown[]).map((r, i) => {
    try {
      return validateRequirement(r as Requirement, `requirement ${i}`);
    } catch (error) {
      throw new NodePoolSpecError(name, `template.spec.requirements[${i}]`, (error as Error).message);
    }
  });
  const labels = stringMap((metadata as Raw).labels, fail('template.metadata.labels'));
  for (const key of Object.keys(labels)) {
    if (key === Labels.nodePool || key === Labels.hostname) fail(`template.metadata.labels.${key}`)('is set by smartscale and cannot be given');
  }
  let nodeClassRef: NodePool['nodeClassRef'];
  if (ts.nodeClassRef !== undefined) {
    const ref = ts.nodeClassRef;
    if (!isObject(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string' || (ref.group !== undefined && typeof ref.group !== 'string')) {
      fail('template.spec.nodeClassRef')('needs kind and name (and optionally group) as strings');
    }
    const r = ref as Raw;
    nodeClassRef = { group: r.group as string | undefined, kind: r.kind as string, name: r.name as string };
  }
  const duration = (field: string, raw: unknown, fallback: number | null): number | null => {
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string') fail(field)('expected a duration string or Never');
    try {
      return parseDuration(raw as string);
    } catch (error) {
      return fail(field)((error as Error).message);
    }
  };
  const disruption = s.disruption === undefined ? {} : s.disruption;
  if (!isObject(disruption)) fail('disruption')('expected an object');
  const d = disruption as Raw;
  const policy = d.consolidationPolicy ?? DEFAULT_DISRUPTION.consolidationPolicy;
  if (policy !== 'WhenEmpty' && policy !== 'WhenEmptyOrUnderutilized') fail('disruption.consolidationPolicy')('must be WhenEmpty or WhenEmptyOrUnderutilized');
  return {
    name,
    weight: weight as number,
    requirements,
    taints: taints(ts.taints, 'template.spec.taints', name),
    startupTaints: taints(ts.startupTaints, 'template.spec.startupTaints', name),
    labels,
    limits: limits(s.limits, name),
    disruption: {
      consolidationPolicy: policy as NodePool['disruption']['consolidationPolicy'],
      consolidateAfterMs: duration('disruption.consolidateAfter', d.consolidateAfter, DEFAULT_DISRUPTION.consolidateAfterMs),
      expireAfterMs: duration('template.spec.expireAfter', ts.expireAfter, DEFAULT_DISRUPTION.expireAfterMs),
      budgets: budgets(d.budgets, name),
    },
    nodeClassRef,
  };
}
