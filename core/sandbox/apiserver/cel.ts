/**
 * A small subset of CEL, enough for admission webhook `matchConditions` such as
 *   has(object.metadata.annotations) && object.metadata.annotations['smartscale.io/enabled'] == 'true'
 *
 * Supported: string/int/double/bool/null literals, lists `[a, b]`, identifiers (the variables
 * passed in), field access `a.b`, index `a['k']` / `a[0]`, `has(a.b)`, `size(x)` / `x.size()`,
 * `x.startsWith(s)` / `endsWith` / `contains`, `!`, `-`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`,
 * `&&`, `||` (with CEL's error absorption: `false && <error>` is false), `? :` and parentheses.
 * A missing field is an error, as in CEL; use `has()` first.
 */

export class CelError extends Error {}

type Value = unknown;

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'id'; name: string }
  | { t: 'list'; items: Node[] }
  | { t: 'member'; obj: Node; field: string }
  | { t: 'index'; obj: Node; index: Node }
  | { t: 'call'; fn: string; target?: Node; args: Node[] }
  | { t: 'unary'; op: '!' | '-'; arg: Node }
  | { t: 'binary'; op: string; left: Node; right: Node }
  | { t: 'cond'; test: Node; then: Node; else: Node };

interface Token {
  k: 'num' | 'str' | 'id' | 'op' | 'end';
  v: string;
  pos: number;
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', '.', ',', '?', ':', '-', '+'];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const e = src[j + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new CelError(`unterminated string at ${i}`);
      tokens.push({ k: 'str', v: s, pos: i });
      i = j + 1;
      continue;
    }
    const num = src.slice(i).match(/^\d+(\.\d+)?/);
    if (num) {
      tokens.push({ k: 'num', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = src.slice(i).match(/^[A-Za-z_][A-Za-z0-9_]*/);
    if (id) {
      tokens.push({ k: 'id', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new CelError(`unexpected character ${JSON.stringify(c)} at ${i}`);
    tokens.push({ k: 'op', v: op, pos: i });
    i += op.length;
  }
  tokens.push({ k: 'end', v: '', pos: src.length });
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private accept(v: string): boolean {
    const t = this.peek();
    if ((t.k === 'op' || t.k === 'id') && t.v === v) {
      this.i++;
      return true;
    }
    return false;
  }

  private expect(v: string): void {
    if (!this.accept(v)) throw new CelError(`expected '${v}' at ${this.peek().pos}`);
  }

  parse(): Node {
    const n = this.conditional();
    if (this.peek().k !== 'end') throw new CelError(`unexpected '${this.peek().v}' at ${this.peek().pos}`);
    return n;
  }

  private conditional(): Node {
    const test = this.or();
    if (this.accept('?')) {
      const then = this.conditional();
      this.expect(':');
      return { t: 'cond', test, then, else: this.conditional() };
    }
    return test;
  }

  private or(): Node {
    let left = this.and();
    while (this.accept('||')) left = { t: 'binary', op: '||', left, right: this.and() };
    return left;
  }

  private and(): Node {
    let left = this.relation();
    while (this.accept('&&')) left = { t: 'binary', op: '&&', left, right: this.relation() };
    return left;
  }

  private relation(): Node {
    let left = this.additive();
    for (;;) {
      const t = this.peek();
      if ((t.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) || (t.k === 'id' && t.v === 'in')) {
        this.i++;
        left = { t: 'binary', op: t.v, left, right: this.additive() };
      } else return left;
    }
  }

  private additive(): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && (t.v === '+' || t.v === '-')) {
        this.i++;
        left = { t: 'binary', op: t.v, left, right: this.unary() };
      } else return left;
    }
  }

  private unary(): Node {
    if (this.accept('!')) return { t: 'unary', op: '!', arg: this.unary() };
    if (this.accept('-')) return { t: 'unary', op: '-', arg: this.unary() };
    return this.postfix();
  }

  private postfix(): Node {
    let n = this.primary();
    for (;;) {
      if (this.accept('.')) {
        const id = this.next();
        if (id.k !== 'id') throw new CelError(`expected a field name at ${id.pos}`);
        if (this.accept('(')) n = { t: 'call', fn: id.v, target: n, args: this.args() };
        else n = { t: 'member', obj: n, field: id.v };
      } else if (this.accept('[')) {
        const index = this.conditional();
        this.expect(']');
        n = { t: 'index', obj: n, index };
      } else return n;
    }
  }

  private args(): Node[] {
    const args: Node[] = [];
    if (this.accept(')')) return args;
    do args.push(this.conditional());
    while (this.accept(','));
    this.expect(')');
    return args;
  }

  private primary(): Node {
    const t = this.next();
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'id') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (this.accept('(')) return { t: 'call', fn: t.v, args: this.args() };
      return { t: 'id', name: t.v };
    }
    if (t.k === 'op' && t.v === '(') {
      const n = this.conditional();
      this.expect(')');
      return n;
    }
    if (t.k === 'op' && t.v === '[') {
      const items: Node[] = [];
      if (!this.accept(']')) {
        do items.push(this.conditional());
        while (this.accept(','));
        this.expect(']');
      }
      return { t: 'list', items };
    }
    throw new CelError(`unexpected '${t.v}' at ${t.pos}`);
  }
}

