/**
 * The subset of Kubernetes JSONPath (k8s.io/client-go/util/jsonpath, as kube-apiserver evaluates a
 * CRD's additionalPrinterColumns and scale subresource paths) that those paths use:
 *
 *   .field   ['field']   [n] (negative counts from the end)   [*]
 *   [?(@.path=="literal")]   [?(@.path!=literal)]   — string (single or double quotes), number, true/false
 *
 * optionally wrapped in `{…}` and/or starting at `$`. Evaluation follows client-go with missing keys
 * allowed: a missing field yields nothing (not an error), a filter skips elements that lack the
 * compared field, and an index out of range, `[n]`/`[*]`/a filter applied to a non-list, or a
 * comparison between different types is an error. Pure: no I/O, no clock.
 */

export type Literal = string | number | boolean;

export type Step =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'all' }
  | { readonly kind: 'filter'; readonly path: readonly Step[]; readonly op: '==' | '!='; readonly value: Literal };

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new JsonPathError(`jsonpath ${JSON.stringify(this.text)}: ${what} at offset ${this.pos}`);
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.pos++;
  }

  private expect(s: string): void {
    if (!this.text.startsWith(s, this.pos)) this.fail(`expected ${JSON.stringify(s)}`);
    this.pos += s.length;
  }

  /** Steps until the end of the text, or (inside a filter) until a character that ends the path. */
  steps(inFilter: boolean): Step[] {
    const steps: Step[] = [];
    for (;;) {
      const c = this.peek();
      if (c === '.') {
        this.pos++;
        if (this.peek() === '.') this.fail('recursive descent (..) is not supported');
        const name = this.fieldName();
        if (name === '') {
          // A lone trailing `.` is the current object (`{.}`); anything else is a missing name.
          if (this.pos === this.text.length || (inFilter && this.endsFilterPath())) break;
          this.fail('expected a field name');
        }
        steps.push({ kind: 'field', name });
      } else if (c === '[') {
        steps.push(this.bracket());
      } else if (c === '' || (inFilter && this.endsFilterPath())) {
        break;
      } else {
        this.fail(`unexpected ${JSON.stringify(c)}`);
      }
    }
    return steps;
  }

  private endsFilterPath(): boolean {
    const c = this.peek();
    return c === ' ' || c === '=' || c === '!' || c === ')';
  }

  /** A dotted field name: up to the next `.` or `[` (a `\.` is a literal dot). */
  private fieldName(): string {
    let name = '';
    for (;;) {
      const c = this.peek();
      if (c === '\\' && this.text[this.pos + 1] === '.') {
        name += '.';
        this.pos += 2;
      } else if (c === '' || c === '.' || c === '[' || c === ' ' || c === '=' || c === '!' || c === ')' || c === ']' || c === '*') {
        if (c === '*' && name === '') this.fail('wildcard fields (.*) are not supported');
        return name;
      } else {
        name += c;
        this.pos++;
      }
    }
  }

  private bracket(): Step {
    this.expect('[');
    this.skipSpaces();
    let step: Step;
    const c = this.peek();
    if (c === '*') {
      this.pos++;
      step = { kind: 'all' };
    } else if (c === "'" || c === '"') {
      step = { kind: 'field', name: this.quoted() };
    } else if (c === '?') {
      step = this.filter();
    } else {
      const m = /^-?\d+/.exec(this.text.slice(this.pos));
      if (!m) this.fail('expected *, an index, a quoted key or a ?() filter (slices and unions are not supported)');
      this.pos += m[0].length;
      step = { kind: 'index', index: Number(m[0]) };
    }
    this.skipSpaces();
    this.expect(']');
    return step;
  }

  private quoted(): string {
    const quote = this.peek();
    this.pos++;
    let s = '';
    for (;;) {
      const c = this.peek();
      if (c === '') this.fail('unterminated string');
      this.pos++;
      if (c === quote) return s;
      if (c === '\\' && this.peek() !== '') {
        s += this.peek();
        this.pos++;
      } else {
        s += c;
      }
    }
  }

  private filter(): Step {
    this.expect('?(');
    this.skipSpaces();
    this.expect('@');
    const path = this.steps(true);
    this.skipSpaces();
    const op = this.text.startsWith('==', this.pos) ? '==' : this.text.startsWith('!=', this.pos) ? '!=' : this.fail('expected == or != (other filters are not supported)');
    this.pos += 2;
    this.skipSpaces();
    const value = this.literal();
    this.skipSpaces();
    this.expect(')');
    return { kind: 'filter', path, op, value };
  }

  private literal(): Literal {
    const c = this.peek();
    if (c === "'" || c === '"') return this.quoted();
    const m = /^(-?\d+(\.\d+)?|true|false)/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a string, number or boolean literal');
    this.pos += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : Number(m[0]);
  }
}

/** Parses a path; throws JsonPathError for syntax outside the supported subset. */
export function parseJsonPath(path: string): Step[] {
  let text = path.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  if (text.startsWith('$')) text = text.slice(1);
  return new Parser(text).steps(false);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}

function asList(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new JsonPathError(`${what}: ${kindOf(v)} is not a list`);
  return v;
}

/** client-go compares only values of the same basic kind; anything else is an error. */
function equal(left: unknown, right: Literal): boolean {
  if (typeof left !== typeof right) throw new JsonPathError(`cannot compare ${kindOf(left)} with ${typeof right}`);
  return left === right;
}

function step(values: readonly unknown[], s: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (s.kind) {
      case 'field':
        if (isObject(v) && Object.hasOwn(v, s.name)) out.push(v[s.name]);
        break;
      case 'index': {
        if (v === null || v === undefined) break;
        const list = asList(v, `[${s.index}]`);
        const i = s.index < 0 ? s.index + list.length : s.index;
        if (i < 0 || i >= list.length) throw new JsonPathError(`index ${s.index} out of bounds (length ${list.length})`);
        out.push(list[i]);
        break;
      }
      case 'all':
        if (v === null || v === undefined) break;
        // One by one: spreading a list of 100,000+ elements into push() overflows the call stack.
        for (const element of asList(v, '[*]')) out.push(element);
        break;
      case 'filter':
        for (const element of asList(v, 'filter')) {
          const lefts = evaluate(element, s.path);
          if (lefts.length === 0) continue;
          if (lefts.length > 1) throw new JsonPathError('a filter compares one value at a time');
          if (equal(lefts[0], s.value) === (s.op === '==')) out.push(element);
        }
        break;
    }
  }
  return out;
}

/** Every value the path selects, in order; throws JsonPathError where client-go fails. */
export function evaluate(data: unknown, steps: readonly Step[]): unknown[] {
  let values: unknown[] = [data];
  for (const s of steps) {
    values = step(values, s);
    if (values.length === 0) break;
  }
  return values;
}

/**
 * What kube-apiserver shows for a printer column: the first value the path selects ("as we only
 * support simple JSON path, we can assume to have only one result"), or undefined when it selects
 * nothing or fails to parse or evaluate (an empty cell, never an error).
 */
export function firstMatch(data: unknown, path: string | readonly Step[]): unknown {
  try {
    const steps = typeof path === 'string' ? parseJsonPath(path) : path;
    return evaluate(data, steps)[0];
  } catch (error) {
    if (error instanceof JsonPathError) return undefined;
    throw error;
  }
}
