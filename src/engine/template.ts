/**
 * `{{path.to.value}}` rendering for prompts and values. Paths are dotted names with
 * array indexes (`items[0].name` or `items.0.name`). A name that resolves to nothing
 * renders as an empty string and is reported in `unresolved`. `{{secret:KEY}}` is a
 * managed secret, read from the scope's `secrets`: one the run has not is an error
 * (SECRET_NOT_FOUND), never an empty credential.
 */
import { FlowrunError } from '../protocol/errors.js';
import { parseJsonBounded } from '../protocol/json-depth.js';
import { managedSecretKey, managedSecretName } from '../protocol/secrets.js';

export interface RenderResult {
  text: string;
  unresolved: string[];
}

/** JSON text already parsed during one render, so a placeholder-heavy template parses each value once. */
export type ParseCache = Map<string, unknown>;

/**
 * Every `{{ expression }}` in `template` (no braces inside), in one linear pass: a template is user input, and
 * a backtracking regular expression took seconds on `{{` followed by thousands of spaces.
 */
export function scanPlaceholders(template: string): Array<{ start: number; end: number; expression: string }> {
  const found: Array<{ start: number; end: number; expression: string }> = [];
  for (let start = template.indexOf('{{'); start !== -1;) {
    let cursor = start + 2;
    while (cursor < template.length && template.charCodeAt(cursor) !== 123 && template.charCodeAt(cursor) !== 125) cursor++;
    const closes = cursor > start + 2 && template.charCodeAt(cursor) === 125 && template.charCodeAt(cursor + 1) === 125;
    const expression = closes ? template.slice(start + 2, cursor).trim() : '';
    if (closes && expression !== '') {
      found.push({ start, end: cursor + 2, expression });
      start = template.indexOf('{{', cursor + 2);
    } else {
      start = template.indexOf('{{', start + 1);
    }
  }
  return found;
}

export function renderTemplate(template: string, scope: Record<string, unknown>, cache: ParseCache = new Map()): RenderResult {
  if (!template.includes('{{')) return { text: template, unresolved: [] };
  const unresolved: string[] = [];
  let text = '';
  let position = 0;
  for (const { start, end, expression } of scanPlaceholders(template)) {
    const value = resolveExpression(scope, expression, cache);
    text += template.slice(position, start);
    position = end;
    if (value === undefined || value === null) {
      if (!unresolved.includes(expression)) unresolved.push(expression);
      continue;
    }
    text += stringifyValue(value);
  }
  return { text: text + template.slice(position), unresolved };
}

/** The expression when `text` is exactly one placeholder, else null. */
function soleExpression(text: string): string | null {
  if (!text.startsWith('{{') || !text.endsWith('}}')) return null;
  const found = scanPlaceholders(text);
  return found.length === 1 && found[0]!.start === 0 && found[0]!.end === text.length ? found[0]!.expression : null;
}

/** Renders every string inside a JSON-like value, keeping non-strings as they are. */
export function renderValue(value: unknown, scope: Record<string, unknown>, unresolved: string[], cache: ParseCache = new Map()): unknown {
  if (typeof value === 'string') {
    // A template that is exactly one placeholder keeps the value's type (objects stay objects).
    const exact = soleExpression(value);
    if (exact !== null) {
      const found = resolveExpression(scope, exact, cache);
      if (found !== undefined && found !== null) return found;
    }
    const rendered = renderTemplate(value, scope, cache);
    for (const name of rendered.unresolved) if (!unresolved.includes(name)) unresolved.push(name);
    return rendered.text;
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, scope, unresolved, cache));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, scope, unresolved, cache)]));
  }
  return value;
}

/** A placeholder's value: a managed secret (`secret:KEY`), or a path in the scope. */
function resolveExpression(scope: Record<string, unknown>, expression: string, cache: ParseCache): unknown {
  const key = managedSecretKey(expression);
  return key === null ? lookupPath(scope, expression, cache) : managedSecretValue(scope.secrets, key);
}

/** The value of managed secret `key` among a run's secrets; throws SECRET_NOT_FOUND naming the key when it is not there. */
export function managedSecretValue(secrets: unknown, key: string): string {
  const name = managedSecretName(key);
  const value =
    secrets !== null && typeof secrets === 'object' && Object.prototype.hasOwnProperty.call(secrets, name)
      ? (secrets as Record<string, unknown>)[name]
      : undefined;
  if (typeof value === 'string') return value;
  throw new FlowrunError(
    'SECRET_NOT_FOUND',
    `Secret '${key}' is not available to this run: create it with POST /v1/secrets (key '${key}') in this tenant and mode, or give a pending or revoked one a value`,
    [{ code: 'SECRET_NOT_FOUND', message: `{{secret:${key}}} names no active managed secret` }],
  );
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

export function lookupPath(scope: unknown, path: string, cache?: ParseCache): unknown {
  let current: unknown = scope;
  for (const segment of parsePath(path)) {
    if (current === null || current === undefined) return undefined;
    if (typeof current === 'string' && isJsonText(current)) current = parseOnce(current, cache);
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

function parseOnce(text: string, cache: ParseCache | undefined): unknown {
  if (!cache) return safeParse(text);
  if (cache.has(text)) return cache.get(text);
  const value = safeParse(text);
  cache.set(text, value);
  return value;
}

function safeParse(text: string): unknown {
  try {
    return parseJsonBounded(text, 'a value');
  } catch {
    return text;
  }
}
