import { z } from 'zod';
import { ChatMessage } from './flow.js';

/** A PromptShuttle template: the system `template`, the `userTemplate`, model settings and tools. */
export const PromptTemplate = z
  .object({
    name: z.string().regex(/^[a-z0-9_]{1,64}$/, 'template names use lowercase letters, digits and _ (they are [[tokens]])'),
    description: z.string().max(2000).optional(),
    template: z.string().max(1_000_000).optional(),
    userTemplate: z.string().max(1_000_000).optional(),
    llm: z.string().min(1).max(200).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    maxToolCalls: z.number().int().min(1).max(100).optional(),
    toolIds: z.array(z.string().min(1).max(300)).max(128).optional(),
    fallbacks: z.array(z.string().min(1).max(200)).max(10).optional(),
    responseSchema: z.record(z.string(), z.unknown()).optional(),
    /** Other templates this one may call as agent tools (PromptShuttle's Agent tool type). */
    agentTools: z.array(z.string()).max(32).optional(),
    maxAgentDepth: z.number().int().min(0).max(10).optional(),
  })
  .loose();
export type PromptTemplate = z.infer<typeof PromptTemplate>;

/** `POST/PATCH /v1/flows` and `/api/v1/flows`: a flow of dispatch `steps`, of PromptShuttle `templates`, or both. */
export const FlowBody = z
  .object({
    name: z.string().min(1).max(200),
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'slugs use lowercase letters, digits, _ and -')
      .optional(),
    description: z.string().max(5000).optional(),
    steps: z.array(z.unknown()).max(500).optional(),
    templates: z.array(PromptTemplate).max(200).optional(),
    entrypoint: z.string().max(64).optional(),
    comment: z.string().max(2000).optional(),
  })
  .loose()
  .refine((flow) => flow.steps !== undefined || flow.templates !== undefined, {
    message: 'a flow needs steps or templates',
    path: ['steps'],
  });
export type FlowBody = z.infer<typeof FlowBody>;

/** `POST /api/v1/flows/{flowId}/runs`: every field of PromptShuttle's run request. */
export const RunRequest = z
  .object({
    parameters: z.record(z.string(), z.unknown()).default({}),
    environment: z.string().min(1).max(100).optional(),
    messages: z.array(ChatMessage).max(10_000).default([]),
    entrypoint: z.string().min(1).max(64).optional(),
    version: z.string().min(1).max(200).optional(),
    overrideModel: z.string().min(1).max(200).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().max(1_000_000).optional(),
    maxThinkingTokens: z.number().int().positive().max(1_000_000).optional(),
    maxToolCalls: z.number().int().min(1).max(100).optional(),
    responseSchema: z.record(z.string(), z.unknown()).optional(),
    vendorTools: z.array(z.string().min(1).max(100)).max(20).default([]),
    tags: z.array(z.string().min(1).max(200)).max(50).default([]),
    nonce: z.string().max(500).optional(),
    logLevel: z.enum(['Trace', 'Debug', 'Information', 'Warning', 'Error']).optional(),
    customerId: z.string().min(1).max(200).optional(),
    maxRequestCostCredits: z.number().int().min(0).optional(),
  })
  .loose();
export type RunRequest = z.infer<typeof RunRequest>;

export const Feedback = z.object({
  shuttleRequestId: z.string().min(1).max(200),
  score: z.union([z.literal(1), z.literal(-1)]),
  text: z.string().max(10_000).optional(),
  endUserId: z.string().max(200).optional(),
});

export const ModelAliasBody = z
  .object({
    alias: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/),
    models: z.array(z.string().min(1).max(200)).min(1).max(20),
    strategy: z.enum(['Sequential', 'Random', 'WeightedRandom', 'RoundRobin']).default('Sequential'),
    weights: z.array(z.number().min(0)).max(20).optional(),
  })
  .refine((alias) => alias.strategy !== 'WeightedRandom' || alias.weights?.length === alias.models.length, {
    message: 'WeightedRandom needs one weight per model',
    path: ['weights'],
  });
