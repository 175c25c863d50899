/**
 * Required node affinity (`nodeSelectorTerms`) as requirement terms, read the way the Kubernetes
 * scheduler reads it: the terms are ORed, each an AND of its `matchExpressions` and its
 * `matchFields`; a term with neither matches no node (it is not "any node"); `matchFields` on
 * `metadata.name` compares the node's name ({@link NODE_NAME_FIELD}). Pure.
 */
import { NODE_NAME_FIELD, REQUIREMENT_OPERATORS, type Requirement, type RequirementOperator } from './requirements.js';

type Obj = Record<string, unknown>;

function asRecord(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/** A term no node satisfies (a node name `In` no name). */
export const NO_NODE_TERM: readonly Requirement[] = Object.freeze([Object.freeze({ key: NODE_NAME_FIELD, operator: 'In' as const, values: Object.freeze([]) as readonly string[] })]);

function requirementOf(raw: unknown, key?: string): Requirement | undefined {
  const r = asRecord(raw);
  if (typeof r?.key !== 'string' || !REQUIREMENT_OPERATORS.includes(r.operator as RequirementOperator)) return undefined;
  const values = Array.isArray(r.values) ? r.values.map(String) : undefined;
  return { key: key ?? r.key, operator: r.operator as RequirementOperator, ...(values ? { values } : {}) };
}

/**
 * The terms of a `nodeSelectorTerms` list; undefined when there is none (no constraint). A list
 * whose every term matches nothing gives [{@link NO_NODE_TERM}]. A malformed requirement (no key,
 * an unknown operator, a field other than `metadata.name`: the API server rejects them) makes its
 * term match nothing, so a pod is never planned onto nodes it did not ask for.
 */
export function nodeSelectorTerms(raw: unknown): Requirement[][] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const terms: Requirement[][] = [];
  for (const t of raw) {
    const term = asRecord(t);
    const expressions = Array.isArray(term?.matchExpressions) ? term.matchExpressions : [];
    const fields = Array.isArray(term?.matchFields) ? term.matchFields : [];
    if (expressions.length === 0 && fields.length === 0) continue;
    const requirements: Requirement[] = [];
    let malformed = false;
    for (const e of expressions) {
      const r = requirementOf(e);
      if (r) requirements.push(r);
      else malformed = true;
    }
    for (const f of fields) {
      const r = asRecord(f)?.key === 'metadata.name' ? requirementOf(f, NODE_NAME_FIELD) : undefined;
      if (r) requirements.push(r);
      else malformed = true;
    }
    if (!malformed) terms.push(requirements);
  }
  return terms.length > 0 ? terms : [[...NO_NODE_TERM]];
}

/** The `requiredDuringSchedulingIgnoredDuringExecution` terms of a pod spec's node affinity. */
export function requiredNodeAffinityTerms(spec: unknown): Requirement[][] | undefined {
  const required = asRecord(asRecord(asRecord(asRecord(spec)?.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  return nodeSelectorTerms(required?.nodeSelectorTerms);
}
