import { expandParameters } from '../engine/parameters.js';
import { validateFlowSteps } from '../engine/validate-flow.js';
import { FlowrunError } from '../protocol/errors.js';
import { type PromptTemplate } from '../protocol/shuttle.js';
import type { TenantScope } from '../protocol/tenant.js';
import { type StoredFlow, type StoredFlowDefinition } from '../store/flows-repository.js';
import type { AppDeps } from './app-deps.js';

/** Checks a definition the way a run will use it: steps validate; templates have no composition cycles; the entrypoint exists. */
export function checkDefinition(deps: Pick<AppDeps, 'models'>, definition: StoredFlowDefinition): void {
  if (definition.steps) validateFlowSteps(definition.steps, ['steps'], { models: deps.models, allowEmpty: true });
  const templates = (definition.templates ?? []) as PromptTemplate[];
  const names = new Set<string>();
  templates.forEach((template, index) => {
    if (names.has(template.name))
      throw new FlowrunError('VALIDATION_ERROR', `Duplicate template '${template.name}'`, [
        { code: 'INVALID_VALUE', path: `templates[${index}].name`, message: `duplicate template '${template.name}'` },
      ]);
    names.add(template.name);
    expandParameters(`${template.template ?? ''}\n${template.userTemplate ?? ''}`, {}, templates, [template.name]);
  });
  if (definition.entrypoint && templates.length > 0 && !names.has(definition.entrypoint)) {
    throw new FlowrunError('VALIDATION_ERROR', `Entrypoint '${definition.entrypoint}' is not a template of the flow`, [
      { code: 'INVALID_VALUE', path: 'entrypoint', message: `no template named '${definition.entrypoint}'` },
    ]);
  }
}

export async function requireFlow(
  deps: Pick<AppDeps, 'store'>,
  scope: TenantScope,
  idOrSlug: string,
  versionId?: string,
): Promise<StoredFlow> {
  const flow = await deps.store.getFlow(scope, idOrSlug, versionId);
  if (!flow) throw new FlowrunError('NOT_FOUND', versionId ? `Flow ${idOrSlug} has no version ${versionId}` : `Flow ${idOrSlug} not found`);
  return flow;
}
