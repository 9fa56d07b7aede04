import type { ErrorCode } from '../protocol/errors.js';
import type { ChatMessage } from '../protocol/flow.js';
import type { ExecutionEvent, ExecutionEventBody } from '../protocol/execution-event.js';
import type { Usage } from '../protocol/usage.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { RecordData } from '../protocol/record.js';
import type { ToolKind } from '../protocol/tool-kinds.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Ids {
  /** A new unique, time-sortable id with the given prefix, e.g. `exec_01J…`. */
  next(prefix: string): string;
}

/** A tool as the model sees it. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface ToolCallRequest {
  toolCallId: string;
  toolName: string;
  /** The arguments as the model wrote them: JSON text. */
  input: string;
}

/** A conversation message sent to a model: chat messages plus the tool-calling turns of a loop. */
export type ModelMessage =
  | ChatMessage
  | { role: 'assistant'; content: string; toolCalls: ToolCallRequest[] }
  | { role: 'tool'; results: Array<{ toolCallId: string; toolName: string; output: unknown; isError: boolean }> };

export type ToolChoice = 'auto' | 'required' | 'none' | { toolName: string };

export interface ModelRequest {
  model: string;
  system?: string;
  messages: ModelMessage[];
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  reasoning?: {
    effort?: 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';
    budgetTokens?: number;
    /** Google's: whether thoughts come back (default true). */
    includeThoughts?: boolean;
    thinkingBudget?: number;
    /** OpenAI's reasoning summary (`auto`, `detailed`). */
    summary?: string;
  };
  responseFormat: 'text' | 'json';
  /** With `responseFormat: json`, the JSON Schema of the reply, for providers that constrain output to it. */
  responseSchema?: Record<string, unknown>;
  signal: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

export type ModelStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'tool-input-start'; toolCallId: string; toolName: string }
  | { type: 'tool-input-delta'; toolCallId: string; delta: string }
  | ({ type: 'tool-call' } & ToolCallRequest)
  | { type: 'finish'; usage: Usage; finishReason: FinishReason; provider: string; modelId: string };

export type ModelResolution =
  | {
      ok: true;
      provider: string;
      modelId: string;
      /** USD per million tokens, when the catalog knows the model. */ price?: { input: number; output: number };
      /** False when the catalog says the model takes text only (no image or file parts). */
      acceptsImages?: boolean;
    }
  /** UNKNOWN_MODEL: nowhere to send it; MISSING_PROVIDER_KEY: its provider is known but has no API key set. */
  | {
      ok: false;
      code: 'UNKNOWN_MODEL' | 'MISSING_PROVIDER_KEY';
      reason: string;
      /** A known model close to the one asked for. */ suggestion?: string;
    };

export interface ModelGateway {
  /** Where `model` would be sent, without calling anything. Used to refuse unknown models before a run starts. */
  resolve(model: string): ModelResolution;
  /**
   * Streams one model call. Retryable provider failures (429, 5xx, network) are retried inside with bounded
   * backoff while nothing has been yielded yet. Throws FlowrunError (PROVIDER_ERROR, PROVIDER_TIMEOUT,
   * UNKNOWN_MODEL, CANCELLED); yields exactly one `finish` part last on success.
   */
  stream(request: ModelRequest): AsyncIterable<ModelStreamPart>;
}

/** Where the engine sends what happens. */
export interface EventSink {
  /** Stamps seq and time, hands the event to live listeners at once and queues it for group commit. Never throws. */
  emit(event: ExecutionEventBody): ExecutionEvent;
}

/** What a step's tool call came to: kept with the step's checkpoint and shown in the execution tree. */
export interface ToolCallRecord {
  toolCallId: string;
  toolName: string;
  toolType: string;
  success: boolean;
  durationMs: number;
  costUsd: number;
  /** The execution a flow tool or sub-agent started. */
  childExecutionId?: string;
}

export interface StepCheckpoint {
  stepId: string;
  stepIndex: number;
  stepType: string;
  status: 'completed' | 'failed' | 'skipped';
  result: unknown;
  error: { code: ErrorCode; message: string } | null;
  usage: Usage | null;
  startedAt: number;
  durationMs: number;
  variables: Record<string, unknown>;
  toolCalls?: ToolCallRecord[];
  /** The step's model calls: PromptShuttle's `responses[]`, stored with the step so a recovered run can answer too. */
  responses?: Array<{
    model: string;
    provider: string;
    text: string;
    finishReason: string;
    usage: Usage;
    toolCalls: Array<{ id: string; name: string; arguments: string }>;
  }>;
}

