import { FlowrunError } from '../protocol/errors.js';
import { stringifyValue } from './template.js';

/**
 * PromptShuttle's `[[param]]` tokens (lowercase letters, digits, underscores). A token resolves from the
 * caller's parameters first, then from the template of that name (composition, recursively; a cycle is a 422),
 * else it stays in the text and is reported. Comments `{# … #}` and `<!-- … -->` are removed first.
 */
export interface ParameterTemplate {
  name: string;
  template?: string;
  userTemplate?: string;
}

export interface ExpandResult {
  text: string;
  unresolved: string[];
  usedParameters: string[];
}

const token = /\[\[([a-z0-9_]+)\]\]/g;

/** Expansion budgets: composition can double the text at every level, so it is bounded in size and work. */
export const maxExpandedChars = 1_000_000;
export const maxExpansions = 10_000;

/** Removes `{# … #}` and `<!-- … -->` comments in one linear pass (an unclosed one stays as text). */
export function stripComments(text: string): string {
  if (!text.includes('{#') && !text.includes('<!--')) return text;
  let out = '';
  let position = 0;
  for (;;) {
    const hash = text.indexOf('{#', position);
    const html = text.indexOf('<!--', position);
    const start = hash === -1 ? html : html === -1 ? hash : Math.min(hash, html);
    if (start === -1) return out + text.slice(position);
    const [close, width] = start === hash ? ['#}', 2] : ['-->', 3];
    const end = text.indexOf(close, start + (start === hash ? 2 : 4));
    if (end === -1) return out + text.slice(position);
    out += text.slice(position, start);
    position = end + width;
  }
}

interface ExpandState {
  parameters: Record<string, unknown>;
  byName: Map<string, ParameterTemplate>;
  /** Each template expands to the same text every time within one call: expanded once, then reused. */
  done: Map<string, ExpandResult>;
  expansions: number;
}

function tooLarge(what: string): FlowrunError {
  return new FlowrunError('VALIDATION_ERROR', `Template composition ${what}`, [
    { code: 'INVALID_VALUE', path: 'templates', message: `template composition ${what}` },
  ]);
}

function expandIn(text: string, state: ExpandState, trail: string[]): ExpandResult {
  const unresolved: string[] = [];
  const usedParameters: string[] = [];
  const merge = (from: ExpandResult): void => {
    for (const entry of from.unresolved) if (!unresolved.includes(entry)) unresolved.push(entry);
    for (const entry of from.usedParameters) if (!usedParameters.includes(entry)) usedParameters.push(entry);
  };
  let length = 0;
  const expanded = stripComments(text).replace(token, (whole, name: string) => {
    if (++state.expansions > maxExpansions) throw tooLarge(`takes more than ${maxExpansions} expansions`);
    let piece: string;
    if (Object.prototype.hasOwnProperty.call(state.parameters, name)) {
      if (!usedParameters.includes(name)) usedParameters.push(name);
      piece = stringifyValue(state.parameters[name]);
    } else if (state.byName.has(name)) {
      if (trail.includes(name)) {
        throw new FlowrunError('VALIDATION_ERROR', `Templates include each other in a cycle: ${[...trail, name].join(' -> ')}`, [
          {
            code: 'CYCLIC_STEP_REFERENCE',
            path: `templates.${name}`,
            message: `template '${name}' includes itself through ${[...trail, name].join(' -> ')}`,
          },
        ]);
      }
      let inner = state.done.get(name);
      if (!inner) {
        inner = expandIn(state.byName.get(name)!.template ?? '', state, [...trail, name]);
        state.done.set(name, inner);
      }
      merge(inner);
      piece = inner.text;
    } else {
      if (!unresolved.includes(name)) unresolved.push(name);
      piece = whole;
    }
    length += piece.length;
    if (length > maxExpandedChars) throw tooLarge(`expands to more than ${maxExpandedChars} characters`);
    return piece;
  });
  if (expanded.length > maxExpandedChars) throw tooLarge(`expands to more than ${maxExpandedChars} characters`);
  return { text: expanded, unresolved, usedParameters };
}

export function expandParameters(
  text: string,
  parameters: Record<string, unknown>,
  templates: ParameterTemplate[],
  trail: string[] = [],
): ExpandResult {
  const state: ExpandState = {
    parameters,
    byName: new Map(templates.map((template) => [template.name, template])),
    done: new Map(),
    expansions: 0,
  };
  return expandIn(text, state, trail);
}

export interface DiscoveredToken {
  token: string;
  /** `template`: a parameter the caller should supply; `composition`: the name of another template (a parameter may still override it). */
  source: 'template' | 'composition';
  /** The template whose text holds the token. */
  template: string;
}

/** Every token reachable from the entrypoint, in order of first appearance. */
export function discoverParameters(entrypoint: ParameterTemplate, templates: ParameterTemplate[]): DiscoveredToken[] {
  const found: DiscoveredToken[] = [];
  const byName = new Map(templates.map((template) => [template.name, template]));
  const visited = new Set<string>([entrypoint.name]);
  const visit = (template: ParameterTemplate, texts: string[], trail: string[]): void => {
    for (const text of texts) {
      for (const match of stripComments(text).matchAll(token)) {
        const name = match[1]!;
        const target = byName.get(name);
        if (!found.some((entry) => entry.token === name))
          found.push({ token: name, source: target ? 'composition' : 'template', template: template.name });
        // Each template is visited once: visiting per mention grows exponentially with composition.
        if (target && !visited.has(name)) {
          visited.add(name);
          visit(target, [target.template ?? ''], [...trail, name]);
        }
      }
    }
  };
  visit(entrypoint, [entrypoint.template ?? '', entrypoint.userTemplate ?? ''], [entrypoint.name]);
  return found;
}
