/**
 * Label and field selectors in the query-string syntax of the Kubernetes API
 * (`app=web,tier!=db,env in (a,b),!legacy`; `spec.nodeName=n1,status.phase!=Running`).
 * Parsing fails with a message for the 400 answer; matching is pure.
 */

export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'eq' | 'neq'; value: string };

export type Predicate = (obj: Record<string, any>) => boolean;

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses. */
function splitTerms(input: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(input.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(input.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (!LABEL_KEY.test(key)) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

export function parseLabelSelector(input: string): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  for (const term of splitTerms(input)) {
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      requirements.push({ key: checkKey(m[1]), op: m[2] as 'in' | 'notin', values });
    } else if ((m = term.match(/^!\s*(\S+)$/))) {
      requirements.push({ key: checkKey(m[1]), op: 'notexists' });
    } else if ((m = term.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      requirements.push({ key: checkKey(m[1]), op: m[2] === '!=' ? 'neq' : 'eq', value: m[3] });
    } else if ((m = term.match(/^([^=!\s()]+)$/))) {
      requirements.push({ key: checkKey(m[1]), op: 'exists' });
    } else {
      throw new SelectorError(`unable to parse requirement: "${term}"`);
    }
  }
  return requirements;
}

export function labelsMatch(requirements: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of requirements) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'notexists':
        if (has) return false;
        break;
      case 'eq':
        if (!has || v !== r.value) return false;
        break;
      case 'neq':
        if (has && v === r.value) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v)) return false;
        break;
    }
  }
  return true;
}

/** A `metav1.LabelSelector` object (matchLabels + matchExpressions) as requirements. */
export function labelSelectorObjectRequirements(selector: Record<string, any> | undefined | null): LabelRequirement[] {
  if (!selector) return [];
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key, op: 'eq', value: String(value) });
  for (const e of selector.matchExpressions ?? []) {
    const op = String(e?.operator ?? '');
    if (op === 'In') reqs.push({ key: e.key, op: 'in', values: e.values ?? [] });
    else if (op === 'NotIn') reqs.push({ key: e.key, op: 'notin', values: e.values ?? [] });
    else if (op === 'Exists') reqs.push({ key: e.key, op: 'exists' });
    else if (op === 'DoesNotExist') reqs.push({ key: e.key, op: 'notexists' });
    else throw new SelectorError(`"${op}" is not a valid label selector operator`);
  }
  return reqs;
}

/** The string form of a LabelSelector object, as `status.selector` of a scale subresource shows it. */
export function formatLabelSelector(selector: Record<string, any> | undefined | null): string {
  return labelSelectorObjectRequirements(selector)
    .map((r) => {
      switch (r.op) {
        case 'eq':
          return `${r.key}=${r.value}`;
        case 'neq':
          return `${r.key}!=${r.value}`;
        case 'exists':
          return r.key;
        case 'notexists':
          return `!${r.key}`;
        case 'in':
          return `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return `${r.key} notin (${r.values.join(',')})`;
      }
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

/** Field paths a selector may name, per kind; metadata.name and metadata.namespace work everywhere. */
const FIELD_GETTERS: Record<string, (o: Record<string, any>) => string> = {
  'metadata.name': (o) => o.metadata?.name ?? '',
  'metadata.namespace': (o) => o.metadata?.namespace ?? '',
  'spec.nodeName': (o) => o.spec?.nodeName ?? '',
  'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
  'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
  'spec.unschedulable': (o) => String(o.spec?.unschedulable ?? false),
  'status.phase': (o) => o.status?.phase ?? '',
  'status.podIP': (o) => o.status?.podIP ?? '',
  'involvedObject.kind': (o) => o.involvedObject?.kind ?? '',
  'involvedObject.name': (o) => o.involvedObject?.name ?? '',
  'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
  'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
  'reason': (o) => o.reason ?? '',
  'type': (o) => o.type ?? '',
  'regarding.name': (o) => o.regarding?.name ?? '',
};

export function parseFieldSelector(input: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(input)) {
    const m = term.match(/^([^=!]+)(==|=|!=)(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${term}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (!FIELD_GETTERS[field]) throw new SelectorError(`field label not supported: ${field}`);
    reqs.push({ field, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3].trim() });
  }
  return reqs;
}

export function fieldsMatch(requirements: FieldRequirement[], obj: Record<string, any>): boolean {
  for (const r of requirements) {
    const v = FIELD_GETTERS[r.field](obj);
    if (r.op === 'eq' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** One predicate for a list or watch request; throws SelectorError on bad syntax. */
export function selectorPredicate(labelSelector: string | undefined, fieldSelector: string | undefined): Predicate | undefined {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : [];
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  if (labels.length === 0 && fields.length === 0) return undefined;
  return (obj) => labelsMatch(labels, obj.metadata?.labels) && fieldsMatch(fields, obj);
}
