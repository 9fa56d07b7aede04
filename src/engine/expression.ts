/**
 * A small, safe evaluator for step `when` and `conditional.condition` expressions:
 * a JavaScript subset (literals, names, member access, `{{path}}` placeholders,
 * ! - * / % + - < <= > >= == != === !== && || ?:, and a few string/array methods).
 * It never runs host code, so it needs no sandbox.
 */
export type Expression =
  | { kind: 'literal'; value: unknown }
  | { kind: 'name'; name: string }
  | { kind: 'placeholder'; path: string }
  | { kind: 'member'; object: Expression; property: Expression }
  | { kind: 'call'; object: Expression; method: string; args: Expression[] }
  | { kind: 'unary'; operator: '!' | '-'; operand: Expression }
  | { kind: 'binary'; operator: string; left: Expression; right: Expression }
  | { kind: 'conditional'; test: Expression; then: Expression; otherwise: Expression };

export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
}

type Token = { kind: 'number' | 'string' | 'name' | 'placeholder' | 'operator'; value: string };

const operators = ['===', '!==', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '(', ')', '[', ']', '.', ',', '?', ':'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    if (source.startsWith('{{', index)) {
      const end = source.indexOf('}}', index);
      if (end < 0) throw new ExpressionSyntaxError('unclosed {{ placeholder');
      tokens.push({ kind: 'placeholder', value: source.slice(index + 2, end).trim() });
      index = end + 2;
      continue;
    }
    const number = /^\d+(?:\.\d+)?/.exec(source.slice(index));
    if (number) {
      tokens.push({ kind: 'number', value: number[0] });
      index += number[0].length;
      continue;
    }
    if (char === '"' || char === "'") {
      let value = '';
      let cursor = index + 1;
      while (cursor < source.length && source[cursor] !== char) {
        if (source[cursor] === '\\' && cursor + 1 < source.length) cursor++;
        value += source[cursor];
        cursor++;
      }
      if (cursor >= source.length) throw new ExpressionSyntaxError('unterminated string');
      tokens.push({ kind: 'string', value });
      index = cursor + 1;
      continue;
    }
    const name = /^[A-Za-z_$][\w$]*/.exec(source.slice(index));
    if (name) {
      tokens.push({ kind: 'name', value: name[0] });
      index += name[0].length;
      continue;
    }
    const operator = operators.find((candidate) => source.startsWith(candidate, index));
    if (!operator) throw new ExpressionSyntaxError(`unexpected character '${char}' at ${index}`);
    tokens.push({ kind: 'operator', value: operator });
    index += operator.length;
  }
  return tokens;
}

const precedence: Record<string, number> = {
  '||': 1, '&&': 2, '==': 3, '!=': 3, '===': 3, '!==': 3, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6,
};

const allowedMethods = new Set(['includes', 'startsWith', 'endsWith', 'toLowerCase', 'toUpperCase', 'trim', 'indexOf']);
const forbiddenNames = new Set(['constructor', '__proto__', 'prototype']);

