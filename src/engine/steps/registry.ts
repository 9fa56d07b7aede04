import type { z } from 'zod';
import {
  ApiCallConfig,
  ApprovalConfig,
  ConditionalRawConfig,
  ExecuteAgentConfig,
  FetchUrlConfig,
  GetRecordConfig,
  ListRecordsConfig,
  LoopRawConfig,
  PromptConfig,
  RetrieveRecordConfig,
  SendEventConfig,
  SendStreamConfig,
  SetVariableConfig,
  TemplateConfig,
  ToolCallConfig,
  TransformDataConfig,
  UpdateRecordConfig,
  UpsertRecordConfig,
  StoreAssetConfig,
  GeneratePdfConfig,
  type Step,
  type StepConfigs,
  type StepOf,
  type StepType,
} from '../../protocol/flow.js';
import { SendEmailConfig, SendTextConfig } from '../../protocol/message-steps.js';
import { closestName } from '../../protocol/closest-name.js';
import type { StepContext, StepResult } from '../run-context.js';
import { runApproval } from './approval.js';
import { checkConditional, runConditional } from './conditional.js';
import { runExecuteAgent } from './execute-agent.js';
import { runGetRecord } from './get-record.js';
import { runListRecords } from './list-records.js';
import { checkLoop, runLoop } from './loop.js';
import { runApiCall, runFetchUrl } from './http-steps.js';
import { checkPrompt, runPrompt } from './prompt.js';
import { runRetrieveRecord, runUpdateRecord, runUpsertRecord } from './record-steps.js';
import { runSendEvent } from './send-event.js';
import { runSendStream } from './send-stream.js';
import { runSetVariable } from './set-variable.js';
import { runTemplate } from './template.js';
import { runToolCallStep } from './tool-call.js';
import { runTransformData } from './transform-data.js';
import { runSendEmail } from './send-email.js';
import { runSendText } from './send-text.js';
import type { StepCheckContext } from './step-check.js';
import { CrawlConfig, FetchGithubConfig, PaginateApiConfig, SearchConfig } from '../../protocol/web-steps.js';
import { runCrawl } from './crawl.js';
import { runFetchGithub } from './fetch-github.js';
import { runPaginateApi } from './paginate-api.js';
import { runSearch } from './search.js';
import { runStoreAsset } from './store-asset.js';
import { runGeneratePdf } from './generate-pdf.js';
import { WaitUntilConfig } from '../../protocol/wait-until.js';
import { runWaitUntil } from './wait-until.js';

export type { StepCheckContext } from './step-check.js';

/** The config a step's `check` sees: parsed, but with any branches still as the request gave them. */
type CheckedConfig<T extends StepType> = StepConfigs[T] extends { trueSteps: Step[] }
  ? Record<string, unknown>
  : StepConfigs[T] extends { steps: Step[] }
    ? Omit<StepConfigs[T], 'steps'> & { steps: unknown[] }
    : StepConfigs[T];

/**
 * Everything Flowrun knows about one step type. Adding a step type is one file (its config schema in
 * `protocol/flow.ts`, its runner) and one line here: validation, the dispatcher and `walkSteps` read this.
 */
export interface StepDefinition<T extends StepType> {
  /** Validates the request's `config` (for a step with `branches`, the branches are still raw here). */
  config: z.ZodType<unknown>;
  run: (step: StepOf<T>, context: StepContext) => Promise<StepResult>;
  /** Checks beyond the schema (a prompt's model resolves; a condition parses); a step with branches is checked before they are. */
  check?: (config: CheckedConfig<T>, context: StepCheckContext) => void;
  /** Config keys holding child steps (inline, or ids of other steps of the flow); validated as steps. */
  branches?: readonly string[];
  /** False when the step's result is no output variable (a conditional reports which branch ran). */
  producesOutput?: boolean;
  /** The output variable, where the config names it other than `outputVariable`. */
  outputVariable?: (config: StepConfigs[T]) => string | undefined;
  /** The config's JSON Schema for editors, where the schema cannot say it (a conditional's branches are steps). */
  describedConfig?: Record<string, unknown>;
}

