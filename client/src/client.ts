import { sendJson, type HttpOptions } from './http.js';
import { resource } from './resource.js';
import { createRunStream, type Dialect, type EventOf, type RunStream } from './run-stream.js';
import type {
  Activation,
  ActivateRequest,
  Agent,
  AgentExecuteRequest,
  AgentList,
  AgentRequest,
  AgentTree,
  ApiKeyList,
  ApprovalDecision,
  ApprovalList,
  ApprovalListQuery,
  ArtifactList,
  AuditList,
  AuditQuery,
  Cancellation,
  ContinueRequest,
  CreditBalance,
  CreditLedger,
  DispatchRequest,
  DispatchResult,
  Environment,
  EnvironmentDiff,
  EnvironmentList,
  ExecutionDetail,
  ExecutionListQuery,
  ExecutionPage,
  ExecutionTree,
  FeedbackAnswer,
  FeedbackRequest,
  FlowEnvironments,
  FlowList,
  FlowRequest,
  FlowVersion,
  FlowVersionList,
  FlowView,
  KeyRequest,
  LedgerQuery,
  McpDiscovery,
  McpDiscoverRequest,
  ModelAlias,
  ModelAliasList,
  ModelAliasRequest,
  ModelList,
  NewApiKey,
  ParametersQuery,
  Promotion,
  PromoteRequest,
  RecordPage,
  RecordRequest,
  ResumeRequest,
  RevokedKey,
  Secret,
  SecretCheck,
  SecretCheckRequest,
  SecretList,
  SecretRequest,
  SecretUpdateRequest,
  DeletedSecret,
  ShuttleParameters,
  ShuttleRun,
  ShuttleRunPage,
  ShuttleRunRequest,
  ShuttleRunsQuery,
  StepTypeList,
  StoredRecord,
  StoredShuttleRun,
  Tool,
  ToolList,
  ToolRequest,
  ToolTestRequest,
  ToolTypeList,
  ToolTestResult,
  UsageQuery,
  UsageStatistics,
} from './types.js';

