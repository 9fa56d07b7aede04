import { z } from 'zod';
import { checkRuntimeToolLanguages } from './script-language.js';
import { ArtifactsConfig, ErrorHandling, ErrorHandlingConfig, ReasoningConfig, ResponseFormat } from './flow.js';

const ModelSettings = {
  model: z.string().min(1).max(200).optional(),
  systemPrompt: z.string().max(1_000_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
  reasoning: ReasoningConfig.optional(),
  responseFormat: ResponseFormat.optional(),
  tools: z.record(z.string(), z.unknown()).superRefine(checkRuntimeToolLanguages).optional(),
  /** Runtype's artifacts: `{enabled, types: ["markdown", "component"]}`. */
  artifacts: ArtifactsConfig.optional(),
  /** Runtype's errorHandling (fallbacks to other models, retries, a fixed message), as on a step. */
  errorHandling: z.union([ErrorHandling, ErrorHandlingConfig]).optional(),
  loopConfig: z
    .object({
      maxTurns: z.number().int().min(1).max(100).optional(),
      maxCost: z.number().positive().optional(),
      enableReflection: z.boolean().optional(),
      reflectionInterval: z.number().int().optional(),
    })
    .loose()
    .optional(),
};

/**
 * An agent as Runtype's API describes it: model settings either at the top level (the chat widget's inline
 * agents) or under `config` (saved agents); `config` wins where both are given.
 */
export const AgentDefinition = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    agentType: z.enum(['runtype']).optional(),
    maxTurns: z.number().int().min(1).max(100).optional(),
    ...ModelSettings,
    config: z.object(ModelSettings).loose().optional(),
  })
  .loose();
export type AgentDefinition = z.infer<typeof AgentDefinition>;

export interface AgentSpec {
  id: string;
  name: string;
  model: string | undefined;
  maxTurns: number;
  /** The prompt step an agent run executes: its model settings and its tool loop. */
  step: Record<string, unknown>;
}

/** Flattens an agent into the one prompt step that runs it. */
export function agentSpec(id: string, definition: AgentDefinition): AgentSpec {
  const merged = { ...definition, ...(definition.config ?? {}) };
  const maxTurns = merged.loopConfig?.maxTurns ?? definition.maxTurns ?? 10;
  const tools: Record<string, unknown> = {
    ...((merged.tools as Record<string, unknown> | undefined) ?? {}),
    maxTurns,
    ...(merged.loopConfig?.maxCost !== undefined ? { maxCost: merged.loopConfig.maxCost } : {}),
    ...(merged.artifacts?.enabled ? { artifacts: merged.artifacts } : {}),
    ...(merged.loopConfig?.enableReflection ? { reflection: { interval: merged.loopConfig.reflectionInterval ?? 1 } } : {}),
  };
  if (tools.maxToolCalls === undefined) tools.maxToolCalls = Math.min(100, maxTurns * 5);
  // The conversation is the run's messages, as in Runtype's chat flows (`previousMessages: "{{messages}}"`).
  const config: Record<string, unknown> = { tools, outputVariable: 'output', previousMessages: '{{messages}}' };
  const copied = [
    'model',
    'systemPrompt',
    'temperature',
    'topP',
    'topK',
    'seed',
    'frequencyPenalty',
    'presencePenalty',
    'maxTokens',
    'reasoning',
    'responseFormat',
  ] as const;
  for (const key of copied) {
    if (merged[key] !== undefined) config[key] = merged[key];
  }
  const step = {
    id: 'agent',
    name: definition.name,
    type: 'prompt',
    config,
    ...(merged.errorHandling ? { errorHandling: merged.errorHandling } : {}),
  };
  return { id, name: definition.name, model: merged.model, maxTurns, step };
}