export interface CheckpointStore {
  /**
   * Commits a step's result and the run's variables; resolves only once durable. Steps are saved in order.
   * `last`: the run's last step, nothing runs after it but the run's end, so the checkpoint may instead be
   * committed with the end (one transaction fewer; a crash in between runs the step again, as a crash before
   * any checkpoint does, and its completion is not reported until then).
   */
  saveStep(executionId: string, checkpoint: StepCheckpoint, options?: { last?: boolean }): Promise<void>;
  /**
   * Journals a tool loop's state after a turn's tool results and before the model sees them; resolves once
   * durable. A run recovered after a crash continues the loop from here without running those tools again.
   */
  saveLoop(executionId: string, stepId: string, state: unknown): Promise<void>;
}

/** A tool ready to run: a saved tool, a step's runtime tool, an MCP tool or a client tool. */
export interface ResolvedTool {
  /** The saved tool's id, `mcp:<server>:<tool>`, `builtin:<tool>`, or the name for runtime and client tools. */
  id: string;
  name: string;
  description: string;
  toolType: ToolKind;
  parametersSchema: Record<string, unknown>;
  config: Record<string, unknown>;
}

export interface ToolCallContext {
  executionId: string;
  scope: TenantScope;
  toolCallId: string;
  secrets: Record<string, string>;
  signal: AbortSignal;
  /** How many flow/agent tools deep this call is; runners refuse past their cap. */
  depth: number;
  /** Output of a tool that streams it (an HTTP API answering chunked), as it arrives: streamed as tool_delta. */
  onOutput?: (delta: string) => void;
}

/** A page a tool's result draws on (web search results, a fetched page): streamed as `source` frames. */
export interface ToolSource {
  url: string;
  title: string;
  snippet?: string;
}

/** An artifact a tool made (`create_artifact`): streamed as artifact frames and kept with the run. */
export interface ToolArtifact {
  id: string;
  artifactType: 'markdown' | 'component';
  title: string;
  content?: string;
  component?: string;
  props?: Record<string, unknown>;
}

/** Media a tool made (a generated image): streamed to the client as media, not sent to the model. */
export type ToolMedia = { type: 'media'; data: string; mediaType: string } | { type: 'image-url'; url: string; mediaType?: string };

export type ToolOutcome =
  | {
      ok: true;
      result: unknown;
      costUsd: number;
      logs?: string[];
      childExecutionId?: string;
      sources?: ToolSource[];
      media?: ToolMedia[];
      artifacts?: ToolArtifact[];
    }
  | {
      ok: false;
      /** `field`: the tool's own setting at fault (`config.url`), when it is one. */
      error: { code: ErrorCode; message: string; field?: string };
      logs?: string[];
    };

export interface ToolRunner {
  /** Runs one tool call. Never throws for the tool's own failures: they are `{ok: false}` outcomes the model is told. */
  run(tool: ResolvedTool, args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome>;
  /**
   * Lists the tools of MCP servers for `mcp:<server>:<tool>` ids, for one tenant (whose listings at once are
   * bounded). Throws FlowrunError when a server refuses the address or a tool is missing, else an error saying
   * why the listing failed (no credential of the URL in it).
   */
  describeMcpTools(servers: McpServerConfig[], toolIds: string[], signal: AbortSignal, tenantId: string): Promise<ResolvedTool[]>;
  /** The built-in tool a `builtin:` id stands for, or the warning why it is not offered. */
  describeBuiltin(id: string): { tool: ResolvedTool } | { warning: { code: string; message: string; setting?: string } };
  /** Runs sandboxed JavaScript over variables (the transform-data step). */
  runScript(
    code: string,
    variables: Record<string, unknown>,
    options: { timeoutMs: number; signal: AbortSignal; scope: TenantScope },
  ): Promise<ToolOutcome>;
  /** Outbound web access for the web steps (search, paginate-api, crawl, fetch-github); absent where none is wired. */
  web?: WebAccess;
}

export interface McpServerConfig {
  id: string;
  url: string;
  name?: string;
  transport?: 'streamable_http' | 'rest';
  auth?: {
    type: 'none' | 'bearer' | 'api_key' | 'basic' | 'custom_header';
    token?: string;
    headerName?: string;
    username?: string;
    password?: string;
  };
  allowedTools?: string[];
  timeout?: number;
}

/** Stored records, for the record steps; always within the run's tenant and mode. */
export interface RecordStore {
  get(scope: TenantScope, id: string): Promise<RecordData | null>;
  /** The newest record matching type and/or name. */
  find(scope: TenantScope, type: string | undefined, name: string | undefined): Promise<RecordData | null>;
  create(scope: TenantScope, record: { name: string; type: string; metadata: Record<string, unknown> }): Promise<RecordData>;
  update(scope: TenantScope, id: string, changes: { name?: string; metadata?: Record<string, unknown> }): Promise<RecordData | null>;
  /** A page of the records of a type and/or name, newest first, with how many there are in all. */
  list(
    scope: TenantScope,
    query: { type?: string; name?: string; limit: number; offset: number },
  ): Promise<{ items: RecordData[]; total: number }>;
}

/** One outbound HTTP request of a web step. `secretHeaders` / `bodyCarriesSecret`: never sent on to another origin. */
export interface WebRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Defaults: the operator's outbound timeout and response cap (FLOWRUN_TOOL_HTTP_TIMEOUT_MS / _MAX_BYTES). */
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  secretHeaders?: readonly string[];
  bodyCarriesSecret?: boolean;
  signal: AbortSignal;
}

