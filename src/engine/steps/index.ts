import type { Step } from '../../protocol/flow.js';
import type { StepContext, StepResult } from '../run-context.js';
import { runApproval } from './approval.js';
import { runConditional } from './conditional.js';
import { runRetrieveRecord, runUpdateRecord, runUpsertRecord } from './record-steps.js';
import { runExecuteAgent } from './execute-agent.js';
import { runApiCall, runFetchUrl } from './http-steps.js';
import { runToolCallStep } from './tool-call.js';
import { runTransformData } from './transform-data.js';
import { runPrompt } from './prompt.js';
import { runSetVariable } from './set-variable.js';
import { runTemplate } from './template.js';

export function runStep(step: Step, context: StepContext): Promise<StepResult> {
  switch (step.type) {
    case 'prompt':
      return runPrompt(step, context);
    case 'set-variable':
      return runSetVariable(step, context);
    case 'template':
      return runTemplate(step, context);
    case 'conditional':
      return runConditional(step, context);
    case 'tool-call':
      return runToolCallStep(step, context);
    case 'fetch-url':
      return runFetchUrl(step, context);
    case 'api-call':
      return runApiCall(step, context);
    case 'transform-data':
      return runTransformData(step, context);
    case 'execute-agent':
      return runExecuteAgent(step, context);
    case 'retrieve-record':
      return runRetrieveRecord(step, context);
    case 'upsert-record':
      return runUpsertRecord(step, context);
    case 'update-record':
      return runUpdateRecord(step, context);
    case 'approval':
      return runApproval(step, context);
    default:
      return assertNever(step);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled step ${JSON.stringify(value)}`);
}
