import { FlowrunError } from '../../protocol/errors.js';
import { redactUrl, redactUrlsIn } from '../../protocol/redact-url.js';
import { McpFailure } from '../../protocol/mcp-failure.js';
import { testableAnd, testableKinds, testableOr } from '../../protocol/tool-kinds.js';
import { buildSecretRedactor } from '../../engine/secret-redactor.js';
import { inlineTool } from '../../engine/run-tool.js';
import { withCredentials } from '../../engine/steps/tool-secrets.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';
import {
  describedBody,
  describedResponses,
  McpDiscoverBody,
  McpDiscovery,
  ToolTestBody,
  ToolTestResult,
  type ZodApp,
} from '../contract.js';
import { parseTool } from './tools.js';

/** How long a test call may take at most (a custom tool's own `timeout` still applies inside). */
const testTimeoutMs = 60_000;

/**
 * `POST /v1/tools/test` runs a custom tool in the sandbox (or calls an external one) once with given arguments, as a
 * run would, without saving anything; `POST /v1/tools/mcp/discover` lists an MCP server's tools. Both are what the
 * dashboard's tool editor uses before a tool is saved.
 */
export function registerToolTestRoutes(app: ZodApp, deps: AppDeps): void {
  app.post(
    '/v1/tools/test',
    { schema: { body: describedBody(ToolTestBody), response: describedResponses({ 200: ToolTestResult }) } },
    async (request, reply) => {
      const body = parseInput(ToolTestBody, request.body);
      const tool = parseTool(body.tool, ['tool']);
      if (!testableKinds.includes(tool.toolType))
        throw new FlowrunError('VALIDATION_ERROR', `Only ${testableAnd} tools can be tested here; this one is ${tool.toolType}`, [
          { path: 'tool.toolType', message: `expected ${testableOr}`, code: 'INVALID_ENUM' },
        ]);
      // `{{secret:KEY}}` in the tool is the tenant's managed secret, as in a run.
      const secrets = await deps.runs.secretsFor(request.scope, body.secrets, [tool]);
      const signal = AbortSignal.any([AbortSignal.timeout(testTimeoutMs), closedSignal(reply.raw)]);
      const started = performance.now();
      const outcome = await deps.runs.tools.run(inlineTool(tool), body.arguments, {
        executionId: 'tool_test',
        scope: request.scope,
        // What an external tool sends as its idempotency key: each test is a new call, never a repeat of the last.
        toolCallId: deps.ids.next('tooltest'),
        secrets,
        signal,
        depth: 0,
      });
      const durationMs = Math.round(performance.now() - started);
      // A setting of the tool that cannot work with these arguments is the body's fault, said as such.
      if (!outcome.ok && outcome.error.field)
        throw new FlowrunError('VALIDATION_ERROR', outcome.error.message, [
          { path: `tool.${outcome.error.field}`, message: outcome.error.message, code: 'INVALID_VALUE' },
        ]);
      // The secrets sent for the test are not answered back, even when the tool echoes them.
      const redactor = await buildSecretRedactor(Object.values(secrets));
      return redactor.redact(
        outcome.ok
          ? { ok: true, result: outcome.result, error: null, logs: outcome.logs ?? [], durationMs }
          : { ok: false, result: null, error: outcome.error, logs: outcome.logs ?? [], durationMs },
      );
    },
  );

  app.post(
    '/v1/tools/mcp/discover',
    { schema: { body: describedBody(McpDiscoverBody), response: describedResponses({ 200: McpDiscovery }) } },
    async (request, reply) => {
      const { server: written } = parseInput(McpDiscoverBody, request.body);
      // `{{secret:KEY}}` in the server's auth is the tenant's managed secret, as in a run (SECRET_NOT_FOUND when not).
      const secrets = await deps.runs.secretsFor(request.scope, {}, [written]);
      const [server] = withCredentials([written], secrets) as [typeof written];
      const signal = AbortSignal.any([AbortSignal.timeout(testTimeoutMs), closedSignal(reply.raw)]);
      try {
        const tools = await deps.runs.tools.describeMcpTools([server], [`mcp:${server.id}:*`], signal, request.scope.tenantId);
        return { data: tools.map(({ id, name, description, parametersSchema }) => ({ id, name, description, parametersSchema })) };
      } catch (error) {
        if (error instanceof FlowrunError) throw error;
        const status = McpFailure.isInstance(error) ? error.status : undefined;
        const why =
          status !== undefined
            ? `it answered HTTP ${status}${status === 401 || status === 403 ? ' (check its auth)' : ''}`
            : redactUrlsIn((error as Error).message);
        // The URL as the user wrote it may hold credentials (`user:pass@`, `?token=`): they are not repeated.
        throw new FlowrunError('MCP_ERROR', `MCP server ${redactUrl(server.url)} did not list its tools: ${why}`);
      }
    },
  );
}

/** Aborts when the client goes away before its answer is sent. */
function closedSignal(response: import('node:http').ServerResponse): AbortSignal {
  const controller = new AbortController();
  // A client that left while the body was read has closed already: no 'close' event comes for it any more.
  if (response.destroyed || !response.socket || response.socket.destroyed) controller.abort();
  else
    response.once('close', () => {
      if (!response.writableEnded) controller.abort();
    });
  return controller.signal;
}
