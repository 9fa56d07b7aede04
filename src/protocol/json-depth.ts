/**
 * Nesting limits for data that enters from outside (request bodies, sandbox results, HTTP and MCP responses,
 * model JSON). JSON.parse in V8 is iterative, but JSON.stringify, structured clone and every recursive walk
 * are not: a value nested a few thousand levels deep overflows the stack wherever it goes next. So depth is
 * checked where data enters, with loops, never recursion.
 */
export const maxJsonDepth = 128;

/** Whether JSON text nests deeper than `limit` (objects and arrays). Linear, stops at the first excess. */
export function jsonTextTooDeep(text: string, limit = maxJsonDepth): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 92)
        index++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 91 || code === 123) {
      if (++depth > limit) return true;
    } else if (code === 93 || code === 125) depth--;
  }
  return false;
}

/** Whether a value nests deeper than `limit`. Iterative: no depth can overflow the stack. JSON values have no cycles. */
export function valueTooDeep(value: unknown, limit = maxJsonDepth): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<[object, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export class JsonTooDeepError extends Error {
  override readonly name = 'JsonTooDeepError';
  constructor(
    readonly what: string,
    readonly limit = maxJsonDepth,
  ) {
    super(`${what} is nested deeper than ${limit} levels`);
  }

  static isInstance(value: unknown): value is JsonTooDeepError {
    return value instanceof JsonTooDeepError;
  }
}

/** JSON.parse that first refuses text nested deeper than `limit` (throws JsonTooDeepError, or the SyntaxError of JSON.parse). */
export function parseJsonBounded(text: string, what: string, limit = maxJsonDepth): unknown {
  if (jsonTextTooDeep(text, limit)) throw new JsonTooDeepError(what, limit);
  return JSON.parse(text);
}
