import { z } from 'zod';
import { stepRegistry } from '../../engine/steps/registry.js';
import { describedResponses, StepTypeList, type ZodApp } from '../contract.js';

/** The schemas, made once: they are the same for every request. */
function describeStepTypes() {
  return Object.entries(stepRegistry).map(([type, definition]) => ({
    type,
    configSchema:
      definition.describedConfig ?? (z.toJSONSchema(definition.config, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    branches: [...(definition.branches ?? [])],
    producesOutput: definition.producesOutput ?? true,
  }));
}

/** `GET /v1/step-types`: the step types this server runs, each with its config's JSON Schema (what editors build forms from). */
export function registerStepTypeRoutes(app: ZodApp): void {
  let described: ReturnType<typeof describeStepTypes> | undefined;
  app.get('/v1/step-types', { schema: { response: describedResponses({ 200: StepTypeList }) } }, async () => ({
    data: (described ??= describeStepTypes()),
  }));
}
