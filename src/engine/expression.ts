import jsep from 'jsep';

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

const binaryOperators = new Set(['||', '&&', '==', '!=', '===', '!==', '<', '<=', '>', '>=', '+', '-', '*', '/', '%']);
const allowedMethods = new Set(['includes', 'startsWith', 'endsWith', 'toLowerCase', 'toUpperCase', 'trim', 'indexOf']);
const forbiddenNames = new Set(['constructor', '__proto__', 'prototype']);
const placeholderName = '__flowrun_placeholder_';

/**
 * Parses with jsep (a small, linear JavaScript-expression parser), then keeps only the subset above: any other
 * node (arrays, `this`, bitwise operators, sequences, calls of anything but the allowed methods) is a syntax error.
 * `{{path}}` placeholders are swapped for reserved names before parsing and back after.
 */
export function parseExpression(source: string): Expression {
  if (source.includes(placeholderName)) throw new ExpressionSyntaxError(`names starting with ${placeholderName} are reserved`);
  const paths: string[] = [];
  let text = '';
  let position = 0;
  for (let start = source.indexOf('{{'); start !== -1; start = source.indexOf('{{', position)) {
    const end = source.indexOf('}}', start);
    if (end < 0) throw new ExpressionSyntaxError('unclosed {{ placeholder');
    text += `${source.slice(position, start)} ${placeholderName}${paths.length} `;
    paths.push(source.slice(start + 2, end).trim());
    position = end + 2;
  }
  text += source.slice(position);
  if (text.trim() === '') throw new ExpressionSyntaxError('empty expression');
  let tree: jsep.Expression;
  try {
    tree = jsep(text);
  } catch (error) {
    throw new ExpressionSyntaxError((error as Error).message);
  }
  return convert(tree, paths);
}

function convert(node: jsep.Expression, paths: string[]): Expression {
  switch (node.type) {
    case 'Literal':
      return { kind: 'literal', value: (node as jsep.Literal).value };
    case 'Identifier': {
      const name = (node as jsep.Identifier).name;
      if (name.startsWith(placeholderName)) return { kind: 'placeholder', path: paths[Number(name.slice(placeholderName.length))]! };
      if (name === 'undefined') return { kind: 'literal', value: undefined };
      return { kind: 'name', name };
    }
    case 'MemberExpression': {
      const member = node as jsep.MemberExpression;
      const property = member.computed
        ? convert(member.property, paths)
        : { kind: 'literal' as const, value: (member.property as jsep.Identifier).name };
      return { kind: 'member', object: convert(member.object, paths), property };
    }
    case 'CallExpression': {
      const call = node as jsep.CallExpression;
      const callee = call.callee as jsep.MemberExpression;
      if (callee.type !== 'MemberExpression' || callee.computed)
        throw new ExpressionSyntaxError('only methods can be called, as value.method()');
      const method = (callee.property as jsep.Identifier).name;
      if (!allowedMethods.has(method)) throw new ExpressionSyntaxError(`method ${method}() is not allowed`);
      return {
        kind: 'call',
        object: convert(callee.object, paths),
        method,
        args: call.arguments.map((argument) => convert(argument, paths)),
      };
    }
    case 'UnaryExpression': {
      const unary = node as jsep.UnaryExpression;
      if (unary.operator !== '!' && unary.operator !== '-') throw new ExpressionSyntaxError(`unexpected '${unary.operator}'`);
      return { kind: 'unary', operator: unary.operator, operand: convert(unary.argument, paths) };
    }
    case 'BinaryExpression': {
      const binary = node as jsep.BinaryExpression;
      if (!binaryOperators.has(binary.operator)) throw new ExpressionSyntaxError(`unexpected '${binary.operator}'`);
      return { kind: 'binary', operator: binary.operator, left: convert(binary.left, paths), right: convert(binary.right, paths) };
    }
    case 'ConditionalExpression': {
      const conditional = node as jsep.ConditionalExpression;
      return {
        kind: 'conditional',
        test: convert(conditional.test, paths),
        then: convert(conditional.consequent, paths),
        otherwise: convert(conditional.alternate, paths),
      };
    }
    default:
      throw new ExpressionSyntaxError(`unexpected ${node.type === 'Compound' ? "','" : node.type}`);
  }
}

export function evaluateExpression(expression: Expression, scope: Record<string, unknown>, lookup: (path: string) => unknown): unknown {
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
    case '===':
      return left === right;
    case '!==':
      return left !== right;
    case '==':
      return left == right;
    case '!=':
      return left != right;
    case '<':
      return (left as number) < (right as number);
    case '<=':
      return (left as number) <= (right as number);
    case '>':
      return (left as number) > (right as number);
    case '>=':
      return (left as number) >= (right as number);
    case '+':
      return typeof left === 'string' || typeof right === 'string' ? `${String(left)}${String(right)}` : Number(left) + Number(right);
    case '-':
      return Number(left) - Number(right);
    case '*':
      return Number(left) * Number(right);
    case '/':
      return Number(left) / Number(right);
    case '%':
      return Number(left) % Number(right);
    default:
      throw new ExpressionSyntaxError(`unknown operator ${operator}`);
  }
  /* eslint-enable eqeqeq */
}
