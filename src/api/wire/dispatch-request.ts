import { branchKeys } from '../../engine/steps/registry.js';
import { z } from 'zod';
import { RunSecrets } from '../../protocol/secrets.js';
import { FlowrunError } from '../../protocol/errors.js';
import { ChatMessage, toolName } from '../../protocol/flow.js';
import { zodIssuesToDetails } from '../../protocol/zod-details.js';

/** snake_case spellings Travrse clients send, and the camelCase names Flowrun reads. */
const optionAliases: Record<string, string> = {
  stream_response: 'streamResponse',
  flow_mode: 'flowMode',
  record_mode: 'recordMode',
  auto_append_metadata: 'autoAppendMetadata',
  store_results: 'storeResults',
  model_override: 'modelOverride',
  debug_mode: 'debugMode',
  flow_version_id: 'flowVersionId',
  cancel_on_disconnect: 'cancelOnDisconnect',
  strict_variables: 'strictVariables',
  upsert_options: 'upsertOptions',
  create_version: 'createVersion',
  version_type: 'versionType',
  version_label: 'versionLabel',
  version_notes: 'versionNotes',
};
const stepAliases: Record<string, string> = { error_handling: 'errorHandling' };
const configAliases: Record<string, string> = {
  user_prompt: 'userPrompt',
  system_prompt: 'systemPrompt',
  output_variable: 'outputVariable',
  response_format: 'responseFormat',
  max_tokens: 'maxTokens',
  top_p: 'topP',
  top_k: 'topK',
  previous_messages: 'previousMessages',
  stream_output: 'streamOutput',
  output_format: 'outputFormat',
  frequency_penalty: 'frequencyPenalty',
  presence_penalty: 'presencePenalty',
  variable_name: 'variableName',
  value_template: 'valueTemplate',
  true_steps: 'trueSteps',
  false_steps: 'falseSteps',
  error_handling: 'errorHandling',
};
const toolAliases: Record<string, string> = {
  tool_ids: 'toolIds',
  max_tool_calls: 'maxToolCalls',
  tool_call_strategy: 'toolCallStrategy',
  parallel_calls: 'parallelCalls',
  per_tool_limits: 'perToolLimits',
};

export const FlowMode = z.enum(['virtual', 'existing', 'create', 'upsert']);
export const RecordMode = z.enum(['virtual', 'existing', 'create']);

export const DispatchOptions = z
  .object({
    streamResponse: z.boolean().optional(),
    flowMode: FlowMode.optional(),
    recordMode: RecordMode.optional(),
    autoAppendMetadata: z.boolean().optional(),
    storeResults: z.boolean().optional(),
    modelOverride: z.string().min(1).max(200).optional(),
    debugMode: z.boolean().optional(),
    flowVersionId: z.string().min(1).max(200).optional(),
    environment: z.string().min(1).max(100).optional(),
    maxRequestCostCredits: z.number().int().min(0).optional(),
    cancelOnDisconnect: z.boolean().optional(),
    strictVariables: z
      .boolean()
      .optional()
      .describe('a {{variable}} that names nothing in reach fails its step (UNRESOLVED_VARIABLE) instead of being a warning'),
    upsertOptions: z
      .object({ createVersionOnChange: z.boolean().optional(), allowOverwriteExternalChanges: z.boolean().optional() })
      .loose()
      .optional(),
  })
  .loose();

