import { sendJson, type HttpOptions } from './http.js';
import { resource } from './resource.js';
import { createRunStream, type Dialect, type EventOf, type RunStream } from './run-stream.js';
import type {
  ApiKey,
  ApprovalDecision,
  DispatchRequest,
  DispatchResult,
  Execution,
  LedgerEntry,
  Model,
  Page,
  ShuttleRun,
  ShuttleRunRequest,
  StepTypeInfo,
  ToolTypeInfo,
  ToolTestResult,
  UsageQuery,
  UsageStatistics,
} from './types.js';

export interface FlowrunClientOptions {
  /** Where Flowrun listens, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** A `tv_test_…` or `tv_live_…` key (`npx flowrun keys create`). */
  apiKey: string;
  /** Another fetch (a proxy's, a test's); the global one by default. */
  fetch?: typeof fetch;
  /** Tries after the first for a retryable answer (429, 502, 503, 504; lost connections when safe). Default 2. */
  maxRetries?: number;
  /** The first retry's wait in ms (doubled each time, with jitter; Retry-After wins). Default 500. */
  retryDelayMs?: number;
  /** The longest wait between two tries, in ms. Default 10,000. */
  maxDelayMs?: number;
  /** How often a dropped event stream is resumed without getting any further before giving up. Default 5. */
  maxReconnects?: number;
}

