import { z } from 'zod';
import { definableToolKinds } from './tool-kinds.js';
import { RecordFilter } from './record-filter.js';
import { checkToolLanguage, ScriptLanguage } from './script-language.js';
import type { CrawlConfig, FetchGithubConfig, PaginateApiConfig, SearchConfig } from './web-steps.js';
import type { SendEmailConfig, SendTextConfig } from './message-steps.js';
import type { WaitUntilConfig } from './wait-until.js';
import { AssetVisibility, PdfOptions } from './asset.js';

/** Step types Runtype documents. Flowrun runs those in `implementedStepTypes`; the rest are refused with 422 before a run starts. */
export const knownStepTypes = [
  'prompt',
  'execute-agent',
  'template',
  'generate-pdf',
  'store-asset',
  'fetch-url',
  'api-call',
  'paginate-api',
  'crawl',
  'search',
  'fetch-github',
  'tool-call',
  'transform-data',
  'retrieve-record',
  'upsert-record',
  'update-record',
  'generate-embedding',
  'vector-search',
  'store-vector',
  'save-memory',
  'recall-memory',
  'memory-summary',
  'send-email',
  'send-text',
  'send-event',
  'send-stream',
  'conditional',
  'set-variable',
  'wait-until',
  'approval',
  'get-record',
  'list-records',
  'loop',
] as const;

export const ErrorHandling = z.enum(['fail', 'continue', 'retry', 'fallback']);
export type ErrorHandling = z.infer<typeof ErrorHandling>;

/**
 * Runtype's `errorHandling.fallbacks[]`, tried in order when a step fails (or, with the `empty-output` trigger,
 * answers nothing): run it again, run it on another model, or answer with a fixed message; each after `delay` ms.
 */
export const StepFallback = z.discriminatedUnion('type', [
  z.object({ type: z.literal('retry'), delay: z.number().int().min(0).max(60_000).optional() }),
  z.object({
    type: z.literal('model'),
    model: z.string().min(1).max(200),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).optional(),
    delay: z.number().int().min(0).max(60_000).optional(),
  }),
  z.object({ type: z.literal('message'), message: z.string().max(100_000), delay: z.number().int().min(0).max(60_000).optional() }),
]);
export type StepFallback = z.infer<typeof StepFallback>;

export const ErrorHandlingConfig = z
  .object({
    onError: ErrorHandling,
    fallbacks: z.array(StepFallback).max(10).optional(),
    triggers: z
      .array(z.object({ type: z.enum(['error', 'empty-output']) }).loose())
      .max(2)
      .optional(),
  })
  .loose();

/**
 * A part of a message's content, as Runtype's API and widget send them: `text`, `image` (`image`: a URL or a data
 * URL, `mimeType`), `file` / `audio` / `video` (`data`: base64 or a data URL, `mimeType`, `filename`).
 */
export const ContentPart = z
  .object({
    type: z.string(),
    text: z.string().optional(),
    image: z.string().max(20_000_000).optional(),
    data: z.string().max(20_000_000).optional(),
    mimeType: z.string().max(200).optional(),
    filename: z.string().max(500).optional(),
  })
  .loose()
  .superRefine((part, context) => {
    if (part.type === 'image' && !part.image)
      context.addIssue({ code: 'custom', path: ['image'], message: 'an image part needs image (a URL or a data URL)' });
    if (['file', 'audio', 'video'].includes(part.type) && !part.data)
      context.addIssue({ code: 'custom', path: ['data'], message: `a ${part.type} part needs data (base64 or a data URL)` });
  });
export type ContentPart = z.infer<typeof ContentPart>;

/** Parts that carry media (not text): what a text-only model cannot take. */
export const mediaPartTypes = new Set(['image', 'file', 'audio', 'video']);

export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.union([z.string().max(1_000_000), z.array(ContentPart).max(1000)]),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

const templateString = z.string().max(1_000_000);