export const DispatchBody = z
  .object({
    flow: z
      .object({
        id: z.string().min(1).max(200).optional(),
        name: z.string().min(1).max(200).optional(),
        description: z.string().max(5000).optional(),
        steps: z.array(z.unknown()).optional(),
      })
      .loose()
      .optional(),
    agent: z.unknown().optional(),
    record: z
      .object({
        id: z.union([z.string().min(1).max(200), z.number().int()]).optional(),
        name: z.string().max(500).optional(),
        type: z.string().max(200).optional(),
        metadata: z.record(z.string(), z.unknown()).optional(),
      })
      .loose()
      .optional(),
    messages: z.array(ChatMessage).max(10_000).optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    /** What the client knows about where the user is (Runtype's widget context providers): `{{context.…}}`. */
    context: z.record(z.string(), z.unknown()).optional(),
    /** An agent dispatch's metadata: the run's record metadata, `{{_record.metadata.…}}`. */
    metadata: z.record(z.string(), z.unknown()).optional(),
    secrets: RunSecrets.optional(),
    clientTools: z
      .array(
        z
          .object({
            name: toolName,
            description: z.string().max(2000).default(''),
            parametersSchema: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
            origin: z.enum(['webmcp', 'sdk']).optional(),
            pageOrigin: z.string().max(2000).optional(),
            untrustedContentHint: z.boolean().optional(),
          })
          .loose(),
      )
      .max(128)
      .optional(),
    options: DispatchOptions.optional(),
  })
  .loose();
export type DispatchBody = z.infer<typeof DispatchBody>;

export interface ParsedDispatch {
  body: DispatchBody;
  /** True when the caller used Travrse's snake_case option names: it gets Travrse events by default. */
  snakeCase: boolean;
  /** Fields of the body and its options that Flowrun does not use: ignored, as Runtype ignores them. */
  ignored: string[];
}

function unknownKeys(value: unknown, known: Record<string, unknown>, prefix = ''): string[] {
  return isObject(value)
    ? Object.keys(value)
        .filter((key) => !(key in known))
        .map((key) => `${prefix}${key}`)
    : [];
}

/** Accepts Travrse snake_case and Runtype camelCase; validates; throws FlowrunError 422 with field paths. */
export function parseDispatchBody(raw: unknown): ParsedDispatch {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new FlowrunError('VALIDATION_ERROR', 'The request body must be a JSON object', [
      {
        code: 'INVALID_TYPE',
        path: '',
        message: `body: expected object, received ${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw}`,
      },
    ]);
  }
  let snakeCase = false;
  const body = { ...(raw as Record<string, unknown>) };
  if (isObject(body.options)) {
    const renamed = renameKeys(body.options, optionAliases);
    snakeCase = renamed.renamed;
    body.options = renamed.value;
  }
  if (isObject(body.flow) && Array.isArray(body.flow.steps)) {
    body.flow = { ...body.flow, steps: body.flow.steps.map(normalizeStep) };
  }
  const result = DispatchBody.safeParse(body);
  if (!result.success) {
    const details = zodIssuesToDetails(result.error, body);
    throw new FlowrunError('VALIDATION_ERROR', details[0]?.message ?? 'Invalid dispatch request', details);
  }
  const ignored = [...unknownKeys(body, DispatchBody.shape), ...unknownKeys(body.options, DispatchOptions.shape, 'options.')];
  return { body: result.data, snakeCase, ignored };
}

export function normalizeStep(step: unknown): unknown {
  if (!isObject(step)) return step;
  const normalized = renameKeys(step, stepAliases).value;
  if (isObject(normalized.config)) {
    const config = renameKeys(normalized.config, configAliases).value;
    if (isObject(config.tools)) config.tools = renameKeys(config.tools, toolAliases).value;
    for (const branch of branchKeys) {
      if (Array.isArray(config[branch])) config[branch] = (config[branch] as unknown[]).map(normalizeStep);
    }
    normalized.config = config;
  }
  return normalized;
}

function renameKeys(
  source: Record<string, unknown>,
  aliases: Record<string, string>,
): { value: Record<string, unknown>; renamed: boolean } {
  const value: Record<string, unknown> = {};
  let renamed = false;
  for (const [key, item] of Object.entries(source)) {
    const target = aliases[key];
    if (target) {
      renamed = true;
      if (!(target in source)) value[target] = item;
    } else {
      value[key] = item;
    }
  }
  return { value, renamed };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