export interface StreamOptions<D extends Dialect> {
  /** The event vocabulary: `unified` (default), `runtype` or `travrse`. */
  dialect?: D;
  /** Sent as `Idempotency-Key`: a repeated request returns the first run, so a lost connection can be retried. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** A typed client for every Flowrun endpoint; fetch only, so it runs in Node 22+, browsers and edge runtimes. */
export function createFlowrunClient(options: FlowrunClientOptions) {
  const http: HttpOptions & { maxReconnects: number } = {
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    fetch: options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args)),
    maxRetries: options.maxRetries ?? 2,
    retryDelayMs: options.retryDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    maxReconnects: options.maxReconnects ?? 5,
  };
  const stream = <D extends Dialect = 'unified'>(path: string, body: Record<string, unknown>, streamOptions: StreamOptions<D> = {}) =>
    createRunStream(
      http,
      {
        path,
        options: {
          body,
          query: { events: streamOptions.dialect ?? 'unified' },
          headers: streamOptions.idempotencyKey ? { 'idempotency-key': streamOptions.idempotencyKey } : {},
          ...(streamOptions.signal ? { signal: streamOptions.signal } : {}),
        },
      },
      (streamOptions.dialect ?? 'unified') as D,
    );
  const withStream = (body: Record<string, unknown>) => ({ ...body, options: { ...(body.options as object), streamResponse: true } });

  return {
    /** Starts a run and streams its events; `result()` resolves with the execution once it ended or paused. */
    dispatch: <D extends Dialect = 'unified'>(request: DispatchRequest, streamOptions?: StreamOptions<D>): RunStream<EventOf<D>> =>
      stream('v1/dispatch', withStream(request), streamOptions),
    /** Starts a run and waits for its end: one JSON answer (`streamResponse: false`). */
    dispatchAndWait: (request: DispatchRequest, waitOptions: { idempotencyKey?: string; signal?: AbortSignal } = {}) =>
      sendJson<DispatchResult>(http, 'v1/dispatch', {
        body: { ...request, options: { ...request.options, streamResponse: false } },
        headers: waitOptions.idempotencyKey ? { 'idempotency-key': waitOptions.idempotencyKey } : {},
        ...(waitOptions.signal ? { signal: waitOptions.signal } : {}),
      }),
    /** Decides a pending approval; the run goes on, streamed from there. */
    approve: <D extends Dialect = 'unified'>(decision: ApprovalDecision, streamOptions?: StreamOptions<D>) =>
      stream('v1/dispatch/approve', { ...decision }, streamOptions),
    /** Answers the client tools a paused run waits for, by tool-call id; the run goes on, streamed. */
    resume: <D extends Dialect = 'unified'>(
      body: { executionId: string; toolOutputs: Record<string, unknown> },
      streamOptions?: StreamOptions<D>,
    ) => stream('v1/dispatch/resume', { ...body, streamResponse: true }, streamOptions),
    /** Runtype's general continuation of a paused run (an approval decision or tool outputs). */
    continue: <D extends Dialect = 'unified'>(
      body: { executionId: string; continuation: Record<string, unknown> },
      streamOptions?: StreamOptions<D>,
    ) => stream('v1/dispatch/continue', { ...body, streamResponse: true }, streamOptions),
    executions: {
      /** Newest first; `from` and `to` (ISO 8601) bound the creation time. */
      list: (
        query: {
          status?: string;
          flowId?: string;
          tag?: string;
          customerId?: string;
          from?: string;
          to?: string;
          limit?: number;
          offset?: number;
        } = {},
      ) => sendJson<Page<Execution>>(http, 'v1/executions', { query }),
      get: (id: string) => sendJson<Execution>(http, `v1/executions/${encodeURIComponent(id)}`),
      /** Replays a run's events after `after` (a sequence number), then follows it live until it ends. */
      events: <D extends Dialect = 'unified'>(id: string, replay: { after?: number; dialect?: D; signal?: AbortSignal } = {}) =>
        createRunStream(
          http,
          {
            path: `v1/executions/${encodeURIComponent(id)}/events`,
            options: {
              query: { after: replay.after, events: replay.dialect ?? 'unified' },
              ...(replay.signal ? { signal: replay.signal } : {}),
            },
          },
          (replay.dialect ?? 'unified') as D,
        ),
      cancel: (id: string) =>
        sendJson<{ executionId: string; status: string }>(http, `v1/executions/${encodeURIComponent(id)}/cancel`, {
          method: 'POST',
          body: {},
        }),
      tree: (id: string) => sendJson<Record<string, unknown>>(http, `v1/executions/${encodeURIComponent(id)}/tree`),
      artifacts: (id: string) => sendJson<Page<Record<string, unknown>>>(http, `v1/executions/${encodeURIComponent(id)}/artifacts`),
    },
    approvals: {
      list: (query: { status?: string } = {}) => sendJson<Page<Record<string, unknown>>>(http, 'v1/approvals', { query }),
    },
    /** PromptShuttle runs: `runs.create(flowIdOrSlug, {parameters, environment, …})`, and the run list. */
    runs: {
      create: (flowId: string, body: ShuttleRunRequest = {}, runOptions: { customerId?: string } = {}) =>
        sendJson<ShuttleRun>(http, `api/v1/flows/${encodeURIComponent(flowId)}/runs`, {
          body,
          headers: runOptions.customerId ? { 'x-shuttle-customer-id': runOptions.customerId } : {},
        }),
      list: (query: { tag?: string; customerId?: string; limit?: number; offset?: number } = {}) =>
        sendJson<Page<Record<string, unknown>>>(http, 'api/v1/runs', { query }),
      get: (flowId: string, runId: string) =>
        sendJson<ShuttleRun & { status: string; feedback: unknown }>(
          http,
          `api/v1/flows/${encodeURIComponent(flowId)}/runs/${encodeURIComponent(runId)}`,
        ),
      agentTree: (flowId: string, runId: string) =>
        sendJson<Record<string, unknown>>(http, `api/v1/flows/${encodeURIComponent(flowId)}/runs/${encodeURIComponent(runId)}/agent-tree`),
    },
    /** Flows (Runtype's `/v1/flows`; PromptShuttle's `/api/v1/flows` are the same flows), their versions and environments. */
    flows: {
      ...resource<Record<string, unknown>>(http, 'v1/flows'),
      parameters: (flowId: string, query: { environment?: string; version?: string; entrypoint?: string } = {}) =>
        sendJson<Array<{ token: string; source: string; template: string }>>(
          http,
          `api/v1/flows/${encodeURIComponent(flowId)}/parameters`,
          {
            query,
          },
        ),
      versions: (flowId: string) => sendJson<Page<Record<string, unknown>>>(http, `v1/flows/${encodeURIComponent(flowId)}/versions`),
      version: (flowId: string, versionId: string) =>
        sendJson<Record<string, unknown>>(http, `v1/flows/${encodeURIComponent(flowId)}/versions/${encodeURIComponent(versionId)}`),
      /** Makes a version the one `environment` runs. */
      activate: (flowId: string, versionId: string, body: { environment: string; comment?: string }) =>
        sendJson<Record<string, unknown>>(
          http,
          `v1/flows/${encodeURIComponent(flowId)}/versions/${encodeURIComponent(versionId)}/environments`,
          {
            body,
          },
        ),
      environments: (flowId: string) =>
        sendJson<{ flowId: string; activeVersions: Record<string, string> }>(http, `v1/flows/${encodeURIComponent(flowId)}/environments`),
    },
    environments: {
      list: () => sendJson<{ data: string[] }>(http, 'v1/environments'),
      create: (name: string) => sendJson<{ name: string }>(http, 'v1/environments', { body: { name } }),
      diff: (sourceEnvironment: string, targetEnvironment: string) =>
        sendJson<Record<string, unknown>>(http, 'v1/environments/diff', { query: { sourceEnvironment, targetEnvironment } }),
      promote: (body: { sourceEnvironment: string; targetEnvironment: string; flowIds?: string[]; comment?: string }) =>
        sendJson<Record<string, unknown>>(http, 'v1/environments/promote', { body }),
    },
    audit: {
      list: (query: { flowId?: string; limit?: number } = {}) => sendJson<Page<Record<string, unknown>>>(http, 'v1/audit', { query }),
    },
    modelAliases: {
      list: () => sendJson<Page<Record<string, unknown>>>(http, 'api/v1/model-aliases'),
      create: (body: { alias: string; models: string[]; strategy: string; weights?: number[] }) =>
        sendJson<Record<string, unknown>>(http, 'api/v1/model-aliases', { body }),
      delete: (alias: string) => sendJson<unknown>(http, `api/v1/model-aliases/${encodeURIComponent(alias)}`, { method: 'DELETE' }),
    },
    credits: {
      balance: () => sendJson<{ tenantId: string; mode: 'test' | 'live'; creditsLeft: number }>(http, 'api/v1/credits'),
      /** The ledger, newest first: every grant, top-up and run's charge. */
      ledger: (query: { limit?: number; offset?: number } = {}) => sendJson<Page<LedgerEntry>>(http, 'api/v1/credits/ledger', { query }),
    },
    statistics: {
      usage: (query: UsageQuery = {}) => sendJson<UsageStatistics>(http, 'api/v1/statistics/usage', { query: { ...query } }),
    },
    tools: {
      ...resource<Record<string, unknown>>(http, 'v1/tools'),
      /** Runs a custom tool in the sandbox (or calls an external one) once, without saving it. */
      test: (body: { tool: Record<string, unknown>; arguments?: Record<string, unknown>; secrets?: Record<string, string> }) =>
        sendJson<ToolTestResult>(http, 'v1/tools/test', { body }),
      /** Lists an MCP server's tools. */
      discoverMcp: (server: { id: string; url: string; auth?: Record<string, unknown> }) =>
        sendJson<{ data: Array<{ id: string; name: string; description: string; parametersSchema: unknown }> }>(
          http,
          'v1/tools/mcp/discover',
          { body: { server } },
        ),
    },
    stepTypes: {
      /** The step types the server runs, each with its config's JSON Schema. */
      list: () => sendJson<{ data: StepTypeInfo[] }>(http, 'v1/step-types'),
    },
    toolTypes: {
      /** The kinds of tool the server runs, and which the tool editor offers. */
      list: () => sendJson<{ data: ToolTypeInfo[] }>(http, 'v1/tool-types'),
    },
    agents: {
      ...resource<Record<string, unknown>>(http, 'v1/agents'),
      /** Chats with a saved agent: send the whole history each turn. */
      execute: <D extends Dialect = 'unified'>(id: string, body: Record<string, unknown>, streamOptions?: StreamOptions<D>) =>
        stream(`v1/agents/${encodeURIComponent(id)}/execute`, withStream(body), streamOptions),
    },
    records: resource<Record<string, unknown>>(http, 'v1/records'),
    feedback: {
      create: (body: { shuttleRequestId: string; score: number; text?: string; endUserId?: string }) =>
        sendJson<Record<string, unknown>>(http, 'api/v1/feedback', { body }),
    },
    keys: {
      list: () => sendJson<Page<ApiKey>>(http, 'v1/keys'),
      /** A new key of the same tenant and mode; `key` is in this answer only. */
      create: (body: { name?: string; rateLimitPerMinute?: number | null; maxRunsInFlight?: number | null } = {}) =>
        sendJson<ApiKey & { key: string }>(http, 'v1/keys', { body }),
      revoke: (id: string) => sendJson<{ id: string; revoked: boolean }>(http, `v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    },
    models: {
      list: () => sendJson<{ object: 'list'; data: Model[] }>(http, 'v1/models'),
    },
  };
}

export type FlowrunClient = ReturnType<typeof createFlowrunClient>;