export interface WebResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Where the answer came from, after redirects. */
  url: string;
}

/** A page as a reader sees it: its title, its main content as markdown and as text, and the links of the whole page. */
export interface ReadablePage {
  title: string;
  markdown: string;
  text: string;
  /** Absolute http(s) URLs, fragment removed, in page order, once each. */
  links: string[];
}

export interface GithubPackRequest {
  owner: string;
  repo: string;
  ref?: string;
  path: string;
  includePatterns: string[];
  excludePatterns: string[];
  compress: boolean;
  style: 'xml' | 'markdown' | 'plain';
  token?: string;
  maxFiles: number;
  maxFileBytes: number;
  maxBytes: number;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface GithubPack {
  /** The packed text: every file with its path, in the chosen style. */
  content: string;
  ref: string;
  files: string[];
  /** Files matched but left out (too large, binary, past maxFiles or maxBytes), with why. */
  skipped: Array<{ path: string; reason: string }>;
  truncated: boolean;
}

/**
 * The web as the web steps reach it: every request (redirects included) through the SSRF guard with its
 * connect-time check. Methods throw FlowrunError: SSRF_BLOCKED, HTTP_TIMEOUT, HTTP_TOO_LARGE, HTTP_ERROR,
 * CANCELLED; an HTTP status of 400 or more is an answer of `request`, an error (HTTP_STATUS, HTTP_SERVER_ERROR) of
 * the others.
 */
export interface WebAccess {
  request(request: WebRequest): Promise<WebResponse>;
  /** A web search through Exa or SearXNG (`auto`: Exa when configured); SEARCH_NOT_CONFIGURED names the setting it lacks. */
  search(request: {
    query: string;
    maxResults: number;
    provider: 'auto' | 'exa' | 'searxng';
    signal: AbortSignal;
  }): Promise<{ provider: 'exa' | 'searxng'; results: ToolSource[] }>;
  /** Reads an HTML page (no I/O): its readable content and its links, resolved against `url`. */
  readPage(html: string, url: string): ReadablePage;
  /** A repository's files through GitHub's REST API (FLOWRUN_GITHUB_API_URL), packed as one text within the bounds. */
  packGithub(request: GithubPackRequest): Promise<GithubPack>;
}

/** One email as the `send-email` step rendered it: addresses checked, templates filled in. */
export interface EmailMessage {
  /** The sender as written (`name@example.com` or `Name <name@example.com>`); absent: the operator's default. */
  from?: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
}

/** What the SMTP server said: its message id, and the recipients it accepted and refused. */
export interface EmailReceipt {
  messageId: string;
  from: string;
  accepted: string[];
  rejected: string[];
}

/** One SMS as the `send-text` step rendered it (numbers in E.164 form). */
export interface TextMessage {
  /** Absent: the operator's default number. */
  from?: string;
  to: string;
  body: string;
}

export interface TextReceipt {
  messageId: string;
  status: string;
  from: string;
  to: string;
  segments?: number;
}

/** Email and SMS, for the `send-email` and `send-text` steps. */
export interface MessageSender {
  /**
   * Sends one email through the operator's SMTP server (its host under the SSRF guard). Throws FlowrunError:
   * EMAIL_NOT_CONFIGURED (no server, or no sender and no default), EMAIL_FROM_NOT_ALLOWED (the sender is not on the
   * operator's list), SSRF_BLOCKED, EMAIL_REJECTED (the server refused every recipient or the message),
   * EMAIL_SEND_FAILED (the connection or the server failed; a retry may help), CANCELLED.
   */
  sendEmail(message: EmailMessage, signal: AbortSignal): Promise<EmailReceipt>;
  /**
   * Sends one SMS through the Twilio-compatible API. Throws FlowrunError: TEXT_NOT_CONFIGURED, SSRF_BLOCKED,
   * TEXT_REJECTED (the API answered 4xx: its code and message are in the error's), TEXT_SEND_FAILED (network or
   * 5xx; a retry may help), CANCELLED.
   */
  sendText(message: TextMessage, signal: AbortSignal): Promise<TextReceipt>;
}
