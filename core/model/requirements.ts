/**
 * Node selector requirements (`{key, operator, values}`), the language of NodePool requirements,
 * required node affinity and NodeClaim requirements. Pure helpers only.
 */
import { truncate } from './annotations.js';
import { canonicalLabelKey } from './labels.js';

export type RequirementOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
export const REQUIREMENT_OPERATORS: readonly RequirementOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

export interface Requirement {
  readonly key: string;
  readonly operator: RequirementOperator;
  /** In/NotIn: the set; Gt/Lt: exactly one integer; Exists/DoesNotExist: none. */
  readonly values?: readonly string[];
}

export class RequirementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequirementError';
  }
}

/** Checks the shape of one requirement; throws a RequirementError saying what is wrong. */
export function validateRequirement(r: Requirement, where = 'requirement'): Requirement {
  if (!r || typeof r.key !== 'string' || r.key.length === 0) throw new RequirementError(`${where}: key must be a non-empty string`);
  // The key as messages name it: a hostile or mistaken one can be any length.
  const named = `${where} ${truncate(r.key)}`;
  if (!REQUIREMENT_OPERATORS.includes(r.operator)) {
    throw new RequirementError(`${named}: operator must be one of ${REQUIREMENT_OPERATORS.join(', ')}, got ${typeof r.operator === 'string' ? JSON.stringify(truncate(r.operator)) : String(r.operator)}`);
  }
  const values = r.values ?? [];
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new RequirementError(`${named}: values must be a list of strings`);
  }
  switch (r.operator) {
    case 'In':
      if (values.length === 0) throw new RequirementError(`${named}: In needs at least one value`);
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) throw new RequirementError(`${named}: ${r.operator} takes no values`);
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || !/^-?\d+$/.test(values[0])) {
        throw new RequirementError(`${named}: ${r.operator} needs exactly one integer value`);
      }
      break;
    default:
      break;
  }
  return { key: canonicalLabelKey(r.key), operator: r.operator, values: [...values] };
}

/** Does a label value (undefined = label absent) satisfy the requirement? */
export function labelSatisfies(r: Requirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const bound = Number((r.values ?? [])[0]);
      return r.operator === 'Gt' ? Number(value) > bound : Number(value) < bound;
    }
    default:
      return false;
  }
}

/**
 * The key a node selector term's `matchFields` on `metadata.name` becomes: compared with the node's
 * name, not a label (':' cannot appear in a label key, so no label can collide). A node not yet
 * launched has no name, so `In` excludes it and `NotIn` admits it.
 */
export const NODE_NAME_FIELD = 'field:metadata.name';

/**
 * Do these labels (and, for {@link NODE_NAME_FIELD}, this node name) satisfy every requirement (an
 * AND)? Keys are compared after alias normalisation.
 */
export function labelsSatisfy(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>, nodeName?: string): boolean {
  for (const r of requirements) {
    const value = r.key === NODE_NAME_FIELD ? nodeName : labels[canonicalLabelKey(r.key)] ?? labels[r.key];
    if (!labelSatisfies(r, value)) return false;
  }
  return true;
}

/** A nodeSelector map as `In` requirements. */
export function nodeSelectorRequirements(selector: Readonly<Record<string, string>> | undefined): Requirement[] {
  if (!selector) return [];
  return Object.keys(selector)
    .sort()
    .map((key) => ({ key: canonicalLabelKey(key), operator: 'In' as const, values: [selector[key]] }));
}