function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: Value, name: string): Value {
  if (!isMap(obj)) throw new CelError(`no such key: ${name}`);
  if (!Object.prototype.hasOwnProperty.call(obj, name) || obj[name] === undefined) throw new CelError(`no such key: ${name}`);
  return obj[name];
}

function equal(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function evaluate(n: Node, vars: Record<string, Value>): Value {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'list':
      return n.items.map((i) => evaluate(i, vars));
    case 'id':
      if (!(n.name in vars)) throw new CelError(`undeclared reference to '${n.name}'`);
      return vars[n.name];
    case 'member':
      return field(evaluate(n.obj, vars), n.field);
    case 'index': {
      const obj = evaluate(n.obj, vars);
      const idx = evaluate(n.index, vars);
      if (Array.isArray(obj)) {
        if (typeof idx !== 'number' || idx < 0 || idx >= obj.length) throw new CelError(`index out of range: ${String(idx)}`);
        return obj[idx];
      }
      return field(obj, String(idx));
    }
    case 'call':
      return call(n, vars);
    case 'unary': {
      const v = evaluate(n.arg, vars);
      if (n.op === '!') {
        if (typeof v !== 'boolean') throw new CelError("no such overload: '!' on a non-bool");
        return !v;
      }
      if (typeof v !== 'number') throw new CelError("no such overload: '-' on a non-number");
      return -v;
    }
    case 'cond': {
      const test = evaluate(n.test, vars);
      if (typeof test !== 'boolean') throw new CelError('condition is not a bool');
      return evaluate(test ? n.then : n.else, vars);
    }
    case 'binary':
      return binary(n.op, n.left, n.right, vars);
  }
}

function binary(op: string, l: Node, r: Node, vars: Record<string, Value>): Value {
  if (op === '&&' || op === '||') {
    const short = op === '||';
    let leftError: unknown;
    let left: Value;
    try {
      left = evaluate(l, vars);
      if (typeof left !== 'boolean') throw new CelError(`no such overload: '${op}' on a non-bool`);
      if (left === short) return short;
    } catch (e) {
      leftError = e;
    }
    const right = evaluate(r, vars);
    if (typeof right !== 'boolean') throw new CelError(`no such overload: '${op}' on a non-bool`);
    if (right === short) return short;
    if (leftError) throw leftError;
    return !short;
  }
  const a = evaluate(l, vars);
  const b = evaluate(r, vars);
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case 'in':
      if (Array.isArray(b)) return b.some((x) => equal(x, a));
      if (isMap(b)) return typeof a === 'string' && Object.prototype.hasOwnProperty.call(b, a);
      throw new CelError("no such overload: 'in' needs a list or map");
    case '+':
      if (typeof a === 'number' && typeof b === 'number') return a + b;
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      throw new CelError("no such overload: '+'");
    case '-':
      if (typeof a === 'number' && typeof b === 'number') return a - b;
      throw new CelError("no such overload: '-'");
    default: {
      if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) throw new CelError(`no such overload: '${op}'`);
      if (op === '<') return a < b;
      if (op === '<=') return a <= b;
      if (op === '>') return a > b;
      return a >= b;
    }
  }
}

function size(v: Value): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new CelError('no such overload: size');
}

function call(n: Extract<Node, { t: 'call' }>, vars: Record<string, Value>): Value {
  if (n.fn === 'has' && !n.target) {
    const arg = n.args[0];
    if (n.args.length !== 1 || arg.t !== 'member') throw new CelError('has() needs a field selection, e.g. has(object.metadata.labels)');
    const obj = evaluate(arg.obj, vars);
    return isMap(obj) && Object.prototype.hasOwnProperty.call(obj, arg.field) && obj[arg.field] !== undefined && obj[arg.field] !== null;
  }
  const target = n.target ? evaluate(n.target, vars) : undefined;
  const args = n.args.map((a) => evaluate(a, vars));
  if (n.fn === 'size') return size(n.target ? target : args[0]);
  if (typeof target === 'string' && typeof args[0] === 'string') {
    if (n.fn === 'startsWith') return target.startsWith(args[0]);
    if (n.fn === 'endsWith') return target.endsWith(args[0]);
    if (n.fn === 'contains') return target.includes(args[0]);
  }
  throw new CelError(`unsupported function ${n.fn}()`);
}

/** Parses an expression once; the result evaluates it against variables. Throws CelError on bad syntax. */
export function compileCel(expression: string): (vars: Record<string, Value>) => Value {
  const ast = new Parser(tokenize(expression)).parse();
  return (vars) => evaluate(ast, vars);
}

/** Evaluates a match condition: must yield a bool. Throws CelError on errors. */
export function evaluateCondition(expression: string, vars: Record<string, Value>): boolean {
  const v = compileCel(expression)(vars);
  if (typeof v !== 'boolean') throw new CelError(`expression did not evaluate to a bool: ${expression}`);
  return v;
}