export const stepRegistry: { [T in StepType]: StepDefinition<T> } = {
  prompt: { config: PromptConfig, run: runPrompt, check: checkPrompt },
  'set-variable': {
    config: SetVariableConfig,
    run: runSetVariable,
    outputVariable: (config) => config.variableName ?? config.outputVariable,
  },
  template: { config: TemplateConfig, run: runTemplate },
  conditional: {
    config: ConditionalRawConfig,
    run: runConditional,
    check: checkConditional,
    branches: ['trueSteps', 'falseSteps'],
    producesOutput: false,
    describedConfig: {
      type: 'object',
      properties: {
        condition: { type: 'string', description: 'a JavaScript-like expression over the variables, e.g. `score > 0.5`' },
        trueSteps: { type: 'array', items: { type: 'object' } },
        falseSteps: { type: 'array', items: { type: 'object' } },
      },
      required: ['condition'],
    },
  },
  'tool-call': { config: ToolCallConfig, run: runToolCallStep },
  'fetch-url': { config: FetchUrlConfig, run: runFetchUrl },
  'api-call': { config: ApiCallConfig, run: runApiCall },
  'transform-data': { config: TransformDataConfig, run: runTransformData },
  'execute-agent': { config: ExecuteAgentConfig, run: runExecuteAgent },
  'retrieve-record': { config: RetrieveRecordConfig, run: runRetrieveRecord },
  'upsert-record': { config: UpsertRecordConfig, run: runUpsertRecord },
  'update-record': { config: UpdateRecordConfig, run: runUpdateRecord },
  approval: { config: ApprovalConfig, run: runApproval },
  'get-record': { config: GetRecordConfig, run: runGetRecord },
  'list-records': { config: ListRecordsConfig, run: runListRecords },
  'send-stream': { config: SendStreamConfig, run: runSendStream },
  'send-event': { config: SendEventConfig, run: runSendEvent },
  loop: { config: LoopRawConfig, run: runLoop, check: checkLoop, branches: ['steps'] },
  search: { config: SearchConfig, run: runSearch },
  'paginate-api': { config: PaginateApiConfig, run: runPaginateApi },
  crawl: { config: CrawlConfig, run: runCrawl },
  'fetch-github': { config: FetchGithubConfig, run: runFetchGithub },
  'send-email': { config: SendEmailConfig, run: runSendEmail },
  'send-text': { config: SendTextConfig, run: runSendText },
  'store-asset': { config: StoreAssetConfig, run: runStoreAsset },
  'generate-pdf': { config: GeneratePdfConfig, run: runGeneratePdf },
  'wait-until': { config: WaitUntilConfig, run: runWaitUntil },
};

export const implementedStepTypes = Object.keys(stepRegistry) as StepType[];

export function isImplementedStepType(type: string): type is StepType {
  return Object.prototype.hasOwnProperty.call(stepRegistry, type);
}

function definitionOf<T extends StepType>(type: T): StepDefinition<T> {
  return stepRegistry[type] as StepDefinition<T>;
}

/** Runs one step with its type's runner. */
export function runStep(step: Step, context: StepContext): Promise<StepResult> {
  return (definitionOf(step.type).run as (step: Step, context: StepContext) => Promise<StepResult>)(step, context);
}

/** Every config key that may hold child steps, over all step types (raw requests are normalised through them). */
export const branchKeys: readonly string[] = [...new Set(Object.values(stepRegistry).flatMap((definition) => definition.branches ?? []))];

/** The child step lists of a validated step (none for most types). */
export function childStepsOf(step: Step): Step[][] {
  const branches = definitionOf(step.type).branches ?? [];
  return branches.map((key) => (step.config as unknown as Record<string, Step[]>)[key] ?? []);
}

/** The config keys a step type reads: its schema's fields (or, for a conditional, its described ones). */
function configKeysOf(type: StepType): readonly string[] {
  const definition = definitionOf(type);
  const shape = (definition.config as { shape?: Record<string, unknown> }).shape;
  const described = (definition.describedConfig?.properties ?? {}) as Record<string, unknown>;
  return [...Object.keys(shape ?? {}), ...Object.keys(described), ...(definition.branches ?? [])];
}

/**
 * Keys of a step's config its type does not read (Runtype ignores them, and so does Flowrun), each with the key
 * it is probably a misspelling of (`userPromt` → `userPrompt`).
 */
export function unknownConfigKeys(type: StepType, config: Record<string, unknown>): Array<{ key: string; suggestion?: string }> {
  const known = configKeysOf(type);
  return Object.keys(config)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const suggestion = closestName(key, known);
      return suggestion ? { key, suggestion } : { key };
    });
}

/** Whether a step's result becomes an output variable. */
export function producesOutput(step: Step): boolean {
  return definitionOf(step.type).producesOutput !== false;
}

/** Visits every step of a validated flow, children after their parent, in order. */
export function walkSteps(steps: Step[], visit: (step: Step) => void): void {
  for (const step of steps) {
    visit(step);
    for (const branch of childStepsOf(step)) walkSteps(branch, visit);
  }
}
