import { describedResponses, ExecutionTreeNode, routeParams, type ZodApp } from '../contract.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { AppDeps } from '../app-deps.js';
import { buildExecutionTree } from '../execution-tree.js';

export function registerExecutionTreeRoutes(app: ZodApp, deps: AppDeps): void {
  app.get(
    '/v1/executions/:id/tree',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: ExecutionTreeNode }) } },
    async (request) => {
      const root = await deps.store.getExecution(request.scope, request.params.id);
      if (!root) throw new FlowrunError('NOT_FOUND', 'Execution not found');
      return buildExecutionTree(deps.store, request.scope, root);
    },
  );
}
