/**
 * Validates an object against a CRD's openAPIV3Schema the way the API server does, for the subset
 * of the schema language smartscale's CRDs use: defaulting, pruning of unknown fields, types
 * (int-or-string too), enum, pattern, lengths, bounds, counts, required, map-type list keys, and
 * x-kubernetes-validations evaluated with the sandbox's CEL subset. Rules using CEL the subset does
 * not have (`matches`, `all`) are reported as not evaluated, never silently passed.
 */
import { compileCel } from '../../core/sandbox/apiserver/cel.js';
import type { Doc } from './load.js';

export interface SchemaResult {
  /** The object as stored: defaults filled, unknown fields pruned. */
  value: unknown;
  errors: string[];
  /** CEL rules the sandbox subset cannot evaluate, as `path: message`. */
  unevaluated: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const UNSUPPORTED_CEL = /\.(matches|all|exists)\(/;

export function validateSchema(schema: Doc, input: unknown): SchemaResult {
  const result: SchemaResult = { value: undefined, errors: [], unevaluated: [] };
  const object = structuredClone(input);
  // The API server validates metadata itself and never prunes it (nor apiVersion and kind).
  const kept = isObject(object) ? { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata } : {};
  const walked = walk(schema, object, '', result);
  result.value = isObject(walked) ? { ...walked, ...kept } : walked;
  return result;
}

function typeError(schema: Doc, value: unknown): boolean {
  if (schema['x-kubernetes-int-or-string']) return !(typeof value === 'string' || Number.isInteger(value));
  switch (schema.type) {
    case 'object':
      return !isObject(value);
    case 'array':
      return !Array.isArray(value);
    case 'string':
      return typeof value !== 'string';
    case 'integer':
      return !Number.isInteger(value);
    case 'number':
      return typeof value !== 'number';
    case 'boolean':
      return typeof value !== 'boolean';
    default:
      return false;
  }
}

function walk(schema: Doc, value: unknown, path: string, out: SchemaResult): unknown {
  const fail = (why: string) => out.errors.push(`${path || '<root>'}: ${why}`);
  if (typeError(schema, value)) {
    fail(`expected ${schema['x-kubernetes-int-or-string'] ? 'int-or-string' : schema.type}`);
    return value;
  }
  if (schema.enum && !schema.enum.includes(value)) fail(`not one of ${schema.enum.join(', ')}`);
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) fail(`does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`more than ${schema.maxItems} items`);
    if (schema.items) value = value.map((item, i) => walk(schema.items, item, `${path}[${i}]`, out));
    if (schema['x-kubernetes-list-type'] === 'map') {
      const keys = (value as Array<Record<string, unknown>>).map((item) => JSON.stringify(schema['x-kubernetes-list-map-keys'].map((k: string) => item?.[k])));
      if (new Set(keys).size !== keys.length) fail('duplicate list map keys');
    }
  }
  if (isObject(value)) {
    const props: Doc = schema.properties ?? {};
    const stored: Record<string, unknown> = {};
    for (const [key, sub] of Object.entries(props)) if (value[key] === undefined && (sub as Doc).default !== undefined) value[key] = structuredClone((sub as Doc).default);
    for (const key of schema.required ?? []) if (value[key] === undefined) fail(`${key} is required`);
    for (const [key, v] of Object.entries(value)) {
      if (props[key]) stored[key] = walk(props[key], v, `${path}.${key}`, out);
      else if (schema.additionalProperties) stored[key] = walk(schema.additionalProperties, v, `${path}.${key}`, out);
      else if (schema['x-kubernetes-preserve-unknown-fields'] || schema.type !== 'object') stored[key] = v;
      // else: pruned, as the API server does with fields the schema does not declare.
    }
    const count = Object.keys(stored).length;
    if (schema.minProperties !== undefined && count < schema.minProperties) fail(`fewer than ${schema.minProperties} properties`);
    if (schema.maxProperties !== undefined && count > schema.maxProperties) fail(`more than ${schema.maxProperties} properties`);
    value = stored;
  }
  for (const { rule, message } of (schema['x-kubernetes-validations'] ?? []) as Array<{ rule: string; message: string }>) {
    if (UNSUPPORTED_CEL.test(rule)) {
      out.unevaluated.push(`${path}: ${message}`);
      continue;
    }
    const verdict = compileCel(rule)({ self: value });
    if (typeof verdict !== 'boolean') throw new Error(`rule at ${path} did not give a bool: ${rule}`);
    if (!verdict) fail(message);
  }
  return value;
}

/** The openAPIV3Schema of a CRD document's single version. */
export function crdSchema(crd: Doc): Doc {
  const [version] = crd.spec.versions;
  return version.schema.openAPIV3Schema;
}
