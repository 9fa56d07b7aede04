import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { renderValue } from '../template.js';
import { view } from './record-steps.js';

/** `get-record`: the stored record with `recordId`, or the newest of `recordType` + `recordName`; null when none. */
export const runGetRecord: StepRunner<StepOf<'get-record'>> = async (step, context) => {
  const unresolved: string[] = [];
  const config = renderValue(step.config, context.scope(), unresolved) as typeof step.config;
  context.checkVariables(unresolved);
  const { records } = context.deps;
  const scope = context.request.scope;
  const record = config.recordId
    ? await records.get(scope, config.recordId)
    : await records.find(scope, config.recordType, config.recordName);
  return { result: record ? view(record) : null, unresolved };
};