export function parseExpression(source: string): Expression {
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const isOperator = (value: string): boolean => peek()?.kind === 'operator' && peek()?.value === value;
  const expect = (value: string): void => {
    if (!isOperator(value)) throw new ExpressionSyntaxError(`expected '${value}'`);
    position++;
  };

  function parseConditional(): Expression {
    const test = parseBinary(0);
    if (!isOperator('?')) return test;
    position++;
    const then = parseConditional();
    expect(':');
    return { kind: 'conditional', test, then, otherwise: parseConditional() };
  }

  function parseBinary(minimum: number): Expression {
    let left = parseUnary();
    for (;;) {
      const token = peek();
      const level = token?.kind === 'operator' ? precedence[token.value] : undefined;
      if (level === undefined || level <= minimum - 1 || level < minimum) break;
      position++;
      const right = parseBinary(level + 1);
      left = { kind: 'binary', operator: token!.value, left, right };
    }
    return left;
  }

  function parseUnary(): Expression {
    if (isOperator('!') || isOperator('-')) {
      const operator = peek()!.value as '!' | '-';
      position++;
      return { kind: 'unary', operator, operand: parseUnary() };
    }
    return parsePostfix(parsePrimary());
  }

  function parsePostfix(start: Expression): Expression {
    let expression = start;
    for (;;) {
      if (isOperator('.')) {
        position++;
        const name = peek();
        if (name?.kind !== 'name') throw new ExpressionSyntaxError('expected a property name after .');
        position++;
        if (isOperator('(')) {
          if (!allowedMethods.has(name.value)) throw new ExpressionSyntaxError(`method ${name.value}() is not allowed`);
          position++;
          const args: Expression[] = [];
          while (!isOperator(')')) {
            args.push(parseConditional());
            if (!isOperator(')')) expect(',');
          }
          position++;
          expression = { kind: 'call', object: expression, method: name.value, args };
        } else {
          expression = { kind: 'member', object: expression, property: { kind: 'literal', value: name.value } };
        }
      } else if (isOperator('[')) {
        position++;
        const property = parseConditional();
        expect(']');
        expression = { kind: 'member', object: expression, property };
      } else {
        return expression;
      }
    }
  }

  function parsePrimary(): Expression {
    const token = peek();
    if (!token) throw new ExpressionSyntaxError('unexpected end of expression');
    position++;
    switch (token.kind) {
      case 'number':
        return { kind: 'literal', value: Number(token.value) };
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'placeholder':
        return { kind: 'placeholder', path: token.value };
      case 'name':
        if (token.value === 'true') return { kind: 'literal', value: true };
        if (token.value === 'false') return { kind: 'literal', value: false };
        if (token.value === 'null') return { kind: 'literal', value: null };
        if (token.value === 'undefined') return { kind: 'literal', value: undefined };
        return { kind: 'name', name: token.value };
      case 'operator':
        if (token.value === '(') {
          const inner = parseConditional();
          expect(')');
          return inner;
        }
        throw new ExpressionSyntaxError(`unexpected '${token.value}'`);
    }
  }

  if (tokens.length === 0) throw new ExpressionSyntaxError('empty expression');
  const expression = parseConditional();
  if (position < tokens.length) throw new ExpressionSyntaxError(`unexpected '${tokens[position]!.value}'`);
  return expression;
}

export function evaluateExpression(
  expression: Expression,
  scope: Record<string, unknown>,
  lookup: (path: string) => unknown,
): unknown {
  const evaluate = (node: Expression): unknown => evaluateExpression(node, scope, lookup);
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'name':
      return Object.prototype.hasOwnProperty.call(scope, expression.name) ? scope[expression.name] : undefined;
    case 'placeholder':
      return lookup(expression.path);
    case 'member': {
      const object = evaluate(expression.object);
      const property = String(evaluate(expression.property));
      if (object === null || object === undefined || forbiddenNames.has(property)) return undefined;
      if (property === 'length' && (typeof object === 'string' || Array.isArray(object))) return object.length;
      if (typeof object !== 'object' || !Object.prototype.hasOwnProperty.call(object, property)) return undefined;
      return (object as Record<string, unknown>)[property];
    }
    case 'call': {
      const object = evaluate(expression.object);
      const args = expression.args.map(evaluate);
      if (typeof object === 'string') {
        return (String.prototype[expression.method as 'includes'] as (...values: unknown[]) => unknown).apply(object, args);
      }
      if (Array.isArray(object) && (expression.method === 'includes' || expression.method === 'indexOf')) {
        return expression.method === 'includes' ? object.includes(args[0]) : object.indexOf(args[0]);
      }
      return undefined;
    }
    case 'unary': {
      const value = evaluate(expression.operand);
      return expression.operator === '!' ? !value : -Number(value);
    }
    case 'conditional':
      return evaluate(expression.test) ? evaluate(expression.then) : evaluate(expression.otherwise);
    case 'binary': {
      if (expression.operator === '&&') return evaluate(expression.left) && evaluate(expression.right);
      if (expression.operator === '||') return evaluate(expression.left) || evaluate(expression.right);
      return applyBinary(expression.operator, evaluate(expression.left), evaluate(expression.right));
    }
  }
}

function applyBinary(operator: string, left: unknown, right: unknown): unknown {
  /* eslint-disable eqeqeq */
  switch (operator) {
    case '===': return left === right;
    case '!==': return left !== right;
    case '==': return left == right;
    case '!=': return left != right;
    case '<': return (left as number) < (right as number);
    case '<=': return (left as number) <= (right as number);
    case '>': return (left as number) > (right as number);
    case '>=': return (left as number) >= (right as number);
    case '+': return typeof left === 'string' || typeof right === 'string' ? `${String(left)}${String(right)}` : Number(left) + Number(right);
    case '-': return Number(left) - Number(right);
    case '*': return Number(left) * Number(right);
    case '/': return Number(left) / Number(right);
    case '%': return Number(left) % Number(right);
    default: throw new ExpressionSyntaxError(`unknown operator ${operator}`);
  }
  /* eslint-enable eqeqeq */
}
