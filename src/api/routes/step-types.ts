import { z } from 'zod';
import { stepRegistry } from '../../engine/steps/registry.js';
import { describedResponses } from '../response-schemas.js';
import type { ZodApp } from '../route-schemas.js';

const StepTypeList = z.object({
  data: z.array(
    z.object({
      type: z.string(),
      configSchema: z.record(z.string(), z.unknown()).describe("the JSON Schema of the step's `config`"),
      branches: z.array(z.string()).describe('config keys that hold child steps (a conditional: trueSteps, falseSteps)'),
      producesOutput: z.boolean(),
    }),
  ),
});

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
