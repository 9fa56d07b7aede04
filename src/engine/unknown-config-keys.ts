import { didYouMean } from '../protocol/closest-name.js';
import type { ExecutionEventBody } from '../protocol/execution-event.js';
import type { Step } from '../protocol/flow.js';
import type { IgnoredField } from '../protocol/ignored-fields.js';
import { unknownConfigKeys } from './steps/registry.js';

/**
 * A config key the step's type does not read is ignored, as Runtype ignores it (flows written for Runtype keep
 * running), but not quietly: each is a warning when the step starts, with the key it is probably a misspelling of.
 */
export function unknownKeyWarnings(step: Step): ExecutionEventBody[] {
  return unknownConfigKeys(step.type, step.config as unknown as Record<string, unknown>).map(({ key, suggestion }) => {
    const hint = didYouMean(suggestion);
    return {
      type: 'warning',
      code: 'UNKNOWN_CONFIG_KEY',
      message: `step '${step.name}': config.${key} is not a field of a ${step.type} step; it was ignored${hint ? ` (${hint})` : ''}`,
      field: `config.${key}`,
      ...(suggestion ? { suggestion } : {}),
    };
  });
}

/**
 * Documented request fields Flowrun accepts without acting on them (an agent's `voice`, `options.debugMode`): the
 * same path as unknown config keys, a warning each when the run starts, naming the field and why.
 */
export function ignoredFieldWarnings(fields: readonly IgnoredField[] | undefined): ExecutionEventBody[] {
  return (fields ?? []).map(({ field, reason }) => ({
    type: 'warning',
    code: 'IGNORED_FIELD',
    message: `${field} was ignored: ${reason}`,
    field,
  }));
}