export const ReasoningConfig = z.union([
  z.boolean(),
  z.object({
    enabled: z.boolean().optional(),
    reasoningEffort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
    reasoningSummary: z.string().optional(),
    budgetTokens: z.number().int().positive().optional(),
    /** Google's: whether the model's thoughts come back as reasoning (default true). */
    includeThoughts: z.boolean().optional(),
    /** Google's thinking budget in tokens (Runtype: 1,024–65,536); Anthropic takes it as its budget too. */
    thinkingBudget: z.number().int().min(1024).max(65_536).optional(),
  }),
]);

export const ResponseFormat = z
  .string()
  .transform((value) => value.toLowerCase())
  .pipe(z.enum(['text', 'markdown', 'json', 'html', 'xml']));
export type ResponseFormat = z.infer<typeof ResponseFormat>;

/**
 * A tool's name as Runtype allows it: letters, digits, `_`, `-`, `.` and `:` (1-128). Names providers refuse
 * (dots, colons, long) are aliased for the model call and mapped back (src/providers/tool-names.ts).
 */
export const toolName = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'tool names use 1-128 letters, digits, _, -, . and :');

/** The kinds a tool may be saved or given inline as (`protocol/tool-kinds.ts`). */
export const ToolType = z.enum(definableToolKinds);

/** A tool defined inline on a step (`runtimeTools`), or sent by the client (`clientTools`). */
export const InlineTool = z
  .object({
    name: toolName,
    description: z.string().max(2000).default(''),
    toolType: ToolType.default('custom'),
    parametersSchema: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
    config: z.record(z.string(), z.unknown()).default({}),
  })
  .loose()
  .superRefine(checkToolLanguage);
export type InlineTool = z.infer<typeof InlineTool>;

export const McpServer = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    url: z.string().url(),
    name: z.string().max(200).optional(),
    transport: z.enum(['streamable_http', 'rest']).optional(),
    auth: z
      .object({
        type: z.enum(['none', 'bearer', 'api_key', 'basic', 'custom_header']),
        token: z.string().optional(),
        headerName: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
      })
      .optional(),
    allowedTools: z.array(z.string()).optional(),
    timeout: z.number().int().positive().max(600_000).optional(),
  })
  .loose();

export const ArtifactsConfig = z
  .object({
    enabled: z.boolean().default(true),
    types: z
      .array(z.enum(['markdown', 'component']))
      .min(1)
      .default(['markdown']),
  })
  .loose();
export type ArtifactsConfig = z.infer<typeof ArtifactsConfig>;

export const ToolsConfig = z
  .object({
    toolIds: z.array(z.string().min(1).max(300)).max(128).default([]),
    runtimeTools: z.array(InlineTool).max(128).default([]),
    mcpServers: z.array(McpServer).max(16).default([]),
    maxToolCalls: z.number().int().min(1).max(100).default(10),
    toolCallStrategy: z.enum(['auto', 'required', 'none']).default('auto'),
    parallelCalls: z.boolean().default(true),
    perToolLimits: z
      .record(z.string(), z.object({ maxCalls: z.number().int().min(0).max(100).optional(), required: z.boolean().optional() }))
      .default({}),
    /** Tools that need a person's approval before they run: a list of names, or true for all. */
    approval: z
      .object({
        require: z.union([z.array(z.string()), z.boolean()]),
        timeout: z.number().int().positive().optional(),
        requestReason: z.union([z.boolean(), z.string()]).optional(),
        onDenied: z.enum(['refuse', 'fail']).optional(),
      })
      .loose()
      .optional(),
    /** Agent loop limits: model turns, and cost in USD, after which the loop stops. */
    maxTurns: z.number().int().min(1).max(100).optional(),
    maxCost: z.number().positive().optional(),
    /** An agent's reflection (loopConfig.enableReflection): after every `interval` iterations that used tools. */
    reflection: z.object({ interval: z.number().int().min(1).max(100).default(1) }).optional(),
    /** Runtype's agent artifacts: a `create_artifact` tool the model can call (markdown documents, UI components). */
    artifacts: ArtifactsConfig.optional(),
  })
  .loose();
export type ToolsConfig = z.infer<typeof ToolsConfig>;

