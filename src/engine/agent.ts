import { AgentDefinition, agentSpec, type AgentSpec } from '../protocol/agent.js';
import { FlowrunError } from '../protocol/errors.js';
import { zodIssuesToDetails } from '../protocol/zod-details.js';
import type { ModelGateway } from './ports.js';

export interface ResolveAgentSpecOptions {
  id: string;
  /** The agent definition as given, not yet validated. */
  raw: unknown;
  /** Where the definition sits in the request, for the field paths of errors. */
  path: string;
  models: Pick<ModelGateway, 'resolve'>;
  /** A model that replaces the definition's. */
  modelOverride?: string;
}

/** Validates an agent definition and turns it into its spec; errors name fields under `path`. */
export function resolveAgentSpec({ id, raw, path, models, modelOverride }: ResolveAgentSpecOptions): AgentSpec {
  const parsed = AgentDefinition.safeParse(raw);
  if (!parsed.success) {
    const details = zodIssuesToDetails(parsed.error, raw, [path]);
    throw new FlowrunError('VALIDATION_ERROR', details[0]?.message ?? 'Invalid agent', details);
  }
  const spec = agentSpec(id, parsed.data);
  const model = modelOverride ?? spec.model;
  if (!model)
    throw new FlowrunError('VALIDATION_ERROR', 'The agent needs a model', [
      { code: 'MISSING_REQUIRED_FIELD', path: `${path}.model`, message: `${path}.model (or ${path}.config.model) is required` },
    ]);
  const resolution = models.resolve(model);
  if (!resolution.ok)
    throw new FlowrunError('VALIDATION_ERROR', resolution.reason, [
      {
        code: resolution.code,
        path: `${path}.model`,
        message: resolution.reason,
        ...(resolution.suggestion ? { suggestion: resolution.suggestion } : {}),
      },
    ]);
  return spec;
}
