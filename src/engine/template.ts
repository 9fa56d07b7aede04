/**
 * `{{path.to.value}}` rendering for prompts and values. Paths are dotted names with
 * array indexes (`items[0].name` or `items.0.name`). A name that resolves to nothing
 * renders as an empty string and is reported in `unresolved`.
 */
export interface RenderResult {
  text: string;
  unresolved: string[];
}

const placeholder = /\{\{\s*([^{}]+?)\s*\}\}/g;

export function renderTemplate(template: string, scope: Record<string, unknown>): RenderResult {
  if (!template.includes('{{')) return { text: template, unresolved: [] };
  const unresolved: string[] = [];
  const text = template.replace(placeholder, (_match, expression: string) => {
    const value = lookupPath(scope, expression);
    if (value === undefined || value === null) {
      if (!unresolved.includes(expression)) unresolved.push(expression);
      return '';
    }
    return stringifyValue(value);
  });
  return { text, unresolved };
}

/** Renders every string inside a JSON-like value, keeping non-strings as they are. */
export function renderValue(value: unknown, scope: Record<string, unknown>, unresolved: string[]): unknown {
  if (typeof value === 'string') {
    // A template that is exactly one placeholder keeps the value's type (objects stay objects).
    const exact = /^\{\{\s*([^{}]+?)\s*\}\}$/.exec(value);
    if (exact) {
      const found = lookupPath(scope, exact[1]!);
      if (found !== undefined && found !== null) return found;
    }
    const rendered = renderTemplate(value, scope);
    for (const name of rendered.unresolved) if (!unresolved.includes(name)) unresolved.push(name);
    return rendered.text;
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, scope, unresolved));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, scope, unresolved)]));
  }
  return value;
}

export function stringifyValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function parsePath(path: string): string[] {
  const segments: string[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part.trim());
    if (!match) return [path];
    if (match[1]) segments.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(index[1]!);
  }
  return segments;
}

export function lookupPath(scope: unknown, path: string): unknown {
  let current: unknown = scope;
  for (const segment of parsePath(path)) {
    if (current === null || current === undefined) return undefined;
    if (typeof current === 'string' && isJsonText(current)) current = safeParse(current);
    if (typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function isJsonText(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
