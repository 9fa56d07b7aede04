import { z } from 'zod';

/** Step types Runtype documents. Flowrun runs those in `implementedStepTypes`; the rest are refused with 422 before a run starts. */
export const knownStepTypes = [
  'prompt', 'execute-agent', 'template', 'generate-pdf', 'store-asset', 'fetch-url', 'api-call', 'paginate-api',
  'crawl', 'search', 'fetch-github', 'tool-call', 'transform-data', 'retrieve-record', 'upsert-record',
  'update-record', 'generate-embedding', 'vector-search', 'store-vector', 'save-memory', 'recall-memory',
  'memory-summary', 'send-email', 'send-text', 'send-event', 'send-stream', 'conditional', 'set-variable', 'wait-until',
] as const;

export const implementedStepTypes = ['prompt', 'set-variable', 'conditional', 'template'] as const;
export type StepType = (typeof implementedStepTypes)[number];

export const ErrorHandling = z.enum(['fail', 'continue', 'retry']);
export type ErrorHandling = z.infer<typeof ErrorHandling>;

export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.union([
    z.string().max(1_000_000),
    z.array(z.object({ type: z.string(), text: z.string().optional() }).loose()).max(1000),
  ]),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

const templateString = z.string().max(1_000_000);

export const ReasoningConfig = z.union([
  z.boolean(),
  z.object({
    enabled: z.boolean().optional(),
    reasoningEffort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
    reasoningSummary: z.string().optional(),
    budgetTokens: z.number().int().positive().optional(),
  }),
]);

export const ResponseFormat = z
  .string()
  .transform((value) => value.toLowerCase())
  .pipe(z.enum(['text', 'markdown', 'json', 'html', 'xml']));
export type ResponseFormat = z.infer<typeof ResponseFormat>;

export const PromptConfig = z
  .object({
    model: z.string().min(1).max(200).optional(),
    userPrompt: templateString.optional(),
    text: templateString.optional(),
    systemPrompt: templateString.optional(),
    previousMessages: z.union([templateString, z.array(ChatMessage).max(10_000)]).optional(),
    messages: z.array(ChatMessage).max(10_000).optional(),
    responseFormat: ResponseFormat.optional(),
    outputFormat: z.string().optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().max(1_000_000).optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.number().int().positive().optional(),
    seed: z.number().int().optional(),
    frequencyPenalty: z.number().min(-2).max(2).optional(),
    presencePenalty: z.number().min(-2).max(2).optional(),
    reasoning: ReasoningConfig.optional(),
    streamOutput: z.boolean().optional(),
    outputVariable: z.string().min(1).max(200).optional(),
    tools: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type PromptConfig = z.infer<typeof PromptConfig>;

export const SetVariableConfig = z
  .object({
    variableName: z.string().min(1).max(200).optional(),
    outputVariable: z.string().min(1).max(200).optional(),
    value: z.unknown().optional(),
    valueTemplate: templateString.optional(),
  })
  .loose()
  .refine((config) => config.variableName !== undefined || config.outputVariable !== undefined, {
    message: 'set-variable needs variableName (or outputVariable)',
    path: ['variableName'],
  });
export type SetVariableConfig = z.infer<typeof SetVariableConfig>;

export const TemplateConfig = z
  .object({
    template: templateString,
    outputFormat: z.enum(['html', 'email-html', 'markdown', 'text']).optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    partials: z.record(z.string(), templateString).optional(),
    outputVariable: z.string().min(1).max(200).optional(),
  })
  .loose();
export type TemplateConfig = z.infer<typeof TemplateConfig>;

/** A raw step as received; its `config` is validated per type by `validateFlow`. */
export const RawStep = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_\-:.]+$/, 'step ids use letters, digits and _-:.').max(128).optional(),
    name: z.string().max(200).optional(),
    type: z.string().min(1).max(100),
    order: z.number().int().min(0).optional(),
    enabled: z.boolean().optional(),
    when: z.string().max(500).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    errorHandling: z.union([ErrorHandling, z.object({ onError: ErrorHandling }).loose()]).optional(),
  })
  .loose();
export type RawStep = z.infer<typeof RawStep>;

interface StepBase {
  id: string;
  name: string;
  enabled: boolean;
  when?: string;
  onError: ErrorHandling;
  outputVariable?: string;
}

export type Step =
  | (StepBase & { type: 'prompt'; config: PromptConfig })
  | (StepBase & { type: 'set-variable'; config: SetVariableConfig })
  | (StepBase & { type: 'template'; config: TemplateConfig })
  | (StepBase & { type: 'conditional'; config: { condition: string; trueSteps: Step[]; falseSteps: Step[] } });

/** A flow ready to run: steps validated and sorted. */
export interface FlowDefinition {
  id: string | null;
  name: string;
  description?: string;
  versionId?: string | null;
  steps: Step[];
}
