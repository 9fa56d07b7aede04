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
const comments = /\{#[\s\S]*?#\}|<!--[\s\S]*?-->/g;

export function expandParameters(text: string, parameters: Record<string, unknown>, templates: ParameterTemplate[], trail: string[] = []): ExpandResult {
  const unresolved: string[] = [];
  const usedParameters: string[] = [];
  const byName = new Map(templates.map((template) => [template.name, template]));
  const expanded = text.replace(comments, '').replace(token, (whole, name: string) => {
    if (Object.prototype.hasOwnProperty.call(parameters, name)) {
      if (!usedParameters.includes(name)) usedParameters.push(name);
      return stringifyValue(parameters[name]);
    }
    const template = byName.get(name);
    if (template) {
      if (trail.includes(name)) {
        throw new FlowrunError('VALIDATION_ERROR', `Templates include each other in a cycle: ${[...trail, name].join(' -> ')}`, [
          { code: 'CYCLIC_STEP_REFERENCE', path: `templates.${name}`, message: `template '${name}' includes itself through ${[...trail, name].join(' -> ')}` },
        ]);
      }
      const inner = expandParameters(template.template ?? '', parameters, templates, [...trail, name]);
      for (const entry of inner.unresolved) if (!unresolved.includes(entry)) unresolved.push(entry);
      for (const entry of inner.usedParameters) if (!usedParameters.includes(entry)) usedParameters.push(entry);
      return inner.text;
    }
    if (!unresolved.includes(name)) unresolved.push(name);
    return whole;
  });
  return { text: expanded, unresolved, usedParameters };
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
  const visit = (template: ParameterTemplate, texts: string[], trail: string[]): void => {
    for (const text of texts) {
      for (const match of text.replace(comments, '').matchAll(token)) {
        const name = match[1]!;
        const target = byName.get(name);
        if (!found.some((entry) => entry.token === name)) found.push({ token: name, source: target ? 'composition' : 'template', template: template.name });
        if (target && !trail.includes(name)) visit(target, [target.template ?? ''], [...trail, name]);
      }
    }
  };
  visit(entrypoint, [entrypoint.template ?? '', entrypoint.userTemplate ?? ''], [entrypoint.name]);
  return found;
}
