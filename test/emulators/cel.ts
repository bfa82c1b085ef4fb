// A small subset of CEL (Common Expression Language), enough for the attribute conditions
// people write on a Workload Identity pool provider:
//   assertion.repository == 'octo-org/octo-repo' && assertion.ref.startsWith('refs/heads/')
//   assertion.repository_owner in ['octo-org', 'octo-labs'] || !(attribute.env == 'dev')
// Supported: string/boolean literals, lists, `==`, `!=`, `in`, `&&`, `||`, `!`, parentheses,
// dotted paths, and the string methods startsWith/endsWith/contains/matches. Anything else
// is a syntax error at configuration time, as the real API refuses an invalid condition.

type Value = string | boolean | undefined | Value[];
type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'path'; path: string[] }
  | { kind: 'list'; items: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: '==' | '!=' | '&&' | '||' | 'in'; left: Node; right: Node }
  | { kind: 'call'; target: Node; method: string; args: Node[] };

const TOKEN =
  /\s*(?:('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(==|!=|&&|\|\||[!().,[\]])|([A-Za-z_][A-Za-z0-9_]*))/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (!m) throw new Error(`CEL: unexpected input at ${at}: ${source.slice(at, at + 10)}`);
    tokens.push((m[1] ?? m[2] ?? m[3])!);
    at = TOKEN.lastIndex;
  }
  return tokens;
}

export function parseCel(source: string): Node {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const token = tokens[i++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(`CEL: expected ${expected ?? 'more input'} in ${source}`);
    }
    return token;
  };

  const primary = (): Node => {
    const token = take();
    let node: Node;
    if (token === '(') {
      node = or();
      take(')');
    } else if (token === '[') {
      const items: Node[] = [];
      while (peek() !== ']') {
        items.push(or());
        if (peek() === ',') take(',');
      }
      take(']');
      node = { kind: 'list', items };
    } else if (token.startsWith("'") || token.startsWith('"')) {
      node = { kind: 'literal', value: token.slice(1, -1).replace(/\\(.)/g, '$1') };
    } else if (token === 'true' || token === 'false') {
      node = { kind: 'literal', value: token === 'true' };
    } else if (/^[A-Za-z_]/.test(token)) {
      node = { kind: 'path', path: [token] };
    } else {
      throw new Error(`CEL: unexpected ${token} in ${source}`);
    }
    while (peek() === '.') {
      take('.');
      const name = take();
      if (peek() === '(') {
        take('(');
        const args: Node[] = [];
        while (peek() !== ')') {
          args.push(or());
          if (peek() === ',') take(',');
        }
        take(')');
        node = { kind: 'call', target: node, method: name, args };
      } else if (node.kind === 'path') {
        node = { kind: 'path', path: [...node.path, name] };
      } else {
        throw new Error(`CEL: field access on a non-path in ${source}`);
      }
    }
    return node;
  };
  const comparison = (): Node => {
    const left = primary();
    const op = peek();
    if (op === '==' || op === '!=' || op === 'in') {
      take();
      return { kind: 'binary', op, left, right: primary() };
    }
    return left;
  };
  const unary = (): Node => {
    if (peek() === '!') {
      take('!');
      return { kind: 'not', operand: unary() };
    }
    return comparison();
  };
  const and = (): Node => {
    let left = unary();
    while (peek() === '&&') {
      take();
      left = { kind: 'binary', op: '&&', left, right: unary() };
    }
    return left;
  };
  function or(): Node {
    let left = and();
    while (peek() === '||') {
      take();
      left = { kind: 'binary', op: '||', left, right: and() };
    }
    return left;
  }

  const node = or();
  if (i !== tokens.length) throw new Error(`CEL: unexpected ${tokens[i]} in ${source}`);
  return node;
}

export type CelScope = Record<string, Record<string, unknown>>;

function resolve(path: string[], scope: CelScope): Value {
  let value: unknown = scope;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function evaluate(node: Node, scope: CelScope): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return resolve(node.path, scope);
    case 'list':
      return node.items.map((item) => evaluate(item, scope));
    case 'not':
      return evaluate(node.operand, scope) !== true;
    case 'binary': {
      if (node.op === '&&')
        return evaluate(node.left, scope) === true && evaluate(node.right, scope) === true;
      if (node.op === '||')
        return evaluate(node.left, scope) === true || evaluate(node.right, scope) === true;
      const left = evaluate(node.left, scope);
      const right = evaluate(node.right, scope);
      // CEL raises an error on a missing attribute; the provider then rejects the credential.
      if (left === undefined || right === undefined) return undefined;
      if (node.op === 'in') return Array.isArray(right) && right.includes(left);
      return node.op === '==' ? left === right : left !== right;
    }
    case 'call': {
      const target = evaluate(node.target, scope);
      const arg = node.args.length === 1 ? evaluate(node.args[0]!, scope) : undefined;
      if (typeof target !== 'string' || typeof arg !== 'string') return undefined;
      switch (node.method) {
        case 'startsWith':
          return target.startsWith(arg);
        case 'endsWith':
          return target.endsWith(arg);
        case 'contains':
          return target.includes(arg);
        case 'matches':
          return new RegExp(arg).test(target);
        default:
          return undefined;
      }
    }
  }
}

/** Compiles a condition; the result is true only when the expression evaluates to `true`. */
export function compileCel(source: string): (scope: CelScope) => boolean {
  const node = parseCel(source);
  return (scope) => evaluate(node, scope) === true;
}
