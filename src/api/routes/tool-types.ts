import { z } from 'zod';
import { toolKindNames, toolKinds } from '../../protocol/tool-kinds.js';
import { describedResponses } from '../response-schemas.js';
import type { ZodApp } from '../route-schemas.js';

const ToolTypeList = z.object({
  data: z.array(
    z.object({
      type: z.string(),
      definable: z.boolean().describe('whether a tool of this type can be saved or given inline (a built-in one is only referenced)'),
      editable: z.boolean().describe("whether the dashboard's tool editor offers it"),
      testable: z.boolean().describe('whether POST /v1/tools/test runs it'),
    }),
  ),
});

/** The same for every request: made once. */
const described = toolKindNames.map((type) => {
  const { definable, editable, testable } = toolKinds[type];
  return { type, definable, editable, testable };
});

/** `GET /v1/tool-types`: the kinds of tool this server runs (what the dashboard's tool editor offers). */
export function registerToolTypeRoutes(app: ZodApp): void {
  app.get('/v1/tool-types', { schema: { response: describedResponses({ 200: ToolTypeList }) } }, async () => ({ data: described }));
}