export const PromptConfig = z
  .object({
    model: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('The model that answers, e.g. openai/gpt-4o-mini; any id a provider routes works'),
    userPrompt: templateString.optional().describe('What the model is asked; {{variables}} are filled in'),
    text: templateString.optional().describe('Another name for the prompt (Runtype’s)'),
    systemPrompt: templateString.optional().describe('Instructions the model follows for the whole conversation'),
    previousMessages: z
      .union([templateString, z.array(ChatMessage).max(10_000)])
      .optional()
      .describe('Earlier messages of the conversation: a {{variable}} holding them, or a list'),
    messages: z.array(ChatMessage).max(10_000).optional().describe('The whole conversation as a list of messages (instead of a prompt)'),
    responseFormat: ResponseFormat.optional().describe('What the answer is: text, markdown, json (parsed), html or xml'),
    outputFormat: z.string().optional().describe('How the result is rendered for display'),
    temperature: z.number().min(0).max(2).optional().describe('0 answers the same every time, 2 most varied'),
    maxTokens: z.number().int().positive().max(1_000_000).optional().describe('The longest answer, in tokens'),
    topP: z.number().min(0).max(1).optional().describe('Sample only from the most likely tokens making up this share (0–1)'),
    topK: z.number().int().positive().optional().describe('Sample only from this many most likely tokens'),
    seed: z.number().int().optional().describe('Same seed, same answer, where the model supports it'),
    frequencyPenalty: z.number().min(-2).max(2).optional().describe('Above 0 discourages repeating the same words (−2 to 2)'),
    presencePenalty: z.number().min(-2).max(2).optional().describe('Above 0 encourages new topics (−2 to 2)'),
    reasoning: ReasoningConfig.optional().describe('Let a reasoning model think first: true, or effort and token budget'),
    streamOutput: z.boolean().optional().describe('Stream the answer as it is written'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
    tools: ToolsConfig.optional().describe('Tools the model may call: saved tool ids, inline tools, MCP servers and limits'),
    /** Models tried in order when the step's model fails with a retryable error before answering. */
    fallbackModels: z
      .array(z.string().min(1).max(200))
      .max(10)
      .optional()
      .describe('Models tried in order when this one fails before answering'),
    /** JSON Schema the reply must match (structured output); a reply that does not is retried once. */
    responseSchema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('JSON Schema the answer must match; a reply that does not is retried once'),
    /** The prompts are final text: `{{…}}` in them is not rendered (PromptShuttle templates). */
    rawPrompts: z.boolean().optional().describe('Send the prompts as they are: {{…}} is not filled in'),
  })
  .loose();
export type PromptConfig = z.infer<typeof PromptConfig>;

export const SetVariableConfig = z
  .object({
    variableName: z.string().min(1).max(200).optional().describe('Name of the variable to set'),
    outputVariable: z.string().min(1).max(200).optional().describe('Another name for the variable to set'),
    value: z.unknown().optional().describe('The value, as JSON'),
    valueTemplate: templateString.optional().describe('The value as text with {{variables}} filled in (instead of a JSON value)'),
  })
  .loose()
  .refine((config) => config.variableName !== undefined || config.outputVariable !== undefined, {
    message: 'set-variable needs variableName (or outputVariable)',
    path: ['variableName'],
  });
export type SetVariableConfig = z.infer<typeof SetVariableConfig>;

export const TemplateConfig = z
  .object({
    template: templateString.describe('The text to render, with {{variables}} and {{#if}} / {{#each}} blocks'),
    outputFormat: z
      .enum(['html', 'email-html', 'markdown', 'text', 'pdf'])
      .optional()
      .describe(
        'What the text is: html, email-html, markdown or text; pdf renders it (markdown, or HTML when it starts with a tag) to a PDF asset',
      ),
    pdfOptions: PdfOptions.optional().describe('With outputFormat pdf: format, landscape, margin'),
    filename: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^/\\]+$/, 'a file name has no slashes')
      .optional()
      .describe('With outputFormat pdf: the PDF asset’s file name'),
    visibility: AssetVisibility.optional().describe('With outputFormat pdf: private (the default) or public (a signed URL)'),
    inputs: z.record(z.string(), z.unknown()).optional().describe('Extra values the template can use, as JSON'),
    partials: z.record(z.string(), templateString).optional().describe('Named templates this one includes with {{> name}}'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type TemplateConfig = z.infer<typeof TemplateConfig>;

const HttpRequestConfig = z
  .object({
    url: z.string().min(1).max(10_000).describe('The address to call; {{variables}} are filled in'),
    method: z
      .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'get', 'post', 'put', 'patch', 'delete', 'head'])
      .default('GET')
      .describe('The HTTP method'),
    headers: z.record(z.string(), z.string()).default({}).describe('Request headers; {{secrets.NAME}} inserts a secret'),
    body: z.unknown().optional().describe('The request body (JSON, or text with {{variables}})'),
    timeout: z.number().int().positive().max(300_000).optional().describe('Longest wait for the answer, in milliseconds'),
  })
  .loose();

