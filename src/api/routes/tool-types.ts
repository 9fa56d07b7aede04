import { toolKindNames, toolKinds } from '../../protocol/tool-kinds.js';
import { describedResponses, ToolTypeList, type ZodApp } from '../contract.js';

/** The same for every request: made once. */
const described = toolKindNames.map((type) => {
  const { definable, editable, testable } = toolKinds[type];
  return { type, definable, editable, testable };
});

/** `GET /v1/tool-types`: the kinds of tool this server runs (what the dashboard's tool editor offers). */
export function registerToolTypeRoutes(app: ZodApp): void {
  app.get('/v1/tool-types', { schema: { response: describedResponses({ 200: ToolTypeList }) } }, async () => ({ data: described }));
}