export interface FlowrunClientOptions {
  /** Where Flowrun listens, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** A `tv_test_…` or `tv_live_…` key (the CLI's `keys create`). */
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
    resume: <D extends Dialect = 'unified'>(body: ResumeRequest, streamOptions?: StreamOptions<D>) =>
      stream('v1/dispatch/resume', { ...body, streamResponse: true }, streamOptions),
    /** Runtype's general continuation of a paused run (an approval decision or tool outputs). */
    continue: <D extends Dialect = 'unified'>(body: ContinueRequest, streamOptions?: StreamOptions<D>) =>
      stream('v1/dispatch/continue', { ...body, streamResponse: true }, streamOptions),
    executions: {
      /** Newest first; `from` and `to` (ISO 8601) bound the creation time. */
      list: (query: ExecutionListQuery = {}) => sendJson<ExecutionPage>(http, 'v1/executions', { query: { ...query } }),
      get: (id: string) => sendJson<ExecutionDetail>(http, `v1/executions/${encodeURIComponent(id)}`),
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
        sendJson<Cancellation>(http, `v1/executions/${encodeURIComponent(id)}/cancel`, {
          method: 'POST',
          body: {},
        }),
      tree: (id: string) => sendJson<ExecutionTree>(http, `v1/executions/${encodeURIComponent(id)}/tree`),
      artifacts: (id: string) => sendJson<ArtifactList>(http, `v1/executions/${encodeURIComponent(id)}/artifacts`),
    },
    approvals: {
      list: (query: ApprovalListQuery = {}) => sendJson<ApprovalList>(http, 'v1/approvals', { query: { ...query } }),
    },
    /** PromptShuttle runs: `runs.create(flowIdOrSlug, {parameters, environment, …})`, and the run list. */
    runs: {
      create: (flowId: string, body: ShuttleRunRequest = {}, runOptions: { customerId?: string } = {}) =>
        sendJson<ShuttleRun>(http, `api/v1/flows/${encodeURIComponent(flowId)}/runs`, {
          body,
          headers: runOptions.customerId ? { 'x-shuttle-customer-id': runOptions.customerId } : {},
        }),
      list: (query: ShuttleRunsQuery = {}) => sendJson<ShuttleRunPage>(http, 'api/v1/runs', { query: { ...query } }),
      get: (flowId: string, runId: string) =>
        sendJson<StoredShuttleRun>(http, `api/v1/flows/${encodeURIComponent(flowId)}/runs/${encodeURIComponent(runId)}`),
      agentTree: (flowId: string, runId: string) =>
        sendJson<AgentTree>(http, `api/v1/flows/${encodeURIComponent(flowId)}/runs/${encodeURIComponent(runId)}/agent-tree`),
    },
    /** Flows (Runtype's `/v1/flows`; PromptShuttle's `/api/v1/flows` are the same flows), their versions and environments. */
    flows: {
      ...resource<FlowView, FlowList, FlowRequest>(http, 'v1/flows'),
      parameters: (flowId: string, query: ParametersQuery = {}) =>
        sendJson<ShuttleParameters>(http, `api/v1/flows/${encodeURIComponent(flowId)}/parameters`, { query: { ...query } }),
      versions: (flowId: string) => sendJson<FlowVersionList>(http, `v1/flows/${encodeURIComponent(flowId)}/versions`),
      version: (flowId: string, versionId: string) =>
        sendJson<FlowVersion>(http, `v1/flows/${encodeURIComponent(flowId)}/versions/${encodeURIComponent(versionId)}`),
      /** Makes a version the one `environment` runs. */
      activate: (flowId: string, versionId: string, body: ActivateRequest) =>
        sendJson<Activation>(http, `v1/flows/${encodeURIComponent(flowId)}/versions/${encodeURIComponent(versionId)}/environments`, {
          body,
        }),
      environments: (flowId: string) => sendJson<FlowEnvironments>(http, `v1/flows/${encodeURIComponent(flowId)}/environments`),
    },
    environments: {
      list: () => sendJson<EnvironmentList>(http, 'v1/environments'),
      create: (name: string) => sendJson<Environment>(http, 'v1/environments', { body: { name } }),
      diff: (sourceEnvironment: string, targetEnvironment: string) =>
        sendJson<EnvironmentDiff>(http, 'v1/environments/diff', { query: { sourceEnvironment, targetEnvironment } }),
      promote: (body: PromoteRequest) => sendJson<Promotion>(http, 'v1/environments/promote', { body }),
    },
    audit: {
      list: (query: AuditQuery = {}) => sendJson<AuditList>(http, 'v1/audit', { query: { ...query } }),
    },
    modelAliases: {
      list: () => sendJson<ModelAliasList>(http, 'api/v1/model-aliases'),
      create: (body: ModelAliasRequest) => sendJson<ModelAlias>(http, 'api/v1/model-aliases', { body }),
      delete: (alias: string) => sendJson<unknown>(http, `api/v1/model-aliases/${encodeURIComponent(alias)}`, { method: 'DELETE' }),
    },
    credits: {
      balance: () => sendJson<CreditBalance>(http, 'api/v1/credits'),
      /** The ledger, newest first: every grant, top-up and run's charge. */
      ledger: (query: LedgerQuery = {}) => sendJson<CreditLedger>(http, 'api/v1/credits/ledger', { query: { ...query } }),
    },
    statistics: {
      usage: (query: UsageQuery = {}) => sendJson<UsageStatistics>(http, 'api/v1/statistics/usage', { query: { ...query } }),
    },
    tools: {
      ...resource<Tool, ToolList, ToolRequest>(http, 'v1/tools'),
      /** Runs a custom tool in the sandbox (or calls an external one) once, without saving it. */
      test: (body: ToolTestRequest) => sendJson<ToolTestResult>(http, 'v1/tools/test', { body }),
      /** Lists an MCP server's tools. */
      discoverMcp: (server: McpDiscoverRequest['server']) => sendJson<McpDiscovery>(http, 'v1/tools/mcp/discover', { body: { server } }),
    },
    stepTypes: {
      /** The step types the server runs, each with its config's JSON Schema. */
      list: () => sendJson<StepTypeList>(http, 'v1/step-types'),
    },
    toolTypes: {
      /** The kinds of tool the server runs, and which the tool editor offers. */
      list: () => sendJson<ToolTypeList>(http, 'v1/tool-types'),
    },
    agents: {
      ...resource<Agent, AgentList, AgentRequest>(http, 'v1/agents'),
      /** Chats with a saved agent: send the whole history each turn. */
      execute: <D extends Dialect = 'unified'>(id: string, body: AgentExecuteRequest, streamOptions?: StreamOptions<D>) =>
        stream(`v1/agents/${encodeURIComponent(id)}/execute`, withStream(body), streamOptions),
    },
    records: resource<StoredRecord, RecordPage, RecordRequest>(http, 'v1/records'),
    feedback: {
      create: (body: FeedbackRequest) => sendJson<FeedbackAnswer>(http, 'api/v1/feedback', { body }),
    },
    keys: {
      list: () => sendJson<ApiKeyList>(http, 'v1/keys'),
      /** A new key of the same tenant and mode; `key` is in this answer only. */
      create: (body: KeyRequest = {}) => sendJson<NewApiKey>(http, 'v1/keys', { body }),
      revoke: (id: string) => sendJson<RevokedKey>(http, `v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    },
    models: {
      list: () => sendJson<ModelList>(http, 'v1/models'),
    },
    /** Managed secrets (`{{secret:KEY}}`): values are write-only, every answer is metadata. */
    secrets: {
      list: () => sendJson<SecretList>(http, 'v1/secrets'),
      /** By id or key. */
      get: (idOrKey: string) => sendJson<Secret>(http, `v1/secrets/${encodeURIComponent(idOrKey)}`),
      create: (body: SecretRequest) => sendJson<Secret>(http, 'v1/secrets', { body }),
      /** A new `value` rotates it; `expectedVersion` refuses the change (409) when the secret moved on. */
      update: (idOrKey: string, body: SecretUpdateRequest) =>
        sendJson<Secret>(http, `v1/secrets/${encodeURIComponent(idOrKey)}`, { method: 'PUT', body }),
      delete: (idOrKey: string) => sendJson<DeletedSecret>(http, `v1/secrets/${encodeURIComponent(idOrKey)}`, { method: 'DELETE' }),
      /** Which of `keys` are active, missing (or pending) and revoked. */
      check: (keys: SecretCheckRequest['keys']) => sendJson<SecretCheck>(http, 'v1/secrets/check', { body: { keys } }),
    },
  };
}

export type FlowrunClient = ReturnType<typeof createFlowrunClient>;