export const ToolCallConfig = z
  .object({
    toolId: z.string().min(1).max(300).describe('The saved tool to call (its id or name)'),
    parameters: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('The arguments passed to the tool, as JSON; {{variables}} are filled in'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type ToolCallConfig = z.infer<typeof ToolCallConfig>;

/** `fetch-url` takes `http: {url, method, headers, body}` (or a bare `url`); `responseType` json | text | xml. */
export const FetchUrlConfig = z
  .object({
    http: HttpRequestConfig.optional().describe('The request: url, method, headers and body'),
    url: z.string().min(1).max(10_000).optional().describe('The address to fetch (when no request is given)'),
    responseType: z.enum(['json', 'text', 'xml']).optional().describe('How the answer is read: json, text or xml'),
    fetchMethod: z.enum(['http']).optional().describe('How the page is fetched (http)'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose()
  .refine((config) => config.http !== undefined || config.url !== undefined, {
    message: 'fetch-url needs http.url (or url)',
    path: ['http', 'url'],
  });
export type FetchUrlConfig = z.infer<typeof FetchUrlConfig>;

export const ApiCallConfig = z
  .object({
    http: HttpRequestConfig.describe('The request: url, method, headers and body'),
    auth: z
      .object({
        type: z.enum(['none', 'bearer', 'api_key', 'basic']),
        token: z.string().optional(),
        headerName: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
      })
      .optional()
      .describe('How to sign in: bearer token, API key header or basic'),
    responseMapping: z.record(z.string(), z.string()).optional().describe('Values picked from the answer: name → path in the JSON'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type ApiCallConfig = z.infer<typeof ApiCallConfig>;

export const TransformDataConfig = z
  .object({
    script: z.string().min(1).max(200_000).describe('JavaScript that returns the result; the variables are in scope'),
    sandboxProvider: z.string().optional().describe('Where the script runs (the built-in sandbox)'),
    language: ScriptLanguage.optional(),
    timeout: z.number().int().positive().max(60_000).optional().describe('Longest the script may run, in milliseconds'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type TransformDataConfig = z.infer<typeof TransformDataConfig>;

export const ExecuteAgentConfig = z
  .object({
    agentId: z.string().min(1).max(200).describe('The saved agent to run (its id)'),
    message: z.string().max(1_000_000).default('{{messages}}').describe('What the agent is told; {{variables}} are filled in'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type ExecuteAgentConfig = z.infer<typeof ExecuteAgentConfig>;

/** `retrieve-record`: by `recordId`, or the newest of `recordType`/`recordName` (`recordFilter`); an empty config is the run's record. */
export const RetrieveRecordConfig = z
  .object({
    recordId: z.string().max(200).optional().describe('The record’s id (leave all empty for the run’s own record)'),
    recordType: z.string().max(200).optional().describe('Find the newest record of this type'),
    recordName: z.string().max(500).optional().describe('…and of this name'),
    recordFilter: RecordFilter.optional().describe('Find a record by type, name and a metadata field'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type RetrieveRecordConfig = z.infer<typeof RetrieveRecordConfig>;

/** `upsert-record`: the record of `recordType` + `recordName` gets `metadata` (or a variable's value), merged or replacing; created when missing. */
export const UpsertRecordConfig = z
  .object({
    recordType: z.string().min(1).max(200).describe('The record’s type'),
    recordName: z.string().min(1).max(500).describe('The record’s name: with the type, which record to create or update'),
    sourceVariable: z.string().max(200).optional().describe('Take the metadata from this variable'),
    metadata: z.record(z.string(), z.unknown()).optional().describe('The metadata to store, as JSON'),
    mergeStrategy: z.enum(['merge', 'replace']).default('merge').describe('Merge into the stored metadata, or replace it'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type UpsertRecordConfig = z.infer<typeof UpsertRecordConfig>;

/** `update-record`: `updates` (templated) go into an existing record's metadata: `recordId`, `recordFilter`, or the run's own record. */
export const UpdateRecordConfig = z
  .object({
    recordId: z.string().max(200).optional().describe('The record’s id (leave empty for the run’s own record)'),
    recordFilter: RecordFilter.optional().describe('Find the record by type, name and a metadata field'),
    updates: z.record(z.string(), z.unknown()).describe('The metadata fields to change, as JSON; {{variables}} are filled in'),
    mergeStrategy: z.enum(['merge', 'replace']).default('merge').describe('Merge into the stored metadata, or replace it'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type UpdateRecordConfig = z.infer<typeof UpdateRecordConfig>;

const recordOutputVariable = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe('Name of the variable the result is saved as, for later steps to use as {{name}}');

/** `get-record`: one record, by `recordId` or by `recordType` + `recordName`; null when none matches. */
export const GetRecordConfig = z
  .object({
    recordId: z.string().min(1).max(200).optional().describe('The record’s id'),
    recordType: z.string().min(1).max(200).optional().describe('The record’s type (with recordName, instead of an id)'),
    recordName: z.string().min(1).max(500).optional().describe('The record’s name'),
    outputVariable: recordOutputVariable,
  })
  .loose()
  .refine((config) => config.recordId !== undefined || (config.recordType !== undefined && config.recordName !== undefined), {
    message: 'get-record needs recordId, or recordType and recordName',
    path: ['recordId'],
  });
export type GetRecordConfig = z.infer<typeof GetRecordConfig>;

/** `list-records`: the records of a type (and name) matching `recordFilter`, newest first, a page of `limit` from `offset`. */
export const ListRecordsConfig = z
  .object({
    recordType: z.string().min(1).max(200).optional().describe('Only records of this type'),
    recordName: z.string().min(1).max(500).optional().describe('Only records of this name'),
    recordFilter: RecordFilter.optional().describe('Conditions on metadata and on id, name, createdAt, updatedAt'),
    limit: z.number().int().min(1).max(1000).default(50).describe('The most records returned (1–1000)'),
    offset: z.number().int().min(0).max(100_000).default(0).describe('How many matching records to skip'),
    outputVariable: recordOutputVariable,
  })
  .loose();
export type ListRecordsConfig = z.infer<typeof ListRecordsConfig>;

/** `send-stream`: streams a variable's text to the caller as the step's text deltas. */
export const SendStreamConfig = z
  .object({
    sourceVariable: z
      .string()
      .min(1)
      .max(200)
      .describe('The variable whose text is streamed (a path such as answer or report.summary); not text, it is sent as JSON'),
    streamType: z.string().min(1).max(100).optional().describe('What the text is (text, markdown…): kept on the step’s result'),
    outputVariable: recordOutputVariable,
  })
  .loose();
export type SendStreamConfig = z.infer<typeof SendStreamConfig>;

/** `send-event`: a custom event (`eventType`, templated `payload`) sent in the run's stream and recorded with it. */
export const SendEventConfig = z
  .object({
    eventType: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'an event type uses 1-100 letters, digits, _ . : -')
      .describe('The event’s type, e.g. order.shipped'),
    payload: z.unknown().optional().describe('What the event carries, as JSON; {{variables}} are filled in'),
    outputVariable: recordOutputVariable,
  })
  .loose();
export type SendEventConfig = z.infer<typeof SendEventConfig>;

/** A file name an asset is stored under (no folders). */
export const assetFileName = z
  .string()
  .min(1)
  .max(255)
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  .regex(/^[^/\\\u0000-\u001f]+$/, 'a file name has no slashes or control characters');

/** A media type an asset is served with (its Content-Type header: printable ASCII only). */
export const assetContentType = z
  .string()
  .regex(/^[\w.+-]+\/[\w.+-]+(\s*;[ -~]*)?$/, 'a content type such as image/png or text/plain')
  .max(200);
/** A content type as a step gives it: one, or a template that renders to one (checked once rendered). */
const templatedContentType = z.union([assetContentType, z.string().max(200).regex(/\{\{/)], {
  message: 'a content type such as image/png or text/plain, or a {{variable}} holding one',
});

/** `store-asset`: a file from a URL download or inline base64 `content` (or a variable's value) stored as an asset. */
export const StoreAssetConfig = z
  .object({
    url: z.string().min(1).max(10_000).optional().describe('Download the file from this address; {{variables}} are filled in'),
    content: z.string().min(1).max(20_000_000).optional().describe('The file as base64 (or a data: URL); {{variables}} are filled in'),
    sourceVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Store the value of this variable (text as UTF-8, other values as JSON) instead of url or content'),
    filename: assetFileName.optional().describe('The file name (default: from the URL, else asset)'),
    fileName: assetFileName.optional().describe('Another name for filename'),
    contentType: templatedContentType.optional().describe('The media type (default: what the download says, else guessed from the bytes)'),
    visibility: AssetVisibility.optional().describe('private (the default) or public (a signed URL anyone may open)'),
    outputVariable: recordOutputVariable,
  })
  .loose()
  .superRefine((config, context) => {
    const sources = [config.url, config.content, config.sourceVariable].filter((value) => value !== undefined).length;
    if (sources !== 1)
      context.addIssue({
        code: 'custom',
        path: [config.url === undefined ? 'content' : 'url'],
        message: 'store-asset needs exactly one of url, content (base64) or sourceVariable',
      });
  });
export type StoreAssetConfig = z.infer<typeof StoreAssetConfig>;

/** `generate-pdf`: HTML or markdown rendered to a PDF and stored as an asset. */
export const GeneratePdfConfig = z
  .object({
    html: templateString.optional().describe('The document as HTML; {{variables}} are filled in'),
    markdown: templateString.optional().describe('The document as markdown; {{variables}} are filled in'),
    filename: assetFileName.optional().describe('The PDF’s file name (default: document.pdf)'),
    fileName: assetFileName.optional().describe('Another name for filename'),
    visibility: AssetVisibility.optional().describe('private (the default) or public (a signed URL anyone may open)'),
    pdfOptions: PdfOptions.optional().describe('format (A4, Letter…), landscape, margin'),
    outputVariable: recordOutputVariable,
  })
  .loose()
  .superRefine((config, context) => {
    if ((config.html === undefined) === (config.markdown === undefined))
      context.addIssue({ code: 'custom', path: ['html'], message: 'generate-pdf needs exactly one of html or markdown' });
  });
export type GeneratePdfConfig = z.infer<typeof GeneratePdfConfig>;

/** The most items one `loop` step runs its steps for. */
export const maxLoopItems = 1000;

/** `loop` as the request gives it: `steps` are raw here (steps, or ids of other steps), validated as the loop's branch. */
export const LoopRawConfig = z
  .object({
    sourceVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('The variable holding the array to go over (a path such as order.items)'),
    items: z
      .union([z.array(z.unknown()).max(100_000), templateString])
      .optional()
      .describe('The array itself, as JSON or one {{variable}} (instead of sourceVariable)'),
    itemVariable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'a variable name: letters, digits and _')
      .default('item')
      .describe('The name each item has in the nested steps'),
    indexVariable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'a variable name: letters, digits and _')
      .default('index')
      .describe('The name of the item’s position (from 0) in the nested steps'),
    steps: z.array(z.unknown()).min(1).max(100).describe('The steps run for each item (steps, or ids of other steps of the flow)'),
    maxIterations: z
      .number()
      .int()
      .min(1)
      .max(maxLoopItems)
      .default(100)
      .describe(`The most items the steps run for (1–${maxLoopItems}); the rest are left out with a warning`),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(1)
      .describe('How many items may run at once (1–10; items run one after another today)'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the results are saved as, for later steps to use as {{name}}'),
  })
  .loose()
  .refine((config) => config.sourceVariable !== undefined || config.items !== undefined, {
    message: 'loop needs sourceVariable (or items), the array to go over',
    path: ['sourceVariable'],
  });

/** A loop's config once validated: its steps are steps. */
export interface LoopConfig {
  sourceVariable?: string;
  items?: unknown[] | string;
  itemVariable: string;
  indexVariable: string;
  steps: Step[];
  maxIterations: number;
  concurrency: number;
  outputVariable?: string;
}

/** `approval`: pauses until a person approves or denies (or the timeout passes); `onDenied` fails the step or continues. */
export const ApprovalConfig = z
  .object({
    message: z.string().max(10_000).default('Approval required').describe('What the person deciding is asked; {{variables}} are filled in'),
    data: z.unknown().optional().describe('Details shown with the question, as JSON'),
    timeout: z.number().int().positive().optional().describe('How long to wait for a decision, in milliseconds (then it times out)'),
    onDenied: z.enum(['fail', 'continue']).default('fail').describe('When denied: fail the run, or continue with the next step'),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose();
export type ApprovalConfig = z.infer<typeof ApprovalConfig>;

/** A raw step as received; its `config` is validated per type by `validateFlow`. */
export const RawStep = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_\-:.]+$/, 'step ids use letters, digits and _-:.')
      .max(128)
      .optional(),
    name: z.string().max(200).optional(),
    type: z.string().min(1).max(100),
    order: z.number().int().min(0).optional(),
    enabled: z.boolean().optional(),
    when: z.string().max(500).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    errorHandling: z.union([ErrorHandling, ErrorHandlingConfig]).optional(),
  })
  .loose();
export type RawStep = z.infer<typeof RawStep>;

interface StepBase {
  id: string;
  /** Where the step was in the request, e.g. `flow.steps[2]`, for error paths. */
  path: string;
  name: string;
  enabled: boolean;
  when?: string;
  onError: ErrorHandling;
  /** With `onError: fallback`: what to try, in order, and what starts it (an error by default). */
  fallbacks?: StepFallback[];
  fallbackTriggers?: Array<'error' | 'empty-output'>;
  outputVariable?: string;
}

/** A conditional's config as the request gives it: `condition` and branches are checked by the conditional step itself. */
export const ConditionalRawConfig = z.record(z.string(), z.unknown());

/** A conditional's config once validated: its branches are steps (named by id in the request, or inline). */
export interface ConditionalConfig {
  condition: string;
  trueSteps: Step[];
  falseSteps: Step[];
}

/**
 * The config of each step type Flowrun runs. The `Step` union and the list of implemented types derive from this
 * map; `src/engine/steps/registry.ts` must give each type its runner (it does not compile otherwise).
 */
export interface StepConfigs {
  prompt: PromptConfig;
  'set-variable': SetVariableConfig;
  template: TemplateConfig;
  conditional: ConditionalConfig;
  'tool-call': ToolCallConfig;
  'fetch-url': FetchUrlConfig;
  'api-call': ApiCallConfig;
  'transform-data': TransformDataConfig;
  'execute-agent': ExecuteAgentConfig;
  'retrieve-record': RetrieveRecordConfig;
  'upsert-record': UpsertRecordConfig;
  'update-record': UpdateRecordConfig;
  'get-record': GetRecordConfig;
  'list-records': ListRecordsConfig;
  'send-stream': SendStreamConfig;
  'send-event': SendEventConfig;
  loop: LoopConfig;
  approval: ApprovalConfig;
  search: SearchConfig;
  'paginate-api': PaginateApiConfig;
  crawl: CrawlConfig;
  'fetch-github': FetchGithubConfig;
  'send-email': SendEmailConfig;
  'send-text': SendTextConfig;
  'store-asset': StoreAssetConfig;
  'generate-pdf': GeneratePdfConfig;
  'wait-until': WaitUntilConfig;
}

export type StepType = keyof StepConfigs;

export type Step = { [T in StepType]: StepBase & { type: T; config: StepConfigs[T] } }[StepType];

/** The step of one type. */
export type StepOf<T extends StepType> = Extract<Step, { type: T }>;

/** A flow ready to run: steps validated and sorted. */
export interface FlowDefinition {
  id: string | null;
  name: string;
  description?: string;
  versionId?: string | null;
  steps: Step[];
}
